"""The fidelity ladder's RTL level, and the RTL design up to the class scores that it (and the paper-net
benchmarks) compare with the simulator's scores instead of only the labels."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from pcnn_hw.rtl.flow import RtlDesign, load_design
from pcnn_hw.rtl.sizing import deep_depths
from pcnn_hw.rtl.stitch import check_rtl_dir
from pcnn_hw.rtl.verilate import build_model, run_model


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


def rtl_level(build_dir: str | Path) -> Any:
    """Ladder level 'RTL (Verilator)': labels from the cycle-accurate simulation of build/NAME/rtl."""
    from pcnn_hw.core.levels import Level
    from pcnn_hw.core.levels import label_output as _label_output

    rd = load_design(build_dir)
    check_rtl_dir(rd.rtl_dir)  # a missing/edited module or ROM file: typed error naming it
    d = rd.stitch()

    def predict(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = rd.graph_input(images)
        exe = build_model(d, rd.rtl_dir, rd.sim_dir)
        res = run_model(exe, d, rd.rtl_dir, np.asarray(x).reshape(x.shape[0], -1))
        y = res.outputs
        return _label_output(y), y.reshape(y.shape[0], -1)

    sd = scores_design(rd)

    def scores(images: np.ndarray) -> np.ndarray:
        """The class scores from a second Verilator model: the design without its LabelSelect (one-frame
        FIFOs, `deep_depths`: throughput is the deployed design's business, this checks values)."""
        assert sd is not None  # only offered when there is a LabelSelect
        x = np.asarray(sd.graph_input(images))
        edges = sd.graph_edges()
        ds = sd.stitch(deep_depths(sd.layers, edges))
        exe = build_model(ds, rd.sim_dir / "rtl-scores", rd.sim_dir)
        return run_model(exe, ds, rd.sim_dir / "rtl-scores", x.reshape(x.shape[0], -1)).outputs

    return Level("RTL (Verilator)", predict, scores=scores if sd is not None else None)
