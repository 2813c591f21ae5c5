"""From a folded dataflow graph (nodes with input/output tensors, forks and joins) to the kernels and
streams of the HLS network top.

Every hardware node becomes one kernel (:func:`pcnn_hw.hls.plan.plan_kernel`, the kind's ``hls.py``);
FIFOs and the graph's own width converters (PassThrough layers) are dropped, their output tensor
standing for their input; every remaining tensor is one point-to-point stream (graph input = ``in``,
graph output = ``out``), with a width converter inserted where the producer's word (elements per
word) differs from its consumer's. Kernels are listed in a topological order (C-simulation calls them
one after the other on unbounded streams). Element order on every stream is the logical tensor
order (channels last), except between a depthwise sliding window and its max-pool.
"""

from __future__ import annotations

from dataclasses import dataclass

from pcnn_hw.errors import FoldingError, UnsupportedOpError
from pcnn_hw.graph import DataflowGraph
from pcnn_hw.hls.dtypes import ElemFormat
from pcnn_hw.hls.plan import Kernel, Port, c_ident, plan_kernel, width_converter
from pcnn_hw.layers import MaxPool, PassThrough, SlidingWindow


@dataclass
class GNode:
    """A hardware node: its layer object and input / output tensor names in port order."""

    name: str
    layer: object
    inputs: list[str]
    outputs: list[str]


@dataclass
class Stream:
    """A stream of the top: C variable name, graph tensor, port format, (kernel index, port) ends."""

    name: str
    tensor: str
    port: Port
    src: tuple[int, int] | None
    dst: tuple[int, int] | None
    depth: int = 2


def nodes_from_graph(g: DataflowGraph, where: str = "graph") -> tuple[list[GNode], str, str]:
    """(accelerator nodes, AXI input tensor, AXI output tensor) of a `pcnn_hw.graph.DataflowGraph`.

    UnsupportedOpError for host-side ops around the accelerator (the HLS top is compared with the whole
    simulated graph) or more than one accelerator input/output stream."""
    host = [n.name for n in [*g.host_pre, *g.host_post]]
    if host:
        raise UnsupportedOpError(
            f"{where}: host-side ops {', '.join(host)} are in the folded graph; the HLS top covers "
            "hardware layers only"
        )
    if len(g.inputs) != 1 or len(g.outputs) != 1:
        raise UnsupportedOpError(
            f"{where}: the HLS top has one input and one output stream; the graph has "
            f"{len(g.inputs)} inputs ({', '.join(e.name for e in g.inputs)}) and {len(g.outputs)} outputs"
        )
    nodes = [GNode(gn.name, gn.layer, [e.name for e in gn.inputs], [e.name for e in gn.outputs])
             for gn in g.nodes]
    return nodes, g.inputs[0].name, g.outputs[0].name


def graph_of_simulator(sim: object) -> DataflowGraph:
    """The dataflow graph of the model a bit-exact simulator runs, with the same memory images."""
    return DataflowGraph.from_model(sim.model, memory=sim.memory, base_dir=sim.base_dir)  # type: ignore[attr-defined]


def _plan_node(n: GNode, fins: list[ElemFormat], prev: Kernel | None, pool_pe: int | None) -> Kernel:
    """The kernel of one node given its input formats (prev: the producer of input 0)."""
    return plan_kernel(n.layer, c_ident(n.name), tuple(fins), prev=prev, pool_pe=pool_pe)  # type: ignore[arg-type]


def plan_dataflow(
    nodes: list[GNode], graph_in: str, graph_out: str, input_fmt: ElemFormat
) -> tuple[list[Kernel], list[Stream]]:
    """Kernels (topological order, width converters included) and streams of a dataflow graph.

    UnsupportedOpError for a tensor read by two nodes (a fork needs a DuplicateStreams node), a
    missing producer or a node without a kernel; FoldingError when a consumer reads a different
    number of elements per frame than its producer writes."""
    alias: dict[str, str] = {}
    hw: list[GNode] = []
    for n in nodes:
        if isinstance(n.layer, PassThrough):
            alias[n.outputs[0]] = alias.get(n.inputs[0], n.inputs[0])
        else:
            hw.append(n)

    def res(t: str) -> str:
        return alias.get(t, t)

    readers: dict[str, list[GNode]] = {}
    for n in hw:
        for t in n.inputs:
            readers.setdefault(res(t), []).append(n)
    for t, rs in readers.items():
        if len(rs) > 1:
            raise UnsupportedOpError(
                f"tensor {t} is read by {', '.join(r.name for r in rs)}: a fork needs a DuplicateStreams "
                "node")
    kernels: list[Kernel] = []
    streams: list[Stream] = []
    ends: dict[str, tuple[int | None, int, Port]] = {res(graph_in): (None, 0, Port(0, input_fmt, 0))}
    for n in hw:
        ins = [res(t) for t in n.inputs]
        missing = [t for t in ins if t not in ends]
        if missing:
            raise UnsupportedOpError(f"layer {n.name}: input {missing[0]} has no producer before it")
        prev_idx = ends[ins[0]][0]
        prev = kernels[prev_idx] if prev_idx is not None else None
        pool_pe = None
        if isinstance(n.layer, SlidingWindow) and bool(int(n.layer.attrs.get("depthwise", 0))):
            nxt = readers.get(res(n.outputs[0]), [None])[0]
            if isinstance(getattr(nxt, "layer", None), MaxPool) and not nxt.layer.streaming:
                pool_pe = nxt.layer.pe  # a depthwise window streams channel-fold-major: its word = pool PE
        k = _plan_node(n, [ends[t][2].fmt for t in ins], prev, pool_pe)
        into_k: list[tuple[Stream, int]] = []  # streams ending at k (its index known after the DWCs)
        for port, t in enumerate(ins):
            src, sport, sp = ends[t]
            want = k.inputs[port]
            if src is None:  # the graph input: its words are the consumer's
                into_k.append((Stream("in", t, want, None, None), port))
            elif sp.elems * sp.words != want.elems * want.words:
                raise FoldingError(
                    f"layer {n.name}: reads {want.elems * want.words} elements per frame on port {port}, "
                    f"{kernels[src].node} writes {sp.elems * sp.words}")
            elif sp.elems != want.elems:
                dwc = width_converter(f"dwc_{len(kernels)}", sp, want.elems)
                streams.append(Stream("", t, sp, (src, sport), (len(kernels), 0)))
                kernels.append(dwc)
                into_k.append((Stream("", t, dwc.out, (len(kernels) - 1, 0), None), port))
            else:
                into_k.append((Stream("", t, sp, (src, sport), None), port))
        ki = len(kernels)
        for st, port in into_k:
            st.dst = (ki, port)
            streams.append(st)
        kernels.append(k)
        for port, t in enumerate(n.outputs):
            ends[res(t)] = (ki, port, k.outputs[port])
    out = res(graph_out)
    if out not in ends or ends[out][0] is None:
        raise UnsupportedOpError("the folded graph has no hardware layer with an HLS kernel")
    src, sport, sp = ends[out]
    streams.append(Stream("out", out, sp, (src, sport), None))
    dangling = [t for t, (s, _, _) in ends.items() if s is not None and t != out and t not in readers]
    if dangling:
        raise UnsupportedOpError(f"tensor {dangling[0]} is written but never read (a dangling stream)")
    for i, s in enumerate(streams):
        if not s.name:
            s.name = f"s{i}"
        if s.dst is not None and kernels[s.dst[0]].op.startswith("ElementwiseAdd"):
            s.depth = max(2, s.port.words)  # a join input holds up to a frame (no deadlock in synthesis)
    return kernels, streams
