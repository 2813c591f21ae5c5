"""The dataflow graph core: one graph of layer objects and typed streams, built once from folded.onnx.

    from pcnn_hw.graph import DataflowGraph
    g = DataflowGraph.from_model("build/NAME/folded.onnx", memory=load_weights("build/NAME"))
    for gn in g.nodes: ...            # GraphNode: .name, .op_type, .layer, .inputs, .outputs (by port)
    for e in g.edges: ...             # StreamEdge: .dtype, .fmt, .shape, .producer(_port), .consumer(_port),
                                      #   .producer_elems, .consumer_elems, .elems_per_frame, .beats_per_frame
    g.inputs, g.outputs, g.host_pre, g.host_post, g.node(name), g.is_chain

Beside it: `pcnn_hw.graph.cache.cached_build` (the content-hashed build cache). A build directory as
one object is `pcnn_hw.sim.builddir.BuildDir` (it makes simulators, so it sits above the graph). The
names are imported on first use, so that `pcnn_hw.graph.cache` (a leaf, used by the native kernels) does
not pull in the layers.
"""

from __future__ import annotations

from pcnn_hw.core.lazy import lazy_getattr

_EXPORTS = {
    "DataflowGraph": "pcnn_hw.graph.dataflow",
    "GraphNode": "pcnn_hw.graph.dataflow",
    "StreamEdge": "pcnn_hw.graph.dataflow",
    "HOST_OPS": "pcnn_hw.graph.dataflow",
    "load_onnx": "pcnn_hw.graph.onnxmodel",
    "tensor_datatypes": "pcnn_hw.graph.onnxmodel",
    "cached_build": "pcnn_hw.graph.cache",
}
__all__ = sorted(_EXPORTS)

__getattr__ = lazy_getattr(__name__, _EXPORTS)
