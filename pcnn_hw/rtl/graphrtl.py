"""The folded graph's hardware layers and streams as RTL: :class:`RtlLayer` per node of the
:class:`pcnn_hw.graph.DataflowGraph` plus the :class:`Edge` list the stitcher connects (forks and joins
included).

The graph (built once from folded.onnx, partitions followed, host ops split off) gives the nodes in
topological order and every stream with its producer/consumer port and elements per frame; each node's
RTL view gets the element formats of its input ports (``rtl_layer(layer, fins)``). FIFO/DWC nodes of the
folded graph (``PassThrough``) are bypassed: the stitcher makes its own. Every stream is point-to-point
(the graph raises GraphError for a tensor with two consumers and no DuplicateStreams).
"""

from __future__ import annotations

from typing import Any

from pcnn_hw.errors import ModelFileError, UnsupportedOpError
from pcnn_hw.rtl.edges import Edge
from pcnn_hw.rtl.spec import Fmt, RtlLayer, rtl_layer


def graph_rtl(g: Any, input_fmt: Fmt | None = None) -> tuple[list[RtlLayer], list[Edge]]:
    """RTL layers (topological order) and edges (input first, then by producer, port) of DataflowGraph ``g``.

    ``input_fmt`` overrides the format of the graph's input stream (default: its qonnx DataType).
    """
    if len(g.inputs) != 1 or len(g.outputs) != 1:
        raise UnsupportedOpError(
            f"the RTL top has one AXI input and one output stream; the graph has {len(g.inputs)} and "
            f"{len(g.outputs)}"
        )
    src: dict[str, Any] = {}  # edge name -> the edge whose producer really writes it (PassThrough bypass)
    fmt: dict[str, Fmt] = {g.inputs[0].name: input_fmt or g.inputs[0].fmt}
    index: dict[str, int] = {}
    layers: list[RtlLayer] = []
    for n in g.nodes:
        ins = [src.get(e.name, e) for e in n.inputs]
        fins = tuple(fmt[e.name] for e in ins)
        r = rtl_layer(n.layer, fins if len(fins) > 1 else fins[0])
        if r is None:  # a FIFO/DWC node of the folded graph: its output is its input
            src[n.outputs[0].name] = ins[0]
            continue
        index[n.name] = len(layers)
        layers.append(r)
        for e, st in zip(n.outputs, r.outputs, strict=True):
            fmt[e.name] = st.fmt
    if not layers:
        raise ModelFileError("the folded graph has no hardware layers")
    edges = []
    for e in g.edges:
        if e.consumer is not None and e.consumer.name not in index:
            continue  # into a bypassed node: the edge continues from its output
        first = src.get(e.name, e)
        prod = first.producer
        edges.append(Edge(e.name, None if prod is None else index[prod.name], first.producer_port,
                          None if e.consumer is None else index[e.consumer.name], e.consumer_port,
                          e.elems_per_frame))
    return layers, edges
