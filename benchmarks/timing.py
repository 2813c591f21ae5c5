"""Timing benchmark: per-layer logic depth (Yosys synth_xilinx), estimated ns and fmax, LUT/FF per layer,
for cnv and sfc (default; also tfc, lfc, mini-cnv and Brevitas' BNN-PYNQ zoo models with --only; random
weights, auto folding) on pynq-z2 (xc7-1, 100 MHz) and kv260 (usplus-1, 200 MHz).

The zoo models (``ZOO``: tfc/sfc/lfc 1w1a and 1w2a, cnv 1w1a and 1w2a) come from the installed
brevitas_examples package with ``pretrained=False`` (random init, seeded, BatchNorm randomised by
:func:`pcnn_hw.compile.testmodels.export_bnn_pynq`): nothing is downloaded.

Yosys runs ``--jobs`` at a time (default 1: the machine is shared). Blocks of timing.md between
``<!-- NAME: begin -->`` and ``<!-- NAME: end -->`` (hand-written notes, timing_modules.py's table) are
kept when the file is rewritten; a run's optional ``note`` (timing.json) is printed under its heading.

Each run is stored under a label (default: ``rtl@<git commit>``) in benchmarks/results/timing.json, so the
same script run on the old and on the new RTL gives the before/after table in timing.md.

    .venv/bin/python benchmarks/timing.py [--only MODEL]... [--board pynq-z2|kv260] [--label NAME]
        [--no-flat] [--flat-timeout S] [--jobs N] [--inst-timeout S] [--small-first] [--cached-only]
        [--deadline HH:MM] [--skip-failed] [--note TEXT] [--md-only]

timing.md opens with a summary: per (model, board) the latest run's slowest instance, est. fmax and
whether the goal (1.25 x the board's default clock) is met, or unverified (an instance without estimate).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import functools
import io
import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing_md import to_markdown, write_markdown  # noqa: E402, F401  (to_markdown: tests use it)

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
MODELS = {
    "sfc": (1, 28, 28),
    "tfc": (1, 28, 28),
    "lfc": (1, 28, 28),
    "cnv": (3, 32, 32),
    "mini-cnv": (3, 32, 32),
}
ZOO = ("tfc_1w1a", "tfc_1w2a", "sfc_1w1a", "sfc_1w2a", "lfc_1w1a", "lfc_1w2a", "cnv_1w1a", "cnv_1w2a")
MODELS.update({z: (3, 32, 32) if z.startswith("cnv") else (1, 28, 28) for z in ZOO})
DEFAULT_MODELS = ("sfc", "cnv")
BOARDS = ("pynq-z2", "kv260")


RTL_SOURCES = ["pcnn_hw/rtl/verilog", "pcnn_hw/rtl/spec.py", "pcnn_hw/rtl/stitch.py"]


def commit() -> str:
    """Short git commit of the last change to the RTL sources (+dirty when they have uncommitted edits)."""
    git = ["git", "-C", str(ROOT)]
    rev = subprocess.run(
        [*git, "log", "-1", "--format=%h", "--", *RTL_SOURCES], capture_output=True, text=True
    )
    dirty = subprocess.run([*git, "status", "--porcelain", *RTL_SOURCES], capture_output=True, text=True)
    return rev.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


def export(name: str, work: Path) -> Path:
    """QONNX of model ``name`` (ours: sign quantisers; zoo: Brevitas' BNN-PYNQ example), random weights."""
    import torch

    from pcnn_hw.export import export_model
    from pcnn_hw.models import build_model, randomize_batchnorm
    from pcnn_hw.quant import QuantConfig

    if name in ZOO:
        from pcnn_hw.compile.testmodels import export_bnn_pynq

        return export_bnn_pynq(name, work / "model.onnx", seed=0)
    shape = MODELS[name]
    torch.manual_seed(0)
    model = randomize_batchnorm(build_model(name, QuantConfig(kind="sign"), in_shape=shape), 0).eval()
    export_model(model, shape, work / "model.onnx", torch.rand(4, *shape))
    return work / "model.onnx"


class Knobs(NamedTuple):
    """How run_rtl's Yosys runs (it has no knobs for these): ``jobs`` at a time, ``inst_timeout`` s per
    instance; ``cached_only``: answer from the shared Yosys cache only (an instance or flattened top
    not in it is reported missing, as a timeout is; nothing runs Yosys); ``small_first``: the cheapest
    instances first; ``deadline`` (epoch s): no Yosys run starts after it and none runs past it (the
    instances left are reported missing, so a run cut by a session deadline still records the rest);
    ``skip_failed``: an instance whose run on these exact sources failed before (its log is kept in the
    cache's ``failed/``) is reported missing, not run again."""

    jobs: int = 1
    inst_timeout: float = 1200.0
    cached_only: bool = False
    small_first: bool = False
    deadline: float | None = None
    skip_failed: bool = False


@contextlib.contextmanager
def yosys_knobs(k: Knobs) -> Iterator[None]:
    """Patch :mod:`pcnn_hw.rtl.yosys` for the duration of one run_rtl call as ``k`` says."""
    from pcnn_hw.errors import SimulationError
    from pcnn_hw.graph.cache import entry_name
    from pcnn_hw.rtl import yosys

    names = ("synth_all", "synth_design", "synth_instance_timed", "synth_flat", "synth_cost")
    saved = {n: getattr(yosys, n) for n in names}
    yosys.synth_all = functools.partial(saved["synth_all"], jobs=k.jobs)
    yosys.synth_design = functools.partial(saved["synth_design"], timeout_s=k.inst_timeout)

    def gate(
        files: dict, top: str, family: str, cache_dir: Path | None, what: str, timeout_s: float
    ) -> float:
        """The timeout to run ``what`` with, or SimulationError when it may not run (-> missing)."""
        if yosys.is_cached(files, top, family, cache_dir):
            return timeout_s
        if k.cached_only:
            raise SimulationError(f"{what}: not in the Yosys cache (--cached-only)")
        failed = yosys.yosys_cache_dir(cache_dir) / "failed"
        log = failed / f"{entry_name(yosys._script_and_key(files, top, family)[1])}.log"
        if k.skip_failed and log.is_file():
            raise SimulationError(f"{what}: failed before, not run again (--skip-failed; log {log})")
        left = float("inf") if k.deadline is None else k.deadline - time.time()
        if left < 60:
            raise SimulationError(f"{what}: not started (--deadline)")
        return min(timeout_s, left)

    def inst(inst, d, rtl_dir, cache_dir=None, timeout_s=3600.0, family="xc7", on_start=None):
        files = yosys._instance_files(inst, d)
        t = gate(files, "synth_top", family, cache_dir, f"yosys {inst.name}", timeout_s)
        return saved["synth_instance_timed"](inst, d, rtl_dir, cache_dir, t, family, on_start)

    def flat(d, cache_dir=None, timeout_s=1800.0, family="xc7", log=None):
        files = {n: t for n, t in d.files.items() if n.endswith(".v")}
        t = gate(files, "top", family, cache_dir, "yosys flattened top", timeout_s)
        return saved["synth_flat"](d, cache_dir, t, family, log)

    if k.small_first:
        yosys.synth_cost = lambda inst: -saved["synth_cost"](inst)
    yosys.synth_instance_timed, yosys.synth_flat = inst, flat
    try:
        yield
    finally:
        for n, v in saved.items():
            setattr(yosys, n, v)


WHY = (
    ("did not finish within", "Yosys timeout"),
    ("--cached-only", "not in the Yosys cache"),
    ("--deadline", "not started: deadline"),
    ("Trap", "Yosys crashed"),
    ("--skip-failed", "failed in an earlier run, not re-run"),
)


def why(reason: str) -> str:
    """A missing instance's reason (synth_design's error line) in a few words."""
    for key, short in WHY:
        if key in reason:
            secs = re.search(r"within (\d+ s)", reason)
            return f"{short} {secs.group(1)}" if secs else short
    return "Yosys failed"


def run_one(name: str, board: str, flat: bool, flat_timeout: float, knobs: Knobs | None = None) -> dict:
    """Export, build for ``board`` and run the RTL flow (2 frames; Yosys as ``knobs`` say); the timing
    rows of model ``name``."""
    from pcnn_hw.compile.build import build
    from pcnn_hw.rtl.flow import run_rtl

    work = ROOT / "build" / "bench" / f"timing_{name}_{board}"
    onnx = export(name, work)
    t0 = time.perf_counter()
    build(onnx, work / "b", board, stream=io.StringIO(), force=True)  # our own build dir
    with yosys_knobs(knobs or Knobs()):
        rep = run_rtl(work / "b", frames=2, flat_timing=flat, flat_timeout_s=flat_timeout, stream=sys.stdout)
    t = json.loads((work / "b" / "report.json").read_text())["timing"]
    res = {r["name"]: r for r in rep["yosys"]["instances"]}
    layers = []
    for inst, v in t["instances"].items():
        if v["kind"] != "layer":
            continue
        layers.append({"instance": inst, **v, "LUT": res[inst]["LUT"], "FF": res[inst]["FF"]})
    return {
        "model": name,
        "board": board,
        "rtl": commit(),
        "family": t["family"],
        "target_mhz": t["target_mhz"],
        "fmax_mhz": t["fmax_mhz"],
        "meets_target": t["meets_target"],
        "worst": t["worst"],
        "flattened": t["flattened"],
        "flattened_note": t["flattened_note"],
        "missing": t["missing"],
        "unverified": t.get("unverified", []),
        "missing_why": {m["name"]: why(m["reason"]) for m in rep["yosys"]["missing"]},
        "total_LUT": rep["yosys"]["total"]["LUT"],
        "total_FF": rep["yosys"]["total"]["FF"],
        "layers": layers,
        "seconds": round(time.perf_counter() - t0, 1),
    }


def main() -> None:
    """Run the selected (model, board) pairs and merge them into results/timing.json under the label."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=sorted(MODELS), action="append")
    ap.add_argument("--board", choices=BOARDS, action="append")
    ap.add_argument("--label", default=None)
    ap.add_argument("--no-flat", action="store_true", help="skip the flattened-top synthesis")
    ap.add_argument("--flat-timeout", type=float, default=900.0)
    ap.add_argument("--jobs", type=int, default=1, help="Yosys processes at a time")
    ap.add_argument("--inst-timeout", type=float, default=1200.0, help="Yosys s per instance")
    ap.add_argument("--cached-only", action="store_true", help="read the Yosys cache, run no Yosys")
    ap.add_argument("--small-first", action="store_true", help="cheapest Yosys instances first")
    ap.add_argument("--deadline", default=None, help="HH:MM UTC: no Yosys run starts after or runs past it")
    ap.add_argument("--skip-failed", action="store_true", help="do not re-run an instance that failed before")
    ap.add_argument("--note", default=None, help="text printed under the run's heading")
    ap.add_argument("--md-only", action="store_true", help="only rewrite timing.md from timing.json")
    args = ap.parse_args()
    deadline = None
    if args.deadline:
        day = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
        deadline = datetime.datetime.fromisoformat(f"{day}T{args.deadline}:00+00:00").timestamp()
    knobs = Knobs(
        args.jobs, args.inst_timeout, args.cached_only, args.small_first, deadline, args.skip_failed
    )
    label = args.label or f"rtl@{commit()}"
    path = RESULTS / "timing.json"
    results = json.loads(path.read_text()) if path.is_file() else {}
    if args.md_only:
        write_markdown(results, RESULTS / "timing.md")
        return
    for name in args.only or DEFAULT_MODELS:
        for board in args.board or BOARDS:
            r = run_one(name, board, not args.no_flat, args.flat_timeout, knobs)
            if args.note:
                r["note"] = args.note
            backup = ROOT / "build" / "bench" / f"timing_{name}_{board}" / "timing_result.json"
            backup.write_text(json.dumps({label: r}, indent=2, sort_keys=True) + "\n")
            results = json.loads(path.read_text()) if path.is_file() else {}  # other runs may have written
            results.setdefault(label, {})[f"{name}/{board}"] = r
            RESULTS.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
            write_markdown(results, RESULTS / "timing.md")
            print(f"{name} {board}: fmax {r['fmax_mhz']} MHz, worst {r['worst']}", flush=True)


if __name__ == "__main__":
    main()
