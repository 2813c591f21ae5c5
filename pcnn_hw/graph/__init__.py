"""The dataflow graph core: one graph of layer objects and typed streams, built once from folded.onnx.

    from pcnn_hw.graph import DataflowGraph
    g = DataflowGraph.from_model("build/NAME/folded.onnx", memory=load_weights("build/NAME"))
    for gn in g.nodes: ...            # GraphNode: .name, .op_type, .layer, .inputs, .outputs (by port)
    for e in g.edges: ...             # StreamEdge: .dtype, .fmt, .shape, .producer(_port), .consumer(_port),
                                      #   .producer_elems, .consumer_elems, .elems_per_frame, .beats_per_frame
    g.inputs, g.outputs, g.host_pre, g.host_post, g.node(name), g.is_chain

`pcnn_hw.graph.builddir.BuildDir` (a build directory as one object) and `pcnn_hw.graph.cache`
(content-hashed build cache) live beside it; they are imported from their modules.
"""

from pcnn_hw.graph.dataflow import HOST_OPS, DataflowGraph, GraphNode, StreamEdge
from pcnn_hw.graph.onnxmodel import load_onnx, tensor_datatypes

__all__ = ["HOST_OPS", "DataflowGraph", "GraphNode", "StreamEdge", "load_onnx", "tensor_datatypes"]
