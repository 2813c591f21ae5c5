"""The dataflow graph of a folded FINN model: layer objects as nodes, typed point-to-point streams as edges.

Built once from ``folded.onnx`` (a parent model with a `StreamingDataflowPartition` is followed into its
child); the simulator runs its nodes in topological order and the RTL/HLS backends iterate its edges.
Forks (DuplicateStreams) and joins (ElementwiseAdd) are ordinary nodes with several output / input ports.

Rules (each broken one is a `GraphError` naming the tensor or node):

* every stream has one producer and one consumer: a tensor read by two nodes (or read by a node and
  also a graph output) without a DuplicateStreams node in between is rejected, as in hardware;
* the graph is acyclic; every tensor a node reads is a graph input, an initializer or produced;
* host ops (Transpose, Reshape, Flatten) stand before or after the accelerator, never between two of
  its nodes; every other op must be a layer kind of :mod:`pcnn_hw.layers`.

Stream inputs of a node are its non-initializer inputs, in order (port k = k-th such input); its
outputs are all node outputs (port k = output k). Per-frame shapes come from the model's value_info
(batch axis dropped); element types from the FINN datatype annotations, else the layer attributes.
Why our own graph and not qonnx's ModelWrapper: the consumers need streams (ports, elements per beat,
beats per frame) and layer objects, which ModelWrapper does not model; the ONNX walking is small.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import NodeProto
from qonnx.core.datatype import DataType

from pcnn_hw.core.streams import Fmt, fmt_of_datatype
from pcnn_hw.errors import GraphError
from pcnn_hw.graph.onnxmodel import FlatModel, flatten, load_onnx
from pcnn_hw.layers import LAYER_CLASSES, SUPPORTED_OPS, HwLayer, layer_from_node

HOST_OPS = ("Transpose", "Reshape", "Flatten")


@dataclass(eq=False)
class GraphNode:
    """One accelerator node: the ONNX node, its layer object, its streams by port."""

    node: NodeProto
    layer: HwLayer
    inputs: list[StreamEdge] = field(default_factory=list)
    outputs: list[StreamEdge] = field(default_factory=list)

    @property
    def name(self) -> str:
        """Node name (unique in a FINN graph)."""
        return self.node.name

    @property
    def op_type(self) -> str:
        """Op type as in the graph, e.g. 'MVAU_hls'."""
        return self.node.op_type

    def __repr__(self) -> str:
        return f"GraphNode({self.name!r}, {self.op_type})"


@dataclass(eq=False)
class StreamEdge:
    """One point-to-point stream: the ONNX tensor, its element type, and both ends (None = AXI port)."""

    name: str
    dtype: Any  # qonnx DataType
    shape: tuple[int, ...] | None
    producer: GraphNode | None = None
    producer_port: int = 0
    consumer: GraphNode | None = None
    consumer_port: int = 0

    @property
    def fmt(self) -> Fmt:
        """Element format (bits, signed); UnsupportedOpError for a float stream."""
        return fmt_of_datatype(self.dtype.name)

    @property
    def elems_per_frame(self) -> int:
        """Elements of one frame (product of the per-frame shape); GraphError if the shape is unknown."""
        if self.shape is None:
            raise GraphError(f"tensor {self.name!r}: no shape in the model (run qonnx InferShapes)")
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def producer_elems(self) -> int:
        """Elements per beat the producer writes (graph input: what the consumer reads)."""
        if self.producer is not None:
            return int(self.producer.layer.out_elems_per_beat(self.producer_port))
        if self.consumer is not None:
            return int(self.consumer.layer.in_elems_per_beat(self.consumer_port))
        return 1

    @property
    def consumer_elems(self) -> int:
        """Elements per beat the consumer reads (graph output: what the producer writes)."""
        if self.consumer is not None:
            return int(self.consumer.layer.in_elems_per_beat(self.consumer_port))
        return self.producer_elems

    @property
    def beats_per_frame(self) -> int:
        """Beats per frame at the producer side: ceil(elems_per_frame / producer_elems)."""
        return -(-self.elems_per_frame // self.producer_elems)

    def __repr__(self) -> str:
        src = f"{self.producer.name}:{self.producer_port}" if self.producer else "in"
        dst = f"{self.consumer.name}:{self.consumer_port}" if self.consumer else "out"
        return f"StreamEdge({self.name!r}, {self.dtype.name}, {src} -> {dst})"


def _attr_dtype(layer: HwLayer, side: str, port: int) -> str | None:
    """Datatype name of a stream from the layer attributes (graphs without annotations)."""
    a = layer.attrs
    if side == "in":
        keys = (("lhs_dtype", "rhs_dtype")[port],) if "lhs_dtype" in a and port < 2 else ()
        keys += ("inputDataType", "dataType")
    else:
        keys = ("outputDataType", "out_dtype", "dataType")
        same = ("DuplicateStreams", "FMPadding", "Pool", "ConvolutionInputGenerator")
        if layer.op_type.split("_")[0] in same:
            keys += ("inputDataType",)
    for k in keys:
        if k in a:
            return str(a[k])
    return None


def _toposort(nodes: list[NodeProto], available: set[str]) -> list[NodeProto]:
    """Kahn's algorithm, ties broken by ONNX order (deterministic); GraphError on a cycle or an
    input that nothing provides."""
    producer = {}
    for i, n in enumerate(nodes):
        for t in n.output:
            if t in producer:
                raise GraphError(
                    f"tensor {t!r} is written by two nodes: {nodes[producer[t]].name!r} and {n.name!r}")
            producer[t] = i
    deps: list[set[int]] = []
    for n in nodes:
        d = set()
        for t in n.input:
            if not t or t in available:
                continue
            if t not in producer:
                raise GraphError(
                    f"node {n.name!r}: input tensor {t!r} is no graph input, initializer or node output")
            d.add(producer[t])
        deps.append(d)
    users: list[list[int]] = [[] for _ in nodes]
    for i, d in enumerate(deps):
        for j in d:
            users[j].append(i)
    missing = [len(d) for d in deps]
    ready = [i for i, m in enumerate(missing) if m == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        i = heapq.heappop(ready)
        order.append(i)
        for u in users[i]:
            missing[u] -= 1
            if missing[u] == 0:
                heapq.heappush(ready, u)
    if len(order) < len(nodes):
        stuck = ", ".join(repr(nodes[i].name) for i in range(len(nodes)) if missing[i])
        raise GraphError(f"the graph has a cycle through nodes {stuck}")
    return [nodes[i] for i in order]


class DataflowGraph:
    """Accelerator nodes in topological order, their streams, and the host ops around them.

    Attributes: `nodes` (GraphNode, deterministic topological order), `edges` (StreamEdge: accelerator
    inputs first, then by producer order and port), `inputs` / `outputs` (edges whose producer / consumer
    is None, i.e. the AXI ports), `host_pre` / `host_post` (ONNX host-op nodes before / after the
    accelerator, in execution order), `model` (the top-level ModelProto), `flat` (the FlatModel).
    """

    def __init__(self, flat: FlatModel, model: onnx.ModelProto, memory: dict | None = None) -> None:
        self.model = model
        self.flat = flat
        available = set(flat.inputs) | set(flat.inits)
        order = _toposort(flat.nodes, available)
        hw_out: set[str] = set()  # tensors downstream of an accelerator node
        post_out: dict[str, str] = {}  # tensor written by a host op after the accelerator -> that op
        self.host_pre: list[NodeProto] = []
        self.host_post: list[NodeProto] = []
        self.nodes: list[GraphNode] = []
        for n in order:
            after_hw = any(t in hw_out for t in n.input)
            if n.op_type in HOST_OPS:
                (self.host_post if after_hw else self.host_pre).append(n)
                if after_hw:
                    hw_out.update(n.output)
                    post_out.update((t, n.name) for t in n.output)
                continue
            bad = next((post_out[t] for t in n.input if t in post_out), None)
            if bad is not None:
                raise GraphError(f"host op {bad!r} stands between accelerator nodes (it feeds {n.name!r}); "
                                 "host ops may only come before or after the accelerator")
            self.nodes.append(GraphNode(n, _layer(n, flat, memory)))
            hw_out.update(n.output)
        self._by_name = {gn.name: gn for gn in self.nodes}
        self._connect(flat)

    @classmethod
    def from_model(cls, model: str | Path | onnx.ModelProto | Any, memory: dict | None = None,
                   base_dir: str | Path | None = None) -> DataflowGraph:
        """The graph of a folded model (path, ModelProto or qonnx ModelWrapper).

        `memory`: per-node memory images ({'weights': ..., 'thresholds': ...}, e.g. `load_weights`),
        overriding the initializers. `base_dir`: where relative partition paths are resolved
        (default: the model file's directory)."""
        proto = load_onnx(model)
        if base_dir is None and isinstance(model, (str, Path)):
            base_dir = Path(model).parent
        flat = flatten(proto, Path(base_dir) if base_dir is not None else None)
        return cls(flat, proto, memory)

    # -- construction ------------------------------------------------------------------------------
    def _stream_inputs(self, n: NodeProto) -> list[str]:
        return [t for t in n.input if t and t not in self.flat.inits]

    def _connect(self, flat: FlatModel) -> None:
        readers: dict[str, list[tuple[GraphNode | None, int, str]]] = {}
        for gn in self.nodes:
            for port, t in enumerate(self._stream_inputs(gn.node)):
                readers.setdefault(t, []).append((gn, port, gn.name))
        for h in self.host_post:
            for t in h.input:
                readers.setdefault(t, []).append((None, 0, h.name))
        for t in flat.outputs:
            readers.setdefault(t, []).append((None, 0, "the graph output"))
        hw_outputs = {t for gn in self.nodes for t in gn.node.output}
        self.edges: list[StreamEdge] = []
        made: dict[str, StreamEdge] = {}

        def edge(t: str, producer: GraphNode | None, pport: int) -> StreamEdge:
            rs = readers.get(t, [])
            if len(rs) > 1 and (producer is not None or any(r[0] is not None for r in rs)):
                who = ", ".join(r[2] for r in rs)
                raise GraphError(f"tensor {t!r} has {len(rs)} consumers ({who}) and no DuplicateStreams "
                                 "node; every stream needs exactly one consumer")
            if producer is not None and not rs:
                raise GraphError(f"tensor {t!r} (output {pport} of node {producer.name!r}) is never read")
            cons, cport = (rs[0][0], rs[0][1]) if rs else (None, 0)
            e = StreamEdge(t, self._dtype(t, producer, pport, cons, cport), self._shape(t), producer, pport,
                           cons, cport)
            made[t] = e
            self.edges.append(e)
            return e

        for gn in self.nodes:  # accelerator inputs: in the order their consumers are reached
            for t in self._stream_inputs(gn.node):
                if t not in hw_outputs and t not in made:
                    edge(t, None, 0)
        for gn in self.nodes:
            for port, t in enumerate(gn.node.output):
                gn.outputs.append(edge(t, gn, port))
        for gn in self.nodes:
            gn.inputs = [made[t] for t in self._stream_inputs(gn.node)]
        self.inputs = [e for e in self.edges if e.producer is None]
        self.outputs = [e for e in self.edges if e.consumer is None]

    def _dtype(self, t: str, prod: GraphNode | None, pport: int, cons: GraphNode | None, cport: int) -> Any:
        name = self.flat.dtypes.get(t)
        if name is None and cons is not None:
            name = _attr_dtype(cons.layer, "in", cport)
        if name is None and prod is not None:
            name = _attr_dtype(prod.layer, "out", pport)
        try:
            return DataType[name or "FLOAT32"]
        except KeyError:
            raise GraphError(f"tensor {t!r}: datatype {name!r} is not a FINN/QONNX datatype") from None

    def _shape(self, t: str) -> tuple[int, ...] | None:
        s = self.flat.shapes.get(t)
        return tuple(s[1:]) if s else None

    # -- queries -------------------------------------------------------------------------------------
    def node(self, name: str) -> GraphNode:
        """The node called `name`; GraphError listing the names if there is none."""
        try:
            return self._by_name[name]
        except KeyError:
            raise GraphError(f"no accelerator node {name!r}; nodes: {', '.join(self._by_name)}") from None

    def edge(self, tensor: str) -> StreamEdge:
        """The stream of ONNX tensor `tensor`; GraphError if it is no stream."""
        for e in self.edges:
            if e.name == tensor:
                return e
        raise GraphError(f"tensor {tensor!r} is no stream of the accelerator")

    @property
    def is_chain(self) -> bool:
        """True if every node has one input and one output stream and node k feeds node k+1."""
        if any(len(gn.inputs) != 1 or len(gn.outputs) != 1 for gn in self.nodes):
            return False
        return all(a.outputs[0].consumer is b for a, b in zip(self.nodes, self.nodes[1:], strict=False))

    @property
    def layers(self) -> list[HwLayer]:
        """The layer objects in node order."""
        return [gn.layer for gn in self.nodes]

    def __repr__(self) -> str:
        return f"DataflowGraph({len(self.nodes)} nodes, {len(self.edges)} streams)"


def _layer(n: NodeProto, flat: FlatModel, memory: dict | None) -> HwLayer:
    """The layer object of an accelerator node; GraphError naming node and op for an unknown op."""
    if n.op_type not in LAYER_CLASSES:
        raise GraphError(
            f"node {n.name!r}: op {n.op_type!r} (domain {n.domain or 'ai.onnx'}) is not supported by the "
            f"bit-exact simulator; supported: {', '.join(SUPPORTED_OPS)} (and their _hls/_rtl variants), "
            f"host ops {', '.join(HOST_OPS)}"
        )
    return layer_from_node(n, flat.init, (memory or {}).get(n.name))
