"""`pcnn-hw explore SWEEP.toml -o explore/NAME`: run a sweep on Ray and write the results table and plots."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from pcnn_hw.errors import ConfigError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `explore` subcommand."""
    p = subparsers.add_parser(
        "explore",
        help="design-space exploration on Ray: accuracy x FPS x resources Pareto fronts",
        description="Run every trial of a sweep file (train -> export -> build -> verify) on Ray, sharing "
        "stages by content; a rerun skips what is finished. Writes results.csv/.parquet, Pareto plots and "
        "report.html into -o DIR.",
    )
    p.add_argument("sweep", type=Path, help="sweep file (TOML with [sweep] and [axes])")
    p.add_argument("-o", "--out", type=Path, required=True, help="output directory, e.g. explore/NAME")
    p.add_argument("--store", type=Path, default=None,
                   help="stage store (default OUT/store); on a cluster: a folder every node shares")
    p.add_argument("--address", default=None, metavar="HOST:PORT",
                   help="join a running Ray cluster (default: start a local one)")
    p.add_argument("--num-cpus", type=int, default=None, help="CPUs of the local Ray (default: all)")
    p.add_argument("--retry-failed", action="store_true", help="run failed trials again (default: keep them)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Parse the sweep, run it, print the tally and the Pareto set."""
    from pcnn_hw.explore.orchestrate import Options, run_sweep
    from pcnn_hw.explore.sweep import load_sweep

    if args.num_cpus is not None and args.num_cpus < 1:
        raise ConfigError(f"--num-cpus must be >= 1, got {args.num_cpus}")
    if args.address is not None and not re.fullmatch(r"[\w.\-]+:\d+|auto", args.address):
        raise ConfigError(f"--address must be HOST:PORT (or auto), got {args.address!r}")
    sweep = load_sweep(args.sweep)
    opts = Options(out=args.out, store=args.store or args.out / "store", address=args.address,
                   num_cpus=args.num_cpus, retry_failed=args.retry_failed, progress=not args.quiet)
    rows, tally = run_sweep(sweep, opts)
    ran = {"trials": tally.trials, "trials_run": tally.trials_run, "failed": tally.failed,
           "ray_tasks": tally.tasks, "stages_run": tally.stages_run}
    print(json.dumps(ran))
    for r in rows:
        if r["status"] != "ok":
            print(f"trial {r['trial']} failed at {r['error_stage']}: {r['error_type']}: {r['error']}")
    print("Pareto set (" + ", ".join(sweep.objectives) + "):")
    for r in (r for r in rows if r.get("pareto")):
        print(f"  {r['trial']}  {r['model']:<9} {r['board']:<11} acc {r['accuracy']:.4f}  "
              f"{r['fps']:>12,.0f} FPS  {r['lut']:>9,.0f} LUT")
    print(f"results.csv, results.parquet, report.html and Pareto plots in {opts.out}")
    return 0
