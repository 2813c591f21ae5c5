"""Stitcher: a graph of :class:`RtlLayer` (chain or DAG with forks and joins) -> one top module ``top``
with AXI-Stream in/out, one FIFO per edge on the consumer side (data-width converters in front of it where
producer and consumer widths differ), written with the Verilog templates and ROM files into a directory
(``build/NAME/rtl/``).

Output is deterministic (no timestamps, sorted files, fixed formatting): two stitches of the same
graph and FIFO depths are byte-identical. ``design.json`` describes the instances, the streams (producer
and consumer instance + port of each) and the edges; the Verilator harness and the Yosys runner read it.

Edges (:class:`Edge`) are the layer graph's streams in a fixed order (graph input first, then by producer,
port); FIFO ``fifo_<e>`` (and ``dwc_<e>``) belongs to edge e and ``fifo_depths[e]`` is its depth. Instances
are emitted layer by layer in topological order, each layer preceded by the DWC/FIFO of its input edges and
the output FIFO last. Stream wires ``s<k>`` are numbered in emission order (s0 = the AXI input), so a chain
stitches as s_axis -> fifo_0 -> layer_0 -> [dwc_1] -> fifo_1 -> layer_1 ... -> fifo_n -> m_axis, except
that on a down-converting edge (producer wider) the FIFO comes before the DWC, at the producer's width
(:func:`pcnn_hw.rtl.edges.fifo_width_elems`). Under ``PCNN_MON`` the top exports the valid/ready pair of
every stream (port ``mon``) for the testbench's statistics, timeline and deadlock diagnosis.
Verilog text: :mod:`pcnn_hw.rtl.topv`.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from pcnn_hw.errors import ModelFileError, UnsupportedOpError
from pcnn_hw.rtl.edges import Edge, chain_edges, check_edges, edge_widths, fifo_width_elems, frame_elems
from pcnn_hw.rtl.rom import Rom
from pcnn_hw.rtl.spec import Fmt, RtlLayer, Stream
from pcnn_hw.rtl.topv import instance_verilog, top_verilog

MANIFEST = "design.json"
REGEN = "regenerate the RTL with `pcnn-hw build --rtl`"
TEMPLATES = (
    "pcnn_addtree.v",
    "pcnn_fifo.v",
    "pcnn_dwc.v",
    "pcnn_mvau.v",
    "pcnn_swg.v",
    "pcnn_swg_par.v",
    "pcnn_pool.v",
    "pcnn_labelselect.v",
    "pcnn_thresholding.v",
)


# modules a template instantiates (their files go wherever the template goes)
DEPENDS: dict[str, tuple[str, ...]] = {"pcnn_mvau": ("pcnn_addtree",)}


def template_text(name: str) -> str:
    """Text of a Verilog template shipped as package data (pcnn_hw/rtl/verilog/)."""
    return resources.files("pcnn_hw.rtl").joinpath("verilog", name).read_text()


@dataclass
class Instance:
    """One instance of the top: kind 'fifo' | 'dwc' | 'layer', its module, parameters and port-0 widths;
    ``ins`` / ``outs`` are its stream indices in port order, ``edge`` the edge a FIFO/DWC belongs to."""

    name: str
    kind: str
    module: str
    params: dict[str, int | str]
    in_width: int
    out_width: int
    layer: str | None = None  # layer name (layers) or the layer this FIFO/DWC feeds ('' = output)
    roms: list[Rom] = field(default_factory=list)  # generated ROMs behind the w_*/t_* ports
    ins: list[int] = field(default_factory=list)
    outs: list[int] = field(default_factory=list)
    edge: int | None = None
    in_widths: list[int] = field(default_factory=list)  # per port (set by the stitcher)
    out_widths: list[int] = field(default_factory=list)

    def sources(self) -> list[str]:
        """Files (names in Design.files) that define every module this instance needs."""
        mods = [self.module, *DEPENDS.get(self.module, ())]
        return [f"{m}.v" for m in mods] + [r.file for r in self.roms]


@dataclass
class Wire:
    """One stream wire ``s<k>`` of the top: width, producer and consumer (instance name, port; None = AXI)."""

    width: int
    producer: tuple[str, int] | None
    consumer: tuple[str, int] | None = None


@dataclass
class Design:
    """A stitched design: instances in emission order, streams, I/O, per-frame beat counts, files."""

    instances: list[Instance]
    inp: Stream
    out: Stream
    in_beats: int
    out_beats: int
    layers: list[RtlLayer]
    fifo_depths: list[int]
    files: dict[str, str] = field(default_factory=dict)
    streams: list[Wire] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    input_stream: int = 0
    output_stream: int = 0

    @property
    def n_streams(self) -> int:
        """Number of monitored streams."""
        return len(self.streams)

    def fifos(self) -> list[Instance]:
        """Every FIFO, in edge order (= the order of ``fifo_depths`` and the harness' occupancy list)."""
        return sorted((x for x in self.instances if x.kind == "fifo"), key=lambda x: x.edge)

    def edge_label(self, e: int) -> str:
        """'producer:port -> consumer:port (tensor NAME)' of edge e (AXI ends named 'input'/'output')."""
        g = self.edges[e]
        src = "input" if g.producer is None else _end(self.layers[g.producer].name, g.producer_port)
        dst = "output" if g.consumer is None else _end(self.layers[g.consumer].name, g.consumer_port)
        return f"{src} -> {dst} (tensor {g.name})"

    def manifest(self) -> dict:
        """JSON-able description (design.json)."""
        end = (lambda pc: None if pc is None else {"instance": pc[0], "port": pc[1]})  # noqa: E731
        return {
            "format": "pcnn-hw rtl v2",
            "top": "top",
            "input": _io(self.inp, self.in_beats),
            "output": _io(self.out, self.out_beats),
            "fifo_depths": self.fifo_depths,
            "instances": [
                {
                    "name": x.name,
                    "kind": x.kind,
                    "module": x.module,
                    "layer": x.layer,
                    "params": x.params,
                    "in_width": x.in_width,
                    "out_width": x.out_width,
                    "roms": [r.module for r in x.roms],
                    "inputs": [f"s{k}" for k in x.ins],
                    "outputs": [f"s{k}" for k in x.outs],
                }
                for x in self.instances
            ],
            "streams": [
                {"name": f"s{k}", "width": s.width, "producer": end(s.producer), "consumer": end(s.consumer)}
                for k, s in enumerate(self.streams)
            ],
            "edges": [
                {"name": g.name, "fifo": f.name, "depth": f.params["DEPTH"], "label": self.edge_label(f.edge)}
                for g, f in zip(self.edges, self.fifos(), strict=True)
            ],
            # every other file of the directory with its SHA-256 (check_rtl_dir verifies them)
            "files": {
                n: hashlib.sha256(t.encode()).hexdigest()
                for n, t in sorted(self.files.items())
                if n != MANIFEST
            },
        }


def _end(name: str, port: int) -> str:
    return f"{name}:{port}"


def _io(s: Stream, beats: int) -> dict:
    return {"bits": s.fmt.bits, "signed": s.fmt.signed, "elems": s.elems, "beats_per_frame": beats}


def _dwc_chain(name: str, iw: int, ow: int, layer: str) -> list[Instance]:
    if iw == ow:
        return []
    if iw % ow == 0 or ow % iw == 0:
        return [Instance(name, "dwc", "pcnn_dwc", {"IW": iw, "OW": ow}, iw, ow, layer)]
    mid = math.lcm(iw, ow)
    return [
        Instance(name + "_up", "dwc", "pcnn_dwc", {"IW": iw, "OW": mid}, iw, mid, layer),
        Instance(name + "_dn", "dwc", "pcnn_dwc", {"IW": mid, "OW": ow}, mid, ow, layer),
    ]


def stitch(layers: list[RtlLayer], in_elems_per_frame: int, fifo_depths: list[int] | None = None) -> Design:
    """Stitch a chain; ``fifo_depths`` (one per FIFO, len(layers) + 1) defaults to 2 each."""
    return stitch_graph(layers, chain_edges(layers, in_elems_per_frame), fifo_depths)


def stitch_graph(layers: list[RtlLayer], edges: list[Edge], fifo_depths: list[int] | None = None) -> Design:
    """Stitch the layers (topological order) along ``edges``; ``fifo_depths`` one per edge (default 2)."""
    check_edges(layers, edges)
    depths = list(fifo_depths) if fifo_depths is not None else [2] * len(edges)
    if len(depths) != len(edges):
        raise ValueError(f"need {len(edges)} FIFO depths, got {len(depths)}")
    depths = [max(2, int(d)) for d in depths]
    inst: list[Instance] = []
    streams: list[Wire] = []
    src: dict[int, int] = {}  # edge -> stream index carrying it at the producer's width

    def emit(x: Instance, ins: list[int], out_widths: list[int]) -> list[int]:
        x.ins = list(ins)
        x.in_widths = [streams[k].width for k in ins]
        if x.kind != "layer" and x.in_widths != [x.in_width]:  # the stitcher's own invariant
            raise RuntimeError(f"stitch: {x.name} reads {x.in_width} bits from a {x.in_widths}-bit stream")
        x.out_widths = list(out_widths)
        for p, k in enumerate(ins):
            streams[k].consumer = (x.name, p)
        x.outs = list(range(len(streams), len(streams) + len(out_widths)))
        streams.extend(Wire(w, (x.name, p)) for p, w in enumerate(out_widths))
        inst.append(x)
        return x.outs

    def feed(e: int, layer_name: str) -> int:
        """DWC(s) + FIFO of edge e; returns the FIFO's output stream."""
        g = edges[e]
        if g.producer is not None and g.producer not in done:
            raise UnsupportedOpError(
                f"edge {g.name}: producer {layers[g.producer].name} comes after its consumer"
            )
        pw, cw, _ = edge_widths(layers, g)
        fw = fifo_width_elems(layers, g)[0]
        fifo = Instance(
            f"fifo_{e}", "fifo", "pcnn_fifo", {"WIDTH": fw, "DEPTH": depths[e]}, fw, fw, layer_name
        )
        fifo.edge = e
        fifo_first = fw != cw  # a down-converting edge buffers before its DWC (fifo_width_elems)
        dwcs = _dwc_chain(f"dwc_{e}", pw, cw, layer_name)
        k = src[e]
        for x in [fifo, *dwcs] if fifo_first else [*dwcs, fifo]:
            k = emit(x, [k], [x.out_width])[0]
        return k

    e_in = next(e for e, g in enumerate(edges) if g.producer is None)
    streams.append(Wire(edge_widths(layers, edges[e_in])[1], None))
    src[e_in] = 0
    done: set[int] = set()
    for i, r in enumerate(layers):
        ins_e = sorted((g.consumer_port, e) for e, g in enumerate(edges) if g.consumer == i)
        ins = [feed(e, r.name) for _, e in ins_e]
        x = Instance(
            r.name, "layer", r.module, dict(r.params), r.inp.width, r.out.width, r.name, list(r.roms)
        )
        outs = emit(x, ins, [s.width for s in r.outputs])
        for e, g in enumerate(edges):
            if g.producer == i:
                src[e] = outs[g.producer_port]
        done.add(i)
    e_out = next(e for e, g in enumerate(edges) if g.consumer is None)
    out_k = feed(e_out, "")
    g_in, g_out = edges[e_in], edges[e_out]
    inp = layers[g_in.consumer].inputs[g_in.consumer_port]
    out = layers[g_out.producer].outputs[g_out.producer_port]
    d = Design(inst, inp, out, g_in.elems_per_frame // inp.elems, g_out.elems_per_frame // out.elems,
               layers, depths, streams=streams, edges=list(edges), input_stream=0, output_stream=out_k)
    files = {}
    for r in layers:
        files.update(r.files)
    files["top.v"] = top_verilog(d)
    for t in sorted({m for x in inst for m in (x.module, *DEPENDS.get(x.module, ()))}):
        if f"{t}.v" not in files:
            files[f"{t}.v"] = template_text(f"{t}.v")
    d.files = dict(sorted(files.items()))
    files[MANIFEST] = json.dumps(d.manifest(), indent=2, sort_keys=True) + "\n"
    d.files = dict(sorted(files.items()))
    return d


def check_rtl_dir(rtl_dir: str | Path) -> dict:
    """design.json of ``rtl_dir`` after checking every file it lists is there and unchanged.

    A missing or edited module/ROM file raises :class:`ModelFileError` naming the file, so a corrupted
    ``rtl/`` directory never reaches a simulator or Vivado (an all-zero ROM would only warn there).
    """
    rtl_dir = Path(rtl_dir)
    man = rtl_dir / MANIFEST
    if not man.is_file():
        raise ModelFileError(f"{man}: missing; {REGEN}")
    try:
        data = json.loads(man.read_text())
    except json.JSONDecodeError as exc:
        raise ModelFileError(
            f"{man}: not valid JSON ({exc}); regenerate with `pcnn-hw build --rtl`"
        ) from None
    for name, digest in sorted(data.get("files", {}).items()):
        f = rtl_dir / name
        if not f.is_file():
            raise ModelFileError(
                f"{f}: missing from the RTL directory; regenerate with `pcnn-hw build --rtl`"
            )
        if hashlib.sha256(f.read_bytes()).hexdigest() != digest:
            raise ModelFileError(
                f"{f}: changed since it was generated; regenerate with `pcnn-hw build --rtl`"
            )
    return data


def write_design(d: Design, out_dir: str | Path) -> Path:
    """Write every file of the design into ``out_dir`` (stale .v/.memh files there are removed)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for old in list(out.glob("*.v")) + list(out.glob("*.memh")):
        if old.name not in d.files:
            old.unlink()
    for name, text in d.files.items():
        p = out / name
        if not p.is_file() or p.read_text() != text:
            p.write_text(text)
    return out


__all__ = [
    "Design",
    "Edge",
    "Fmt",
    "Instance",
    "Wire",
    "chain_edges",
    "stitch_graph",
    "MANIFEST",
    "TEMPLATES",
    "check_rtl_dir",
    "frame_elems",
    "instance_verilog",
    "stitch",
    "template_text",
    "top_verilog",
    "write_design",
]
