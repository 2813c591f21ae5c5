"""``pcnn-hw report build/NAME`` (the build report page) and ``pcnn-hw plot runs/a runs/b -o F.png``."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``report`` and ``plot`` subcommands."""
    p = subparsers.add_parser(
        "report",
        help="write build/NAME/report.html: tables and charts of a build (offline, self-contained)",
        description="Write a self-contained HTML report page and its PNG charts into a build directory.",
    )
    p.add_argument("build", type=Path, help="build directory written by `pcnn-hw build`")
    p.set_defaults(func=run_report)
    q = subparsers.add_parser(
        "plot",
        help="compare training runs: their metrics.json curves in one PNG",
        description="Plot the per-epoch curves of several training runs (their metrics.json) side by side.",
    )
    q.add_argument("runs", type=Path, nargs="+", help="run directories (from `pcnn-hw train -o DIR`)")
    q.add_argument("-o", "--out", type=Path, required=True, help="PNG file to write")
    q.add_argument("--force", action="store_true", help="overwrite an existing file not written by `plot`")
    q.set_defaults(func=run_plot)


def run_report(args: argparse.Namespace) -> int:
    """Write the page and print its path."""
    from pcnn_hw.report.page import write_report

    print(f"report: {write_report(args.build)}")
    return 0


def run_plot(args: argparse.Namespace) -> int:
    """Write the comparison plot and print its path."""
    from pcnn_hw.train.report import plot_runs

    print(f"plot: {plot_runs(args.runs, args.out, force=args.force)}")
    return 0
