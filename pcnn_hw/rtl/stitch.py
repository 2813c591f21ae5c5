"""Stitcher: a chain of :class:`RtlLayer` -> one top module ``top`` with AXI-Stream in/out and a FIFO in
front of every layer and at the output (data-width converters where widths differ), written with the
Verilog templates and memory init files into a directory (``build/NAME/rtl/``).

Output is deterministic (no timestamps, sorted files, fixed formatting): two stitches of the same
graph and FIFO depths are byte-identical. ``design.json`` describes the instances and streams; the
Verilator harness and the Yosys runner read it.

Chain: s_axis -> fifo_0 -> layer_0 -> [dwc] -> fifo_1 -> layer_1 ... -> fifo_n -> m_axis (a DWC, where
widths differ, sits in front of the FIFO so the FIFO holds beats at the consumer's width).
Stream k connects instance k-1 to instance k; under ``PCNN_MON`` the top also exports the valid/ready
pair of every stream (port ``mon``) for the testbench's statistics and deadlock diagnosis.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from pcnn_hw.errors import ModelFileError
from pcnn_hw.rtl.rom import Rom
from pcnn_hw.rtl.spec import Fmt, RtlLayer, Stream

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
    """One instance of the top: kind 'fifo' | 'dwc' | 'layer', its module, parameters and widths."""

    name: str
    kind: str
    module: str
    params: dict[str, int | str]
    in_width: int
    out_width: int
    layer: str | None = None  # layer name (layers) or the layer this FIFO/DWC feeds ('' = output)
    roms: list[Rom] = field(default_factory=list)  # generated ROMs behind the w_*/t_* ports

    def sources(self) -> list[str]:
        """Files (names in Design.files) that define every module this instance needs."""
        mods = [self.module, *DEPENDS.get(self.module, ())]
        return [f"{m}.v" for m in mods] + [r.file for r in self.roms]


@dataclass
class Design:
    """A stitched design: instances in stream order, I/O streams, per-frame beat counts, files."""

    instances: list[Instance]
    inp: Stream
    out: Stream
    in_beats: int
    out_beats: int
    layers: list[RtlLayer]
    fifo_depths: list[int]
    files: dict[str, str] = field(default_factory=dict)

    @property
    def n_streams(self) -> int:
        """Number of monitored streams (instances + 1)."""
        return len(self.instances) + 1

    def fifos(self) -> list[tuple[int, Instance]]:
        """(index, instance) of every FIFO."""
        return [(i, x) for i, x in enumerate(self.instances) if x.kind == "fifo"]

    def manifest(self) -> dict:
        """JSON-able description (design.json)."""
        return {
            "format": "pcnn-hw rtl v1",
            "top": "top",
            "input": {
                "bits": self.inp.fmt.bits,
                "signed": self.inp.fmt.signed,
                "elems": self.inp.elems,
                "beats_per_frame": self.in_beats,
            },
            "output": {
                "bits": self.out.fmt.bits,
                "signed": self.out.fmt.signed,
                "elems": self.out.elems,
                "beats_per_frame": self.out_beats,
            },
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
                }
                for x in self.instances
            ],
            # every other file of the directory with its SHA-256 (check_rtl_dir verifies them)
            "files": {
                n: hashlib.sha256(t.encode()).hexdigest()
                for n, t in sorted(self.files.items())
                if n != MANIFEST
            },
        }


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


def frame_elems(layers: list[RtlLayer], in_elems_per_frame: int) -> list[int]:
    """Elements per frame entering each layer and leaving the last (from the cycle-free data volumes)."""
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


def stitch(layers: list[RtlLayer], in_elems_per_frame: int, fifo_depths: list[int] | None = None) -> Design:
    """Build the instance chain; ``fifo_depths`` (one per FIFO, len(layers) + 1) defaults to 2 each."""
    n_fifo = len(layers) + 1
    depths = list(fifo_depths) if fifo_depths is not None else [2] * n_fifo
    if len(depths) != n_fifo:
        raise ValueError(f"need {n_fifo} FIFO depths, got {len(depths)}")
    depths = [max(2, int(d)) for d in depths]
    inst: list[Instance] = []
    width = layers[0].inp.width
    for i, r in enumerate(layers):
        # width converter first, FIFO at the consumer's width: an MVAU taking its SF input beats
        # back-to-back (nf = 0 pass) finds them assembled in the FIFO instead of waiting for the DWC.
        inst += _dwc_chain(f"dwc_{i}", width, r.inp.width, r.name)
        w = r.inp.width
        params = {"WIDTH": w, "DEPTH": depths[i]}
        inst.append(Instance(f"fifo_{i}", "fifo", "pcnn_fifo", params, w, w, r.name))
        inst.append(
            Instance(
                r.name, "layer", r.module, dict(r.params), r.inp.width, r.out.width, r.name, list(r.roms)
            )
        )
        width = r.out.width
    inst.append(
        Instance(
            f"fifo_{len(layers)}",
            "fifo",
            "pcnn_fifo",
            {"WIDTH": width, "DEPTH": depths[-1]},
            width,
            width,
            "",
        )
    )
    counts = frame_elems(layers, in_elems_per_frame)
    inp, out = layers[0].inp, layers[-1].out
    d = Design(inst, inp, out, counts[0] // inp.elems, counts[-1] // out.elems, layers, depths)
    files = {}
    for r in layers:
        files.update(r.files)
    files["top.v"] = top_verilog(d)
    for t in sorted({m for x in inst for m in (x.module, *DEPENDS.get(x.module, ()))}):
        files[f"{t}.v"] = template_text(f"{t}.v")
    d.files = dict(sorted(files.items()))
    files[MANIFEST] = json.dumps(d.manifest(), indent=2, sort_keys=True) + "\n"
    d.files = dict(sorted(files.items()))
    return d


def _param(v: int | str) -> str:
    return f'"{v}"' if isinstance(v, str) else str(int(v))


def top_verilog(d: Design) -> str:
    """The top module text."""
    ns = d.n_streams
    lines = [
        "`timescale 1 ns / 1 ps",
        "// top -- generated by pcnn-hw (pcnn_hw/rtl/stitch.py).",
        "// All instantiated modules are ours (pcnn_*.v), none is FINN's.",
        "// Layers: " + ", ".join(f"{r.name} ({r.module})" for r in d.layers),
        "module top (",
        "  input  wire ap_clk,",
        "  input  wire ap_rst_n,",
        f"  input  wire [{d.inp.width - 1}:0] s_axis_tdata,",
        "  input  wire s_axis_tvalid,",
        "  output wire s_axis_tready,",
        f"  output wire [{d.out.width - 1}:0] m_axis_tdata,",
        "  output wire m_axis_tvalid,",
        "  input  wire m_axis_tready",
        "`ifdef PCNN_MON",
        f"  , output wire [{2 * ns - 1}:0] mon",
        "`endif",
        ");",
    ]
    widths = [d.instances[0].in_width] + [x.out_width for x in d.instances]
    for k in range(ns):
        lines.append(f"  wire [{widths[k] - 1}:0] s{k}_tdata; wire s{k}_tvalid, s{k}_tready;")
    last = ns - 1
    lines += [
        "  assign s0_tdata = s_axis_tdata; assign s0_tvalid = s_axis_tvalid;",
        "  assign s_axis_tready = s0_tready;",
        f"  assign m_axis_tdata = s{last}_tdata; assign m_axis_tvalid = s{last}_tvalid; "
        f"assign s{last}_tready = m_axis_tready;",
        "`ifdef PCNN_MON",
        "  assign mon = {" + ", ".join(f"s{k}_tready, s{k}_tvalid" for k in reversed(range(ns))) + "};",
        "`endif",
    ]
    for k, x in enumerate(d.instances):
        lines += instance_verilog(x, f"s{k}", f"s{k + 1}")
    lines.append("endmodule")
    return "\n".join(lines) + "\n"


def instance_verilog(x: Instance, src: str, dst: str) -> list[str]:
    """Lines instantiating ``x`` between streams ``src``_t* and ``dst``_t*, with its ROMs and their wires.

    Used for the top and for the one-instance wrappers that synthesize a layer alone, so both see the
    same ROMs. A module with a ``t_*`` port but no threshold ROM (MVAU without activation) gets
    ``t_q`` tied to zero.
    """
    lines: list[str] = []
    pins = [
        "    .ap_clk(ap_clk), .ap_rst_n(ap_rst_n),",
        f"    .in_tdata({src}_tdata), .in_tvalid({src}_tvalid), .in_tready({src}_tready),",
        f"    .out_tdata({dst}_tdata), .out_tvalid({dst}_tvalid), .out_tready({dst}_tready)",
    ]
    ports = {r.port: r for r in x.roms}
    for port in ROM_PORTS.get(x.module, ()):
        r = ports.get(port)
        if r is None:
            pins[-1] += ","
            pins.append(f"    .{port}_en(), .{port}_addr(), .{port}_q({{{_unused_width(x, port)}{{1'b0}}}})")
            continue
        w = f"{x.name}_{port}"
        lines += [
            f"  wire {w}_en; wire [{r.addr_bits - 1}:0] {w}_addr; wire [{r.width - 1}:0] {w}_q;",
            f"  {r.module} {w}_rom (.ap_clk(ap_clk), .en({w}_en), .addr({w}_addr), .q({w}_q));",
        ]
        pins[-1] += ","
        pins.append(f"    .{port}_en({w}_en), .{port}_addr({w}_addr), .{port}_q({w}_q)")
    ps = ",\n".join(f"    .{n}({_param(v)})" for n, v in x.params.items())
    return [*lines, f"  {x.module} #(\n{ps}\n  ) {x.name} (", *pins, "  );"]


# ROM port prefixes of each template, in port order
ROM_PORTS: dict[str, tuple[str, ...]] = {"pcnn_mvau": ("w", "t"), "pcnn_thresholding": ("t",)}


def _unused_width(x: Instance, port: str) -> int:
    """Width of an unconnected ROM data port (only the MVAU's t_q without activation)."""
    p = x.params
    assert x.module == "pcnn_mvau" and port == "t"
    return int(p["PE"]) * int(p["N_STEPS"]) * int(p["ACC_BITS"])


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
    "Fmt",
    "Instance",
    "MANIFEST",
    "TEMPLATES",
    "check_rtl_dir",
    "instance_verilog",
    "stitch",
    "template_text",
    "top_verilog",
    "write_design",
]
