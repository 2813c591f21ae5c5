"""The paper's ResNet-18 and WRN-22 (random weights) through the levels after the simulator.

Instances: ``full`` is the CIFAR-10 form (32×32×3, `RESNET_PLANS`); ``wD@S`` the same architecture
(depth, strides, projection shortcuts, residual stream widths) with every kernel count divided by D
(`models.resnet.scaled_plan`) on S×S×3 images — the RTL level's cost grows with the weight ROMs. Each
instance gets random weights and batch-norm statistics (seed), is exported (checked on the images) and
built per board (the first from scratch, the others resumed at ``specialize_layers``). On N random
images every level is compared bit for bit with the reference, the bit-exact simulator of the folded
graph on the build's memory images:

- ``csim``: the generated HLS top + testbench compiled with g++ and hls4ml's ap_types (`hls.csim.CSim`);
  a mismatch is located by the C-sim's per-layer taps (`CSim.first_difference`: layer, image, element);
- ``rtl``: the stitched RTL top with one-frame FIFOs on every edge (`rtl.sizing.deep_depths`, the
  depths the simulated board uses for an unsized graph), one Verilator build (user cache), one run,
  ending in the class scores (`rtl.level.scores_design`: the final LabelSelect left out), compared
  with the simulator's scores — labels alone hide wrong scores (random weights: one label for all);
- ``board``: the driver (packing, DMA batches, unpacking) on the simulated board with the bit-exact
  accelerator (`board.level.board_level`); ``board-rtl``: the same driver with the Verilator model of
  the RTL top as the accelerator (`board.simboard.VerilatorBackend`, its build shared with ``rtl``).

Each level has a time budget (``--budget`` s; the tools' own timeouts still apply): a level that fails
to finish is recorded with the stage it reached and its time, never faked. Results:
benchmarks/results/resnet_levels.json and .md (template resnet_levels.md.tmpl).

    nice -n 10 .venv/bin/python benchmarks/resnet_levels.py --instances w8@16 full --levels csim rtl board
    .venv/bin/python benchmarks/resnet_levels.py --models wrn22 --instances w4@16 --boards kv260 --images 2
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from resnet_reports import build_boards, summarize  # noqa: E402 (a sibling script)

LEVELS = ("csim", "rtl", "board", "board-rtl")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options of the benchmark."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--models", nargs="+", default=["wrn22", "resnet18"])
    p.add_argument("--instances", nargs="+", default=["w8@16", "full"], help="full or wD@S")
    p.add_argument("--boards", nargs="+", default=["zcu104", "kv260"], help="build reports")
    p.add_argument("--level-boards", nargs="+", default=["zcu104"], help="boards whose builds run the levels")
    p.add_argument("--levels", nargs="+", default=list(LEVELS), choices=LEVELS)
    p.add_argument("--images", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--budget", type=float, default=1800.0, help="seconds per level (tool timeouts)")
    p.add_argument("--rtl-budget", type=float, default=None, help="seconds of the RTL levels (or --budget)")
    p.add_argument("--rtl-frames", type=int, default=0,
                   help="frames the RTL level runs (the images, then random frames up to this many) to "
                        "reach the steady state: with one-frame FIFOs the first frames' spacing is the "
                        "FIFOs' fill transient, not the throughput")
    p.add_argument("--skip", nargs="*", default=[], help="MODEL:INSTANCE:LEVEL not to run (recorded)")
    p.add_argument("--append", action="store_true",
                   help="keep the rows of an earlier run's results json (a row of the same model, instance "
                        "and board gets the new levels)")
    p.add_argument("--reuse", action="store_true",
                   help="take finished builds of the same model (and its export) from --work as they are")
    p.add_argument("--work", type=Path, default=ROOT / "build" / "bench" / "resnet_levels")
    p.add_argument("--results", type=Path, default=ROOT / "benchmarks" / "results" / "resnet_levels")
    return p.parse_args(argv)


def instance_shape(inst: str) -> tuple[int, tuple[int, int, int]]:
    """'full' -> (1, (3, 32, 32)); 'wD@S' -> (D, (3, S, S))."""
    if inst == "full":
        return 1, (3, 32, 32)
    div, side = inst.removeprefix("w").split("@")
    return int(div), (3, int(side), int(side))


def make_model(name: str, inst: str, seed: int) -> Any:
    """The random-weight instance (eval mode)."""
    import torch

    from pcnn_hw.models import randomize_batchnorm
    from pcnn_hw.models.resnet import BinaryResNet, scaled_plan
    from pcnn_hw.quant import QuantConfig

    div, shape = instance_shape(inst)
    torch.manual_seed(seed)
    model = BinaryResNet(name, shape, 10, QuantConfig(), plan=scaled_plan(name, div))
    return randomize_batchnorm(model, seed).eval()


def first_mismatch(level: str, got: np.ndarray, want: np.ndarray, layer: str) -> str | None:
    """None when equal, else 'LEVEL: layer L, image i, element j: got vs simulator'."""
    got, want = np.asarray(got).reshape(len(want), -1), np.asarray(want).reshape(len(want), -1)
    if got.shape != want.shape:
        return f"{level}: output shape {got.shape} vs simulator {want.shape}"
    bad = np.argwhere(got != want)
    if not len(bad):
        return None
    i, j = (int(v) for v in bad[0])
    return (f"{level}: layer {layer}, image {i}, element {j}: {got[i, j]} vs simulator {want[i, j]} "
            f"({len(np.unique(bad[:, 0]))} of {len(want)} images differ)")


def run_level(level: str, bdir: Path, x: np.ndarray, images: np.ndarray, ref: np.ndarray,
              last: str, budget: float, rtl_frames: int = 0) -> dict:
    """One level on graph inputs x (images: NCHW floats for the driver); timings and agreement."""
    t0, row = time.perf_counter(), {"level": level, "stage": "start"}
    try:
        if level == "csim":
            from pcnn_hw.hls.csim import CSim

            row["stage"] = "generate + g++"
            cs = CSim(bdir, timeout=budget, progress=None, compile_timeout=budget)
            row["compile_s"], row["cached"] = round(time.perf_counter() - t0, 1), cs.cached
            row["stage"], t1 = "run", time.perf_counter()
            got = cs.run(x)
            row["run_s"] = round(time.perf_counter() - t1, 1)
            row["mismatch"] = first_mismatch("C-sim", got, ref, last)
            if row["mismatch"]:
                row["mismatch"] += "; first differing layer: " + cs.first_difference(x[:1])
        elif level == "rtl":
            from pcnn_hw.rtl.flow import load_design, random_inputs
            from pcnn_hw.rtl.level import scores_design
            from pcnn_hw.rtl.sizing import deep_depths
            from pcnn_hw.rtl.verilate import build_model, run_model

            rd = load_design(bdir)
            rd = scores_design(rd) or rd  # compare the class scores, not only the labels
            row["compared"] = "labels" if rd.output_tensor is None else f"scores ({rd.output_tensor})"
            ref = rd.reference(x)
            edges = rd.graph_edges()
            d = rd.stitch(deep_depths(rd.layers, edges))
            row["stage"] = f"verilate ({len(rd.layers)} layers, {len(edges)} FIFOs)"
            exe = build_model(d, bdir / "sim" / "board-rtl", None, budget)
            row["compile_s"] = round(time.perf_counter() - t0, 1)
            row["stage"], t1 = "run", time.perf_counter()
            frames = x.reshape(len(x), -1)
            if rtl_frames > len(x):
                frames = np.concatenate([frames, random_inputs(rd, rtl_frames - len(x)).reshape(
                    rtl_frames - len(x), -1)])
            res = run_model(exe, d, bdir / "sim" / "board-rtl", frames, timeout_s=budget)
            row["run_s"] = round(time.perf_counter() - t1, 1)
            row["cycles_per_frame"] = res.cycles_per_frame
            row["frames"], row["spacings"] = len(frames), res.frame_spacings
            row["steady_from"] = res.steady_from
            row["estimate_cycles"] = max(r.exp_cycles for r in rd.layers)
            row["mismatch"] = first_mismatch("RTL", res.outputs[: len(x)], ref, rd.layers[-1].name)
        else:
            from pcnn_hw.board.buildinfo import make_spec
            from pcnn_hw.board.simboard import BitExactBackend, VerilatorBackend
            from pcnn_hw.driver.driver import Accelerator

            spec = make_spec(bdir)
            row["stage"] = "backend"
            backend = (VerilatorBackend if level == "board-rtl" else BitExactBackend)(spec, bdir)
            row["compile_s"] = round(time.perf_counter() - t0, 1)
            row["stage"], t1 = "run", time.perf_counter()
            acc = Accelerator(spec=spec, backend=backend, batch_size=2, timeout_s=budget)
            _, raw = acc.execute(images.astype(np.float32), return_raw=True)
            row["run_s"] = round(time.perf_counter() - t1, 1)
            row["mismatch"] = first_mismatch(f"board ({level})", raw, ref, last)
        row["stage"] = "done"
    except Exception as exc:  # noqa: BLE001 - a level that fails to finish is a result
        row["error"] = f"{type(exc).__name__}: {str(exc)[:400]}"
        row["trace"] = traceback.format_exc()[-1500:]
    row["seconds"] = round(time.perf_counter() - t0, 1)
    return row


def run(args: argparse.Namespace) -> dict:
    """Every model × instance × board × level; the results dict."""
    import torch

    from pcnn_hw.export import export_model
    from pcnn_hw.sim.builddir import BuildDir

    rows: list[dict] = []
    old = Path(f"{args.results}.json")
    if args.append and old.is_file():
        rows = json.loads(old.read_text())["rows"]
    for name in args.models:
        for inst in args.instances:
            _, shape = instance_shape(inst)
            gen = torch.Generator().manual_seed(args.seed + 1)
            images = torch.randint(0, 256, (args.images, *shape), generator=gen) / 255.0
            work = args.work / f"{name}-{inst}"
            model = make_model(name, inst, args.seed)
            t0 = time.perf_counter()
            if not (args.reuse and (work / "model.onnx").is_file()):
                export_model(model, shape, work / "model.onnx", images)
            export_s = time.perf_counter() - t0
            built = build_boards(work / "model.onnx", work, args.boards, prefix="", reuse=args.reuse)
            for board, (res, secs) in built.items():
                bd = BuildDir(res.out_dir)
                sim = bd.simulator()
                from pcnn_hw.core.levels import graph_input_adapter

                x = graph_input_adapter(sim.input_shape, sim.input_dtype)(images.numpy())
                t1 = time.perf_counter()
                ref = np.asarray(sim.run(x)).reshape(len(x), -1).astype(np.int64)
                with torch.no_grad():
                    torch_labels = model(images).argmax(1).numpy()
                row = {"model": name, "instance": inst, "board": board, "export_s": round(export_s, 1),
                       "build_s": None if secs is None else round(secs, 1),
                       "sim_s": round(time.perf_counter() - t1, 2),
                       "params": sum(p.numel() for p in model.parameters()),
                       "sim_labels": ref[:, 0].tolist() if ref.shape[1] == 1 else ref.argmax(1).tolist(),
                       "torch_labels": torch_labels.tolist(), **summarize(res.report), "levels": [],
                       "commit": git_commit(), "load_start": round(os.getloadavg()[0], 1)}
                last = bd.graph.outputs[0].producer.name
                for level in args.levels if board in args.level_boards else []:
                    print(f"{name} {inst} {board}: {level} ...", flush=True)
                    if f"{name}:{inst}:{level}" in args.skip:
                        row["levels"].append({"level": level, "skipped": True})
                        continue
                    rtl = level in ("rtl", "board-rtl") and args.rtl_budget
                    budget = args.rtl_budget if rtl else args.budget
                    lv = run_level(level, res.out_dir, x, images.numpy(), ref, last, budget,
                                   args.rtl_frames if level == "rtl" else 0)
                    row["levels"].append(lv)
                    print(f"    {lv.get('error') or lv.get('mismatch') or 'bit-exact'} ({lv['seconds']} s)",
                          flush=True)
                rows = merge_row(rows, row)
                write_results({"rows": rows, **meta(args)}, args.results)  # partial results survive
    return {"rows": rows, **meta(args)}


def git_commit() -> str:
    """Short commit of the checkout the benchmark runs from ('+dirty' with uncommitted changes)."""
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, timeout=30, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def merge_row(rows: list[dict], row: dict) -> list[dict]:
    """``rows`` with ``row`` appended, or merged into an earlier row of the same model, instance and
    board: its levels replaced by the new ones of the same name, the others kept; its build time kept
    when the new row reused the build."""
    key = (row["model"], row["instance"], row["board"])
    old = next((r for r in rows if (r["model"], r["instance"], r["board"]) == key), None)
    if old is None:
        return [*rows, row]
    new_levels = {lv["level"] for lv in row["levels"]}
    levels = [lv for lv in old["levels"] if lv["level"] not in new_levels] + row["levels"]
    levels.sort(key=lambda lv: LEVELS.index(lv["level"]))
    merged = row | {"levels": levels}
    if row["build_s"] is None:
        merged["build_s"] = old["build_s"]
    return [merged if r is old else r for r in rows]


def meta(args: argparse.Namespace) -> dict:
    """Arguments, machine, commit and load of the run (the load when this is called)."""
    return {"args": vars(args) | {"work": str(args.work), "results": str(args.results)},
            "argv": getattr(args, "argv", sys.argv[1:]), "commit": git_commit(),
            "load": f"1-min load average {os.getloadavg()[0]:.1f}",
            "machine": f"{platform.machine()} {platform.python_version()}"}


def _cell(lv: dict | None) -> str:
    if lv is None or lv.get("skipped"):
        return "not run"
    if lv.get("error"):
        return f"**did not finish** at {lv['stage']} after {lv['seconds']:g} s ({lv['error'][:120]})"
    agree = "MISMATCH: " + lv["mismatch"] if lv.get("mismatch") else "bit-exact"
    extra = f", {lv['cycles_per_frame']:,.0f} cyc/frame" if "cycles_per_frame" in lv else ""
    if lv.get("spacings"):
        k, gaps = lv.get("steady_from"), lv["spacings"]
        extra = (f", steady {gaps[-1]:,} cyc/frame from frame {k} of {lv['frames']} (fill transient "
                 f"before: up to {max(gaps):,})" if k is not None
                 else f", {lv['cycles_per_frame']:,.0f} cyc/frame, not steady after {lv['frames']} frames")
    return f"{agree}; build {lv.get('compile_s', 0):g} s + run {lv.get('run_s', 0):g} s{extra}"


def write_results(payload: dict, results: Path) -> None:
    """resnet_levels.json (everything) and resnet_levels.md (the table)."""
    from string import Template

    results.parent.mkdir(parents=True, exist_ok=True)
    Path(f"{results}.json").write_text(json.dumps(payload, indent=1, sort_keys=True) + "\n")
    table = []
    for r in payload["rows"]:
        by = {lv["level"]: lv for lv in r["levels"]}
        n = len(r["sim_labels"])
        table.append(
            f"| {r['model']} | {r['instance']} | {r['board']} | {r['params']:,} | {r['build_s'] or 0:g} | "
            f"{r['bottleneck_cycles']:,} | {r['fps']:,.0f} | {r['finn']['LUT']:,.0f} "
            f"({r['utilization']['LUT']:.0%}) | {r['finn']['BRAM36']:g} | {n} | {r['sim_s']:g} | "
            + " | ".join(_cell(by.get(lv)) if r["levels"] else "-" for lv in LEVELS) + " |")
    tmpl = Template((Path(__file__).parent / "resnet_levels.md.tmpl").read_text())
    Path(f"{results}.md").write_text(tmpl.substitute(
        argv=" ".join(payload.get("argv", [])), table="\n".join(table), machine=payload["machine"],
        commit=payload.get("commit", "not recorded"), load=payload.get("load", "not recorded")))


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit 1 naming the first level that disagrees or did not finish."""
    args = parse_args(argv)
    args.argv = argv if argv is not None else sys.argv[1:]
    payload = run(args)
    write_results(payload, args.results)
    bad = [(r, lv) for r in payload["rows"] for lv in r["levels"] if lv.get("mismatch") or lv.get("error")]
    for r, lv in bad:
        print(f"{r['model']} {r['instance']} {r['board']}: {lv.get('mismatch') or lv.get('error')}",
              file=sys.stderr)
    return int(bool(bad))


if __name__ == "__main__":
    sys.exit(main())
