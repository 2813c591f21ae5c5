"""Run one stream module alone in Verilator (tests/rtl/test_kinds.py): a generated wrapper ``tb_top``
with uniform port names around the module, the test bench ``kinds_tb.cpp``, per-port beat files.

Inputs get random gaps, every output its own random backpressure and an optional window of cycles in
which it is never ready; the bench fails a run whose waiting output beat changes or disappears.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pcnn_hw.core.hwspec import RtlLayer
from pcnn_hw.rtl.tools import find_verilator, run_binary, run_tool
from pcnn_hw.rtl.verilate import pack_beats, unpack_beats, words_per_beat

TB = Path(__file__).with_name("kinds_tb.cpp")
FLAGS = (
    "--cc",
    "--exe",
    "--build",
    "-j",
    "2",
    "-O1",
    "--x-assign",
    "unique",
    "--x-initial",
    "unique",
    "--language",
    "1364-2005",
    "-Wno-fatal",
    "--top-module",
    "tb_top",
    "-MAKEFLAGS",
    "CFG_CXXFLAGS_PCH_I=-include",
    "-MAKEFLAGS",
    "OPT_FAST=-O1",
)


def port_names(n: int, base: str) -> list[str]:
    """Module port prefixes: ``in`` / ``out`` for one stream, ``in0``, ``in1``, ... for several."""
    return [base] if n == 1 else [f"{base}{k}" for k in range(n)]


def wrapper(rs: list[RtlLayer]) -> str:
    """Verilog of ``tb_top``: one instance ``dut<j>`` per layer of ``rs`` (its params), every stream port
    renamed i<g>_t* / o<g>_t* with g counting the inputs / outputs of all instances in order."""
    ports, body, gi, go = ["input wire ap_clk", "input wire ap_rst_n"], [], 0, 0
    for j, r in enumerate(rs):
        conns = [".ap_clk(ap_clk)", ".ap_rst_n(ap_rst_n)"]
        for s, name in zip(r.inputs, port_names(len(r.inputs), "in"), strict=True):
            ports += [
                f"input wire [{s.width - 1}:0] i{gi}_tdata",
                f"input wire i{gi}_tvalid",
                f"output wire i{gi}_tready",
            ]
            conns += [f".{name}_t{p}(i{gi}_t{p})" for p in ("data", "valid", "ready")]
            gi += 1
        for s, name in zip(r.outputs, port_names(len(r.outputs), "out"), strict=True):
            ports += [
                f"output wire [{s.width - 1}:0] o{go}_tdata",
                f"output wire o{go}_tvalid",
                f"input wire o{go}_tready",
            ]
            conns += [f".{name}_t{p}(o{go}_t{p})" for p in ("data", "valid", "ready")]
            go += 1
        params = ", ".join(f".{k}({v})" for k, v in r.params.items())
        body.append(f"  {r.module} #({params}) dut{j} (\n    " + ",\n    ".join(conns) + "\n  );\n")
    return (
        "`timescale 1 ns / 1 ps\nmodule tb_top (\n  "
        + ",\n  ".join(ports)
        + "\n);\n"
        + "".join(body)
        + "endmodule\n"
    )


def in_streams(rs: list[RtlLayer]) -> list:
    """Input streams of all instances in global port order."""
    return [s for r in rs for s in r.inputs]


def out_streams(rs: list[RtlLayer]) -> list:
    """Output streams of all instances in global port order."""
    return [s for r in rs for s in r.outputs]


def _cfg(rs: list[RtlLayer]) -> str:
    ins, outs = in_streams(rs), out_streams(rs)
    lines = [
        "#pragma once",
        f"#define NIN {len(ins)}",
        f"#define NOUT {len(outs)}",
        "#define IN_WORDS " + ", ".join(str(words_per_beat(s.width)) for s in ins),
        "#define OUT_WORDS " + ", ".join(str(words_per_beat(s.width)) for s in outs),
    ]

    def sw(name: str, n: int, body: str) -> str:
        cases = " else ".join(f"if ((k) == {k}) {{ {body.format(k=k)} }}" for k in range(n))
        return f"#define {name} do {{ {cases} }} while (0)"

    def ex(name: str, n: int, body: str) -> str:
        expr = " : ".join(f"(k) == {k} ? {body.format(k=k)}" for k in range(n)) + " : 0"
        return f"#define {name}(k) ({expr})"

    ni, no = len(ins), len(outs)
    lines.append(sw("IN_DRIVE(k, v, d)", ni, "top->i{k}_tvalid = (v); put(top->i{k}_tdata, d);"))
    lines.append(sw("OUT_READY(k, v)", no, "top->o{k}_tready = (v);"))
    lines.append(sw("OUT_DATA(k, w)", no, "get(top->o{k}_tdata, w);"))
    lines.append(ex("IN_READY", ni, "top->i{k}_tready"))
    lines.append(ex("OUT_VALID", no, "top->o{k}_tvalid"))
    return "\n".join(lines) + "\n"


def sources(rs: list[RtlLayer]) -> dict[str, str]:
    """Verilog files of the bench: every layer's ``files`` and the wrapper ``tb_top.v``."""
    srcs = {name: text for r in rs for name, text in r.files.items()}
    srcs["tb_top.v"] = wrapper(rs)
    return srcs


def build(rs: list[RtlLayer], work: Path, timeout_s: float = 1200.0) -> Path:
    """Verilate the modules of ``rs`` in one wrapper; cached in ``work`` by a hash of all sources."""
    work = Path(work).resolve()
    srcs = sources(rs)
    cfg, tb = _cfg(rs), TB.read_text()
    h = hashlib.sha256("\0".join([cfg, tb, *FLAGS, *(f"{k}\0{v}" for k, v in sorted(srcs.items()))]).encode())
    obj = work / f"obj_{h.hexdigest()[:16]}"
    exe = obj / "Vtb_top"
    if exe.is_file():
        return exe
    src = work / f"src_{h.hexdigest()[:16]}"
    src.mkdir(parents=True, exist_ok=True)
    for name, text in srcs.items():
        (src / name).write_text(text)
    (src / "tbcfg.h").write_text(cfg)
    (src / "tb.cpp").write_text(tb)
    vfiles = [str(src / n) for n in sorted(srcs) if n.endswith(".v")]
    args = [*FLAGS, "-Mdir", str(obj), "-CFLAGS", f"-I{src}", "-o", "Vtb_top", *vfiles, str(src / "tb.cpp")]
    run_tool(find_verilator(), args, work, work / "verilator.log", timeout_s, "verilate the kinds bench")
    return exe


@dataclass
class Run:
    """Outputs of one bench run: per output port the element values and the cycle of each beat."""

    status: int
    cycles: int
    taken: list[int]
    values: list[np.ndarray]
    when: list[np.ndarray]


def run(
    exe: Path,
    rs: list[RtlLayer],
    inputs: list[np.ndarray],
    n_out: list[int],
    *,
    gap: float = 0.0,
    bp: list[float] | None = None,
    stall: list[tuple[int, int]] | None = None,
    seed: int = 0,
    max_cycles: int = 2_000_000,
) -> Run:
    """Stream ``inputs`` (element values per global input port) through all instances at once; expect
    ``n_out`` beats per global output port, with backpressure probability ``bp[g]`` and a never-ready
    window ``stall[g]`` = (first cycle, end cycle) on output g."""
    work = exe.parent
    ins, outs = in_streams(rs), out_streams(rs)
    bp = bp or [0.0] * len(outs)
    stall = stall or [(0, 0)] * len(outs)
    lines = [f"{gap!r} {seed} {max_cycles}"]
    for k, (x, s) in enumerate(zip(inputs, ins, strict=True)):
        words = pack_beats(np.asarray(x).reshape(-1), s.fmt, s.elems)
        p = work / f"in{k}.bin"
        p.write_bytes(words.tobytes())
        lines.append(f"{words.shape[0]} {p}")
    for k, n in enumerate(n_out):
        lines.append(f"{n} {bp[k]!r} {stall[k][0]} {stall[k][1]}")
    (work / "cfg.txt").write_text("\n".join(lines) + "\n")
    proc = run_binary([str(exe), str(work / "cfg.txt"), str(work / "out.txt")], work, 300.0, "kind bench")
    assert proc.returncode == 0, proc.stderr
    status = cycles = 0
    taken: list[int] = []
    beats: list[list[list[int]]] = [[] for _ in outs]
    for line in (work / "out.txt").read_text().splitlines():
        p = line.split()
        if p[0] == "status":
            status = int(p[1])
        elif p[0] == "cycles":
            cycles = int(p[1])
        elif p[0] == "taken":
            taken.append(int(p[2]))
        elif p[0] == "o":
            beats[int(p[1])].append([int(v) for v in p[2:]])
    values, when = [], []
    for s, b in zip(outs, beats, strict=True):
        arr = np.asarray(b, dtype=np.int64).reshape(len(b), -1)
        when.append(arr[:, 0])
        values.append(unpack_beats(arr[:, 1:].astype("<u4"), s.fmt, s.elems) if len(b) else np.zeros(0))
    return Run(status, cycles, taken, values, when)
