"""The folded graph's hardware layers and streams as RTL: :class:`RtlLayer` per node plus the :class:`Edge`
list the stitcher connects (forks and joins included).

Source of the topology: the bit-exact simulator's steps (``pcnn_hw.sim.executor.Step``: layer, input and
output tensor names in port order, topological order), which already follow a StreamingDataflowPartition
into its child. Elements per frame of every stream come from one simulated frame (``keep=True``), so no
layer-kind formula is repeated here. FIFO/DWC nodes of the folded graph (``PassThrough``) are bypassed: the
stitcher makes its own. Every stream is point-to-point: a tensor read by two hardware layers (no
DuplicateStreams) is an :class:`UnsupportedOpError` naming it.
TODO(#11): iterate ``pcnn_hw.graph.DataflowGraph`` (its ``edges`` carry the same fields) once merged.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pcnn_hw.errors import ModelFileError, UnsupportedOpError
from pcnn_hw.rtl.edges import Edge
from pcnn_hw.rtl.spec import Fmt, RtlLayer, rtl_layer


def is_chain(sim: Any) -> bool:
    """True when every hardware step has one input and one output stream."""
    return all(len(s.inputs) == 1 and len(s.outputs) == 1 for s in sim.steps if s.layer is not None)


def _frame_elems(sim: Any) -> dict[str, int]:
    """Elements per frame of every tensor, from one simulated all-zero frame."""
    from pcnn_hw.sim.executor import to_plain

    x = np.zeros((1, *sim.input_shape[1:]), dtype=np.int64)
    _, tensors = sim.run(x, keep=True)
    return {name: int(to_plain(v).size) for name, v in tensors.items()}


def graph_rtl(sim: Any, input_fmt: Fmt) -> tuple[list[RtlLayer], list[Edge]]:
    """RTL layers (topological order) and edges (input first, then by producer, port) of ``sim``'s graph."""
    steps = [s for s in sim.steps if s.layer is not None]
    alias: dict[str, str] = {}
    layers: list[RtlLayer] = []
    ins: list[list[str]] = []
    outs: list[list[str]] = []
    fmt: dict[str, Fmt] = {}
    for s in steps:
        names = [alias.get(t, t) for t in s.inputs]
        fins = tuple(fmt.get(t, input_fmt) for t in names)
        r = rtl_layer(s.layer, fins if len(fins) > 1 else fins[0])
        if r is None:  # a FIFO/DWC node of the folded graph: its output is its input
            alias[s.out] = names[0]
            continue
        layers.append(r)
        ins.append(names)
        outs.append(list(s.outputs))
        fmt.update({t: st.fmt for t, st in zip(s.outputs, r.outputs, strict=True)})
    if not layers:
        raise ModelFileError("the folded graph has no hardware layers")
    produced = {t: (i, p) for i, ts in enumerate(outs) for p, t in enumerate(ts)}
    consumed: dict[str, tuple[int, int]] = {}
    for i, ts in enumerate(ins):
        for p, t in enumerate(ts):
            if t in consumed:
                raise UnsupportedOpError(
                    f"tensor {t!r} feeds {layers[consumed[t][0]].name} and {layers[i].name}: a stream has "
                    "one consumer (insert DuplicateStreams for a fork)"
                )
            consumed[t] = (i, p)
    elems = _frame_elems(sim)
    graph_in = [t for t in consumed if t not in produced]
    order = graph_in + [t for ts in outs for t in ts]
    edges = []
    for t in order:
        pi, pp = produced.get(t, (None, 0))
        ci, cp = consumed.get(t, (None, 0))
        edges.append(Edge(t, pi, pp, ci, cp, elems[t]))
    return layers, edges
