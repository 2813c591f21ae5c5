"""Accuracy benchmark of resnet-mini: PCNN vs the sign baseline vs mini-cnv, with the estimated hardware cost.

Trains every (model, variant, seed) with the same epochs / batch / learning rate and reports the final
test accuracy (mean ± sample std over seeds). Then builds the seed-0 checkpoint of each model for one
board with the same folding mode and reports FINN's estimated LUT / BRAM, the bottleneck cycles and
FPS from the build report (report.json), so the rows are compared at their real hardware cost.
Runs go into build/bench/resnet_accuracy/<data>/<model>-<variant>-s<seed>/ (a finished run is reused,
an interrupted one resumed). Results: benchmarks/results/resnet_accuracy.json and .md.

    .venv/bin/python benchmarks/resnet_accuracy.py                       # MNIST-5k, 3 seeds
    .venv/bin/python benchmarks/resnet_accuracy.py --data cifar10 --data-root DIR --epochs 30 \\
        --results benchmarks/results/resnet_accuracy_cifar10               # CIFAR-10 (data in DIR)
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing as mp
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VARIANTS = {"pcnn": {"kind": "pcnn", "projections": 1, "lam": 1e-4}, "sign": {"kind": "sign", "lam": 0.0}}
LABELS = {"pcnn": "PCNN λ=1e-4, J=1", "sign": "sign baseline"}
JOBS = (("resnet-mini", "pcnn"), ("resnet-mini", "sign"), ("mini-cnv", "pcnn"))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options of the benchmark."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", default="mnist5k", help="dataset name (mnist5k, digits, cifar10)")
    p.add_argument("--data-root", type=Path, default=None, help="dataset directory (cifar10)")
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=100)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--workers", type=int, default=3, help="parallel training processes, 1 thread each")
    p.add_argument("--board", default="pynq-z2", help="board of the cost builds")
    p.add_argument("--no-build", action="store_true", help="skip the hardware-cost builds")
    p.add_argument("--collect", action="store_true",
                   help="train nothing: tabulate the runs in --runs-dir as they are")
    p.add_argument("--runs-dir", type=Path, default=ROOT / "build" / "bench" / "resnet_accuracy")
    p.add_argument("--results", type=Path, default=ROOT / "benchmarks" / "results" / "resnet_accuracy")
    return p.parse_args(argv)


def run_one(job: dict) -> dict:
    """Train one job in its own directory (resuming a partial run); return its final numbers."""
    from pcnn_hw.errors import PcnnHwError
    from pcnn_hw.quant import QuantConfig
    from pcnn_hw.train import train

    out = Path(job["out"])
    kwargs = dict(epochs=job["epochs"], batch_size=job["batch_size"], lr=job["lr"], seed=job["seed"],
                  out_dir=out, threads=1, progress=False, data_root=job["data_root"])  # fmt: skip
    cfg = QuantConfig(**VARIANTS[job["variant"]])
    try:
        metrics = train(job["model"], cfg, job["data"], resume=(out / "checkpoint.pt").is_file(), **kwargs)
    except PcnnHwError:  # a stale or foreign checkpoint: start over
        metrics = train(job["model"], cfg, job["data"], resume=False, **kwargs)
    return {
        **{k: job[k] for k in ("model", "variant", "seed")},
        "final_test_acc": metrics["final_test_acc"],
        "train_time_s": metrics["total_time_s"],
    }


def collect_one(job: dict) -> dict | None:
    """A job's numbers from its metrics.json as they are (None when it has not finished an epoch)."""
    path = Path(job["out"]) / "metrics.json"
    if not path.is_file():
        return None
    metrics = json.loads(path.read_text())
    return {**{k: job[k] for k in ("model", "variant", "seed")}, "final_test_acc": metrics["final_test_acc"],
            "train_time_s": metrics["total_time_s"], "epochs_done": metrics["epochs_done"]}


def cost_of(run_dir: Path, board: str) -> dict:
    """Export the run's checkpoint and build it; the build report's totals, bottleneck and FPS."""
    from pcnn_hw.compile.build import build
    from pcnn_hw.data import load_dataset
    from pcnn_hw.export import export_model
    from pcnn_hw.train.checkpoint import load_checkpoint

    model, meta = load_checkpoint(run_dir / "checkpoint.pt")
    ds = load_dataset(meta["dataset"], root=meta.get("data_root"))
    onnx = run_dir / "model.onnx"
    export_model(model.eval(), tuple(ds.in_shape), onnx, ds.test_x[:8])
    start = time.perf_counter()
    res = build(onnx, run_dir / f"build-{board}", board, force=True, stream=io.StringIO())
    rep = res.report
    mine = [la for la in rep["layers"] if la.get("model_LUT") is not None]
    return {
        "LUT": rep["totals"]["LUT"],
        "BRAM36": rep["totals"]["BRAM36"],
        # our resource model of our RTL (pcnn_hw/resources): the report's model_* columns, summed
        "model_LUT": sum(float(la["model_LUT"]) for la in mine),
        "model_BRAM36": sum(float(la.get("model_BRAM36") or 0.0) for la in mine),
        "bottleneck_cycles": rep["bottleneck"]["cycles"],
        "fps": rep["fps"],
        "layers": len(rep["layers"]),
        "build_s": time.perf_counter() - start,
    }


def to_markdown(rows: list[dict], settings: dict) -> str:
    """The results table (accuracies in %)."""
    lines = [
        f"# resnet-mini accuracy on {settings['data']} vs mini-cnv, with estimated hardware cost",
        "",
        f"{settings['epochs']} epochs, batch {settings['batch_size']}, Adam lr {settings['lr']:g}, cosine "
        f"decay, seeds 0..{settings['seeds'] - 1}; final-epoch test accuracy, mean ± sample std. "
        f"Cost: FINN's estimates from the build report of the seed-0 checkpoint on {settings['board']} "
        "(folding auto: max FPS within 85 % of the LUTs); beside it our model of our RTL "
        "(pcnn_hw/resources, the report's model LUT / BRAM36 columns summed over the layers).",
        "",
        "| model | quantizer | test accuracy (%) | per seed (%) | train time / run (s) "
        "| est. LUT | BRAM36 | our model LUT / BRAM36 | bottleneck cycles | FPS |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        c = r.get("cost") or {}
        ours = f"{c['model_LUT']:,.0f} / {c['model_BRAM36']:g}" if "model_LUT" in c else "-"
        cost = (
            f"{c['LUT']:,.0f} | {c['BRAM36']:g} | {ours} | {c['bottleneck_cycles']:,} | {c['fps']:,.0f}"
            if c
            else "- | - | - | - | -"
        )
        per_seed = ", ".join(f"{100 * a:.1f}" + ("" if e == settings["epochs"] else f" ({e} ep)")
                             for a, e in zip(r["per_seed"], r["epochs_done"], strict=True))
        lines.append(
            f"| {r['model']} | {LABELS[r['variant']]} | {100 * r['mean']:.2f} ± {100 * r['std']:.2f} "
            f"| {per_seed} | {r['time_s']:.0f} | {cost} |"
        )
    lines += [
        "",
        f"{settings['workers']} worker process(es), 1 torch thread each, {settings['machine']}; "
        f"wall time {settings['wall_time_s'] / 60:.1f} min, load average at the end "
        f"{settings['load_average']} (other jobs share the machine).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Train all jobs in worker processes, build the seed-0 checkpoints, write JSON and Markdown."""
    args = parse_args(argv)
    runs = args.runs_dir / args.data
    root = None if args.data_root is None else str(args.data_root)
    if not args.collect:
        from pcnn_hw.data import load_dataset
        from pcnn_hw.errors import PcnnHwError

        try:  # before any worker starts: a missing --data-root is one clear line, not a pool traceback
            load_dataset(args.data, root)
        except PcnnHwError as exc:
            print(f"resnet_accuracy: {type(exc).__name__}: {exc}", file=sys.stderr)
            return 2
    jobs = [{"model": m, "variant": v, "seed": s, "epochs": args.epochs, "batch_size": args.batch_size,
             "lr": args.lr, "data": args.data, "data_root": root,
             "out": str(runs / f"{m}-{v}-s{s}")} for m, v in JOBS for s in range(args.seeds)]  # fmt: skip
    start = time.perf_counter()
    results = []
    if args.collect:
        results = [collect_one(job) for job in jobs]
        results = [r for r in results if r is not None]
        jobs = []
    with mp.get_context("spawn").Pool(max(1, min(args.workers, len(jobs) or 1))) as pool:
        for i, res in enumerate(pool.imap_unordered(run_one, jobs), 1):
            results.append(res)
            print(
                f"[{i}/{len(jobs)}] {res['model']} {res['variant']} seed {res['seed']}: "
                f"test {100 * res['final_test_acc']:.2f}% ({res['train_time_s']:.0f} s)",
                flush=True,
            )
    rows = []
    for m, v in JOBS:
        mine = sorted((r for r in results if r["model"] == m and r["variant"] == v), key=lambda r: r["seed"])
        if not mine:
            continue
        accs = [r["final_test_acc"] for r in mine]
        row = {
            "model": m,
            "variant": v,
            "per_seed": accs,
            "mean": statistics.fmean(accs),
            "std": statistics.stdev(accs) if len(accs) > 1 else 0.0,
            "time_s": statistics.fmean(r["train_time_s"] for r in mine),
            "epochs_done": [r.get("epochs_done", args.epochs) for r in mine],
        }
        if not args.no_build:
            row["cost"] = cost_of(runs / f"{m}-{v}-s0", args.board)
            print(f"cost {m} {v}: {row['cost']}", flush=True)
        rows.append(row)
    settings = {
        k: getattr(args, k) for k in ("data", "epochs", "seeds", "batch_size", "lr", "workers", "board")
    }
    settings.update(
        wall_time_s=time.perf_counter() - start,
        machine=f"{platform.machine()}, {mp.cpu_count()} CPUs",
        load_average=", ".join(f"{x:.1f}" for x in os.getloadavg()),
    )
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.with_suffix(".json").write_text(
        json.dumps({"settings": settings, "rows": rows, "runs": results}, indent=2) + "\n"
    )
    text = to_markdown(rows, settings)
    args.results.with_suffix(".md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
