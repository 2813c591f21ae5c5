"""The RTL design up to the class scores, for levels that compare scores instead of labels."""

from __future__ import annotations

from dataclasses import replace

from pcnn_hw.rtl.flow import RtlDesign


def scores_design(rd: RtlDesign) -> RtlDesign | None:
    """``rd`` without its final LabelSelect: the stream into it (the integer class scores) becomes the
    design's output, and :meth:`RtlDesign.reference` the simulator's scores tensor. A level comparing
    labels misses most wrong scores (a random-weight ResNet gives one label for every image; a stitching
    bug that garbled three layers of the full ResNet-18 still matched on labels). None without one."""
    score = rd.sim.score_tensor()
    last = len(rd.layers) - 1
    if score is None or not rd.layers[last].op_type.startswith("LabelSelect"):
        return None
    if rd.edges is None:
        return replace(rd, layers=rd.layers[:last], output_tensor=score)
    edges = [g for g in rd.edges if g.producer != last]
    edges = [replace(g, consumer=None, consumer_port=0) if g.consumer == last else g for g in edges]
    return replace(rd, layers=rd.layers[:last], edges=edges, output_tensor=score)
