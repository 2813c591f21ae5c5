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
        [--no-flat] [--flat-timeout S] [--jobs N]
"""

from __future__ import annotations

import argparse
import functools
import io
import json
import re
import subprocess
import sys
import time
from pathlib import Path

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


def run_one(name: str, board: str, flat: bool, flat_timeout: float, jobs: int = 1) -> dict:
    """Export, build for ``board`` and run the RTL flow (2 frames, ``jobs`` Yosys runs at a time); the
    timing rows of model ``name``."""
    from pcnn_hw.compile.build import build
    from pcnn_hw.rtl import yosys
    from pcnn_hw.rtl.flow import run_rtl

    work = ROOT / "build" / "bench" / f"timing_{name}_{board}"
    onnx = export(name, work)
    t0 = time.perf_counter()
    build(onnx, work / "b", board, stream=io.StringIO())
    synth_all = yosys.synth_all
    yosys.synth_all = functools.partial(synth_all, jobs=jobs)  # run_rtl has no jobs knob
    try:
        rep = run_rtl(work / "b", frames=2, flat_timing=flat, flat_timeout_s=flat_timeout, stream=sys.stdout)
    finally:
        yosys.synth_all = synth_all
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
        "family": t["family"],
        "target_mhz": t["target_mhz"],
        "fmax_mhz": t["fmax_mhz"],
        "meets_target": t["meets_target"],
        "worst": t["worst"],
        "flattened": t["flattened"],
        "flattened_note": t["flattened_note"],
        "missing": t["missing"],
        "total_LUT": rep["yosys"]["total"]["LUT"],
        "total_FF": rep["yosys"]["total"]["FF"],
        "layers": layers,
        "seconds": round(time.perf_counter() - t0, 1),
    }


def to_markdown(results: dict) -> str:
    """timing.md: one section per label, one table per (model, board)."""
    out = [
        "# Timing estimate per layer (Yosys synth_xilinx logic depth -> ns, rtl/delay_models.json)",
        "",
        "Random-weight models, auto folding. Estimates only: Vivado place-and-route is the judge. "
        "`python benchmarks/timing.py` (label = RTL git commit).",
    ]
    out += compare_markdown(results)
    for label, runs in results.items():
        out += ["", f"## {label}", ""]
        for key in sorted(runs):
            r = runs[key]
            w = r["worst"] or {}
            fl = r["flattened"]
            out += [
                f"### {r['model']} on {r['board']} ({r['family']}, target {r['target_mhz']:g} MHz)",
                "",
                *([r["note"], ""] if r.get("note") else []),
                f"Design fmax {r['fmax_mhz']} MHz ({'meets' if r['meets_target'] else 'BELOW'} target); "
                f"worst {w.get('layer')} ({w.get('lut_levels')} LUT + {w.get('carry_cells')} carry, "
                f"{w.get('ns')} ns, {w.get('from')} -> {w.get('to')}); flattened: "
                + (
                    f"{fl['lut_levels']} LUT + {fl['carry_cells']} carry, {fl['ns']} ns"
                    if fl
                    else str(r["flattened_note"])
                )
                + f"; LUT {r['total_LUT']:,}, FF {r['total_FF']:,}; {r['seconds']} s",
                "",
                *(
                    [
                        f"Per-instance Yosys run missing (timeout; in the flattened run): {r['missing']}",
                        "",
                    ]
                    if r["missing"]
                    else []
                ),
                "| layer | LUT levels | carry cells | est. ns | est. fmax MHz | LUT | FF | worst path |",
                "|---|---:|---:|---:|---:|---:|---:|---|",
            ]
            for x in r["layers"]:
                out.append(
                    f"| {x['layer']} | {x['lut_levels']} | {x['carry_cells']} | {x['ns']:.2f} | "
                    f"{x['fmax_mhz']:g} | {x['LUT']:,} | {x['FF']:,} | {x['from']} -> {x['to']} |"
                )
            out.append("")
    return "\n".join(out) + "\n"


def compare_markdown(results: dict) -> list[str]:
    """Per-layer est. fmax side by side for every (model, board) measured under more than one label."""
    out = ["", "## Before / after: est. fmax (MHz) per layer and of the design", ""]
    keys = sorted({k for runs in results.values() for k in runs})
    for key in keys:
        labels = [lab for lab in results if key in results[lab]]
        if len(labels) < 2:
            continue
        runs = [results[lab][key] for lab in labels]
        out += [
            f"### {key} (target {runs[0]['target_mhz']:g} MHz; goal {1.25 * runs[0]['target_mhz']:g} MHz)",
            "",
            "| layer | " + " | ".join(labels) + " |",
            "|---|" + "---:|" * len(labels),
        ]
        layers = sorted(
            {x["layer"] for r in runs for x in r["layers"]} | {m for r in runs for m in r["missing"] or []}
        )
        for layer in layers:
            cells = []
            for r in runs:
                x = next((x for x in r["layers"] if x["layer"] == layer), None)
                missing = layer in (r["missing"] or [])
                cells.append(
                    f"{x['fmax_mhz']:g} ({x['lut_levels']} LUT + {x['carry_cells']} c)"
                    if x
                    else ("Yosys timeout" if missing else "-")
                )
            out.append(f"| {layer} | " + " | ".join(cells) + " |")
        flat = [
            f"{r['flattened']['fmax_mhz']:g}" if r["flattened"] else str(r["flattened_note"] or "-")[:40]
            for r in runs
        ]
        out.append("| flattened top | " + " | ".join(flat) + " |")
        out.append("| **design** | " + " | ".join(f"**{r['fmax_mhz']}**" for r in runs) + " |")
        out.append(
            "| LUT / FF (sum of instances) | "
            + " | ".join(f"{r['total_LUT']:,} / {r['total_FF']:,}" for r in runs)
            + " |"
        )
        out.append("")
    return out


BLOCK = re.compile(r"<!-- (?P<name>[\w.-]+): begin -->\n.*?<!-- (?P=name): end -->\n", re.S)


def kept_blocks(text: str) -> list[str]:
    """The ``<!-- NAME: begin --> ... <!-- NAME: end -->`` blocks of an existing timing.md, in order."""
    return [m.group(0) for m in BLOCK.finditer(text)]


def write_markdown(results: dict, path: Path) -> None:
    """Rewrite ``path`` from ``results``, keeping its marked blocks (appended after the generated part)."""
    old = path.read_text() if path.is_file() else ""
    blocks = kept_blocks(old)
    path.write_text(to_markdown(results) + "".join("\n" + b for b in blocks))


def main() -> None:
    """Run the selected (model, board) pairs and merge them into results/timing.json under the label."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=sorted(MODELS), action="append")
    ap.add_argument("--board", choices=BOARDS, action="append")
    ap.add_argument("--label", default=None)
    ap.add_argument("--no-flat", action="store_true", help="skip the flattened-top synthesis")
    ap.add_argument("--flat-timeout", type=float, default=900.0)
    ap.add_argument("--jobs", type=int, default=1, help="Yosys processes at a time")
    args = ap.parse_args()
    label = args.label or f"rtl@{commit()}"
    path = RESULTS / "timing.json"
    results = json.loads(path.read_text()) if path.is_file() else {}
    for name in args.only or DEFAULT_MODELS:
        for board in args.board or BOARDS:
            r = run_one(name, board, not args.no_flat, args.flat_timeout, args.jobs)
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
