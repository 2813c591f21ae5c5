"""Build reports of the paper's ResNet-18 and WRN-22 (CIFAR-10 form, random weights) per board, verified.

For each model: random weights (``torch.manual_seed(seed)``) and random batch-norm statistics
(``models.randomize_batchnorm``), exported with ``export_model`` (checked on the images), built for the
first board from scratch and for the others from the ``specialize_layers`` step on (the graph before it
does not depend on the board). Each build's report (``report.json``) gives the bottleneck layer and
cycles, FPS at the board clock, FINN+'s estimated LUT / BRAM36 / DSP totals and our resource model's
(``model_LUT`` … columns, where it covers every layer), and whether the estimate fits the part. Random
images then go through the levels that finish in minutes on a laptop: PyTorch, QONNX (the raw export),
FINN+'s execution of the folded graph and the bit-exact simulator from the build's memory images. C-sim,
RTL and the simulated board: benchmarks/resnet_levels.py. Results:
benchmarks/results/resnet_reports.json and .md; build directories under build/bench/resnet_reports/.

    nice -n 10 .venv/bin/python benchmarks/resnet_reports.py                  # both models, zcu104 + kv260
    .venv/bin/python benchmarks/resnet_reports.py --models wrn22 --boards kv260 --images 2
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import shutil
import sys
import time
from math import inf
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
IN_SHAPE = (3, 32, 32)
RESUME_STEP = "specialize_layers"  # first step whose result depends on the board (part, clock)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options of the benchmark."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--models", nargs="+", default=["resnet18", "wrn22"])
    p.add_argument("--boards", nargs="+", default=["zcu104", "kv260"])
    p.add_argument("--images", type=int, default=3, help="random CIFAR-shaped images to verify on")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--work", type=Path, default=ROOT / "build" / "bench" / "resnet_reports")
    p.add_argument("--results", type=Path, default=ROOT / "benchmarks" / "results" / "resnet_reports")
    p.add_argument("--reuse", action="store_true",
                   help="take finished builds of the same model (and its export) from --work as they are")
    p.add_argument("--collect", action="store_true",
                   help="build nothing: re-tabulate the rows of --results' json from the build directories")
    return p.parse_args(argv)


def random_images(n: int, seed: int) -> Any:
    """n images on the 8-bit grid k/255 (torch, NCHW)."""
    import torch

    return torch.randint(0, 256, (n, *IN_SHAPE), generator=torch.Generator().manual_seed(seed)) / 255.0


def export_random(name: str, seed: int, onnx: Path, images: Any, reuse: bool = False) -> Any:
    """The random-weight model `name` (eval mode), exported to `onnx` (checked on `images`); ``reuse``:
    an existing `onnx` is kept (a build made from another file is refused by `finished_build`)."""
    import torch

    from pcnn_hw.export import export_model
    from pcnn_hw.models import build_model, randomize_batchnorm
    from pcnn_hw.quant import QuantConfig

    torch.manual_seed(seed)
    model = randomize_batchnorm(build_model(name, QuantConfig(), IN_SHAPE), seed).eval()
    if not (reuse and onnx.is_file()):
        export_model(model, IN_SHAPE, onnx, images)
    return model


def finished_build(onnx: Path, bdir: Path) -> Any | None:
    """A finished build of ``onnx`` in ``bdir`` (BuildResult of its report), or None when there is none;
    ModelMismatchError when it was made from another model file."""
    from pcnn_hw.compile.build import BuildResult, check_same_model, read_manifest

    if not (bdir / "report.json").is_file() or not (bdir / "folded.onnx").is_file():
        return None
    check_same_model(onnx, bdir, read_manifest(bdir))
    return BuildResult(bdir, bdir / "folded.onnx", json.loads((bdir / "report.json").read_text()))


def build_boards(
    onnx: Path, work: Path, boards: list[str], prefix: str = "build-", reuse: bool = False
) -> dict[str, tuple[Any, float | None]]:
    """{board: (BuildResult, seconds)}: the first board from scratch, the others resumed at RESUME_STEP;
    build directories ``work/<prefix><board>``; ``reuse``: a finished build of the same model there is
    taken as it is (seconds None)."""
    from pcnn_hw.compile.build import build

    out: dict[str, tuple[Any, float | None]] = {}
    first = None
    for board in boards:
        bdir, t0 = work / f"{prefix}{board}", time.perf_counter()
        done = finished_build(onnx, bdir) if reuse else None
        if done is not None:
            out[board] = (done, None)
            first = first or bdir
            continue
        if first is None:
            res = build(onnx, bdir, board, force=True, stream=io.StringIO())
            first = bdir
        else:
            shutil.rmtree(bdir, ignore_errors=True)  # our own copy from an earlier run
            shutil.copytree(first, bdir)
            res = build(onnx, bdir, board, from_step=RESUME_STEP, stream=io.StringIO())
        out[board] = (res, time.perf_counter() - t0)
    return out


def verify(model: Any, onnx: Path, build_dir: Path, images: Any) -> list[dict]:
    """PyTorch, QONNX, FINN graph, bit-exact sim on `images`; per level: name, agreement, mismatches."""
    from qonnx.core.modelwrapper import ModelWrapper

    from pcnn_hw.verify.ladder import finn_level, qonnx_level, run_ladder, sim_level, torch_level

    folded = ModelWrapper(str(build_dir / "folded.onnx"))
    levels = [torch_level(model), qonnx_level(onnx), finn_level(folded),
              sim_level(folded, build_dir=build_dir)]
    x = images.numpy().astype(np.float32)
    rows = []
    for r in run_ladder(levels, x, None):
        rows.append({"level": r.name, "agreement": r.agreement, "mismatches": r.mismatches,
                     "ties": r.ties, "detail": r.detail, "labels": [int(v) for v in r.labels]})
    return rows


def summarize(rep: dict) -> dict:
    """The report numbers the table shows: FINN+'s estimate, and our model's summed over the layers it
    covers (``ours_uncovered``: the op types without an RTL template of ours, which FINN counts as 0 too)."""
    layers = rep["layers"]
    ours = {k: sum(r.get(f"model_{k}", 0) for r in layers) for k in ("LUT", "FF", "BRAM36", "DSP")}
    covered = sum("model_LUT" in r for r in layers)
    uncovered = sorted({r["op_type"] for r in layers if "model_LUT" not in r})
    b = rep["board"]
    util = rep["utilization"]
    return {
        "clock_mhz": rep["clock_mhz"], "folding": rep["folding"], "layers": len(layers),
        "bottleneck": rep["bottleneck"]["layer"], "bottleneck_cycles": rep["bottleneck"]["cycles"],
        "fps": rep["fps"], "latency_us": rep["latency_us"],
        "finn": {k: rep["totals"][k] for k in ("LUT", "BRAM36", "URAM", "DSP")},
        "utilization": util,
        "fits": all(util[k] <= 1.0 for k in ("LUT", "BRAM36", "DSP")) and rep["totals"]["URAM"] <= b["uram"],
        "ours": ours if covered else None, "ours_layers_covered": covered, "ours_uncovered": uncovered,
        "board_lut": b.get("lut"), "board_ff": b.get("ff"), "board_bram36": b.get("bram36"),
        "board_dsp": b.get("dsp"), "part": b.get("part"),
        "warnings": rep.get("warnings", []),
    }


def model_fmax(build_dir: Path, part: str) -> tuple[float | None, str | None]:
    """Our timing model's estimated fmax (MHz) of the folded graph: the slowest layer's
    (`resources.fmax.fmax_mhz` on each node's RTL shape at its folding and on the depth-2 FIFO in front
    of it, as the folding optimizer sees them; width converters and the RTL step's deeper FIFOs are not
    included) and that node; (None, None) when no node has an RTL view."""
    from qonnx.core.modelwrapper import ModelWrapper

    from pcnn_hw.compile.fold_opt import shape_at
    from pcnn_hw.resources.columns import rtl_bases
    from pcnn_hw.resources.fmax import fmax_mhz
    from pcnn_hw.resources.shapes import in_width

    folded = ModelWrapper(str(build_dir / "folded.onnx"))
    bases = rtl_bases(folded)
    best: tuple[float | None, str | None] = (None, None)
    for node in folded.graph.node:
        shape = shape_at(bases[node.name], node) if node.name in bases else None
        if shape is None:
            continue
        w = in_width(shape[0], shape[1])
        fifo = fmax_mhz("pcnn_fifo", {"WIDTH": w, "DEPTH": 2}, [], part) if w else inf
        f = min(fmax_mhz(*shape, part), fifo)
        if f != inf and (best[0] is None or f < best[0]):
            best = (round(f, 1), node.name)
    return best


def run(args: argparse.Namespace) -> dict:
    """Build and verify every model on every board; the results dict."""
    images = random_images(args.images, args.seed + 1)
    rows, load0 = [], os.getloadavg()[0]
    for name in args.models:
        work = args.work / name
        t0 = time.perf_counter()
        model = export_random(name, args.seed, work / "model.onnx", images, args.reuse)
        export_s = time.perf_counter() - t0
        for board, (res, secs) in build_boards(work / "model.onnx", work, args.boards,
                                                    reuse=args.reuse).items():
            t1 = time.perf_counter()
            ladder = verify(model, work / "model.onnx", res.out_dir, images)
            summary = summarize(res.report)
            fmax, fmax_layer = model_fmax(res.out_dir, summary["part"])
            build_s = None if secs is None else round(secs, 1)
            rows.append({"model": name, "board": board, **summary, "build_s": build_s,
                         "fmax_mhz": fmax, "fmax_layer": fmax_layer,
                         "export_s": round(export_s, 1), "verify_s": round(time.perf_counter() - t1, 1),
                         "ladder": ladder})
            agree = ", ".join(f"{r['level']} {r['agreement']}" for r in ladder)
            print(f"{name} {board}: {rows[-1]['fps']:,.0f} FPS, LUT {rows[-1]['finn']['LUT']:,.0f}, "
                  f"build {secs} s, ladder {agree}", flush=True)
    return {"args": vars(args) | {"work": str(args.work), "results": str(args.results)},
            "machine": f"{platform.machine()} {platform.python_version()}", "rows": rows,
            "load": f"1-min load average {load0:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"}


def _fmt(v: float | None, unit: str = "") -> str:
    return "-" if v is None else f"{v:,.0f}{unit}"


def _fmt_s(v: float | None) -> str:
    return "reused" if v is None else f"{v:g}"


def _pct(v: float | None, of: float | None) -> str:
    return "" if v is None or not of else f" ({v / of:.0%})"


def write_results(payload: dict, results: Path) -> None:
    """resnet_reports.json (everything) and resnet_reports.md (the table)."""
    from string import Template

    results.parent.mkdir(parents=True, exist_ok=True)
    Path(f"{results}.json").write_text(json.dumps(payload, indent=1, sort_keys=True) + "\n")
    table = []
    for r in payload["rows"]:
        m, u = r["ours"] or {}, r["utilization"]
        ok = all(lv["agreement"] in (None, 1.0) for lv in r["ladder"])
        fits_ours = "-" if not m else "yes" if (m["LUT"] <= r["board_lut"] and m["FF"] <= r["board_ff"]
                                                and m["BRAM36"] <= r["board_bram36"]
                                                and m["DSP"] <= r["board_dsp"]) else "no"
        fmax = "-" if r.get("fmax_mhz") is None else f"{r['fmax_mhz']:g} ({r['fmax_layer']})"
        table.append(
            f"| {r['model']} | {r['board']} | {r['clock_mhz']:g} | {r['bottleneck']} | "
            f"{r['bottleneck_cycles']:,} | {r['fps']:,.1f} | "
            f"{_fmt(m.get('LUT'))}{_pct(m.get('LUT'), r['board_lut'])} | "
            f"{_fmt(m.get('FF'))}{_pct(m.get('FF'), r['board_ff'])} | "
            f"{_fmt(m.get('BRAM36'))}{_pct(m.get('BRAM36'), r['board_bram36'])} | {_fmt(m.get('DSP'))} | "
            f"{_fmt(r['finn']['LUT'])} ({u['LUT']:.0%}) | {r['finn']['BRAM36']:g} ({u['BRAM36']:.0%}) | "
            f"{r['finn']['URAM']:g} | {r['finn']['DSP']:g} | {fmax} | {fits_ours} / "
            f"{'yes' if r['fits'] else 'no'} | {len(r['ladder'][0]['labels'])} images, "
            f"{'100 %' if ok else 'MISMATCH'} | {_fmt_s(r['build_s'])} |")
    unc = {(r["model"], r["ours_layers_covered"], r["layers"], ", ".join(r.get("ours_uncovered", [])))
           for r in payload["rows"]}
    uncovered = "; ".join(f"{m}: ours covers {c} of {n} layers (no template: {u or '-'})"
                          for m, c, n, u in sorted(unc)) + "."
    template = Template((Path(__file__).parent / "resnet_reports.md.tmpl").read_text())
    Path(f"{results}.md").write_text(template.substitute(
        argv=" ".join(payload["argv"]), table="\n".join(table), machine=payload["machine"],
        load=payload.get("load", "not recorded"), uncovered=uncovered))


def collect(args: argparse.Namespace) -> dict:
    """The earlier run's results (json) with every row re-summarized from its build directory's
    report.json (and est. fmax) by this version of the script; build times and ladders kept."""
    from pcnn_hw.errors import ConfigError

    old = Path(f"{args.results}.json")
    if not old.is_file():
        raise ConfigError(f"--collect: no results {old} to re-tabulate (run the benchmark first)")
    payload = json.loads(old.read_text())
    for row in payload["rows"]:
        bdir = args.work / row["model"] / f"build-{row['board']}"
        rep = json.loads((bdir / "report.json").read_text())
        row.update(summarize(rep))
        row["fmax_mhz"], row["fmax_layer"] = model_fmax(bdir, row["part"])
    return payload


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit 1 if a level disagrees."""
    args = parse_args(argv)
    payload = collect(args) if args.collect else run(args)
    payload["argv"] = payload.get("argv", []) if args.collect else argv if argv is not None else sys.argv[1:]
    write_results(payload, args.results)
    bad = [r for r in payload["rows"] if any(lv["mismatches"] for lv in r["ladder"])]
    return int(bool(bad))


if __name__ == "__main__":
    sys.exit(main())
