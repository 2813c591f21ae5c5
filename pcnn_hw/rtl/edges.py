"""Edges of the layer graph the stitcher connects (:class:`Edge`), and the chain's per-frame data volumes.

A chain's edges come from :func:`frame_elems` (elements per frame entering each layer, from the layers'
parameters); a DAG's from the dataflow graph (:func:`pcnn_hw.rtl.graphrtl.graph_rtl`).
"""

from __future__ import annotations

from dataclasses import dataclass

from pcnn_hw.errors import UnsupportedOpError
from pcnn_hw.rtl.spec import RtlLayer


@dataclass(frozen=True)
class Edge:
    """One stream of the layer graph: producer/consumer layer index and port (None = the AXI input/output),
    elements per frame and the graph's tensor name."""

    name: str
    producer: int | None
    producer_port: int
    consumer: int | None
    consumer_port: int
    elems_per_frame: int


def frame_elems(layers: list[RtlLayer], in_elems_per_frame: int) -> list[int]:
    """Elements per frame entering each layer of a chain and leaving the last (cycle-free data volumes)."""
    counts = [in_elems_per_frame]
    for r in layers:
        beats_in = counts[-1] // r.inp.elems
        p = r.params
        if r.module == "pcnn_mvau":
            beats_out = beats_in // (int(p["MW"]) // int(p["SIMD"])) * (int(p["MH"]) // int(p["PE"]))
        elif r.module == "pcnn_swg_par":
            beats_out = _swg_windows(p)
        elif r.module == "pcnn_swg":
            beats_out = int(p["OH"]) * int(p["OW"]) * int(p["KH"]) * int(p["KW"]) * int(p["CF"])
        elif r.module == "pcnn_pool":
            beats_out = beats_in // int(p["KK"])
        elif r.module == "pcnn_labelselect":
            beats_out = 1
        else:
            beats_out = beats_in
        counts.append(beats_out * r.out.elems)
    return counts


def _swg_windows(p: dict) -> int:
    oh = (int(p["IH"]) - (int(p["KH"]) - 1) * int(p["DH"]) - 1) // int(p["SH"]) + 1
    ow = (int(p["IW"]) - (int(p["KW"]) - 1) * int(p["DW"]) - 1) // int(p["SW"]) + 1
    return oh * ow


def chain_edges(layers: list[RtlLayer], in_elems_per_frame: int) -> list[Edge]:
    """The edges of a chain: input -> layer 0 -> ... -> layer n-1 -> output."""
    counts = frame_elems(layers, in_elems_per_frame)
    n = len(layers)
    return [
        Edge(f"s{i}", i - 1 if i else None, 0, i if i < n else None, 0, counts[i]) for i in range(n + 1)
    ]


def edge_widths(layers: list[RtlLayer], g: Edge) -> tuple[int, int, int]:
    """(producer width, consumer width, consumer elements per beat) of edge ``g``."""
    cons = layers[g.consumer].inputs[g.consumer_port] if g.consumer is not None else None
    prod = layers[g.producer].outputs[g.producer_port] if g.producer is not None else cons
    if prod is None:
        raise UnsupportedOpError(f"edge {g.name}: connects the AXI input directly to the output")
    cons = cons or prod
    if prod.fmt.bits != cons.fmt.bits:
        raise UnsupportedOpError(
            f"edge {g.name}: producer writes {prod.fmt.bits}-bit elements, consumer reads {cons.fmt.bits}-bit"
        )
    return prod.width, cons.width, cons.elems


def fifo_width_elems(layers: list[RtlLayer], g: Edge) -> tuple[int, int]:
    """(width, elements per beat) of edge ``g``'s FIFO. A down-converting edge (producer wider than
    consumer) buffers at the producer's width, before its width converter: the converter needs
    producer/consumer cycles per word, so a producer's burst (a stride-2 window's row of windows) would
    otherwise be throttled to the converter's rate instead of filling the FIFO."""
    pw, cw, ce = edge_widths(layers, g)
    return (pw, ce * pw // cw) if pw > cw else (cw, ce)


def check_edges(layers: list[RtlLayer], edges: list[Edge]) -> None:
    """One AXI input and output edge; every port of every layer has exactly one edge."""
    for kind, attr in (("input", "producer"), ("output", "consumer")):
        ends = [g.name for g in edges if getattr(g, attr) is None]
        if len(ends) != 1:
            raise UnsupportedOpError(
                f"the RTL top has one AXI {kind} stream; the graph has {len(ends)}: {ends}"
            )
    for i, r in enumerate(layers):
        for attr, streams in (("consumer", r.inputs), ("producer", r.outputs)):
            ports = sorted(getattr(g, attr + "_port") for g in edges if getattr(g, attr) == i)
            if ports != list(range(len(streams))):
                raise UnsupportedOpError(
                    f"layer {r.name}: {len(streams)} {attr[:-2]}ed port(s) but edges at ports {ports}"
                )
