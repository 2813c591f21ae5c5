"""``pcnn-hw build``: compile a QONNX model into a folded FINN dataflow graph with a report."""

from __future__ import annotations

import argparse

from pcnn_hw.compile.steps import step_names
from pcnn_hw.core.boards import BOARDS


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``build`` subcommand."""
    p = subparsers.add_parser(
        "build",
        help="compile a QONNX model for a board (folding, estimates, weight images)",
        description="Compile a QONNX model into a folded streaming dataflow graph for a board.",
    )
    p.add_argument("model", help="QONNX file (from `pcnn-hw export`)")
    p.add_argument("--board", default="pynq-z2", help=f"target board: {', '.join(BOARDS)} (default pynq-z2)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--target-fps", type=float, default=None, help="fold with FINN's SetFolding for this FPS")
    g.add_argument("--folding", default="auto",
                   help="auto (max FPS within the budget; default), max, or a FINN folding-config FILE.json")
    p.add_argument("-o", "--out", required=True,
                   help="build directory, e.g. build/NAME: new, empty, or a previous build (with --force "
                   "or --from-step); never a directory of other files")
    p.add_argument("--force", action="store_true",
                   help="replace a previous build directory (only the files the build made)")
    p.add_argument("--from-step", default=None, choices=step_names(), metavar="STEP",
                   help=f"resume an existing build directory from STEP ({', '.join(step_names())})")
    p.add_argument("--clock-mhz", type=float, default=None, help="clock (default: the board's)")
    p.add_argument("--lut-fraction", type=float, default=0.85,
                   help="share of the board's LUTs the auto folding may use (default 0.85)")
    p.add_argument("--resource-model", choices=("ours", "finn"), default="ours",
                   help="resources the auto folding optimizes on: ours (fitted to Yosys on our RTL; "
                   "default) or finn (FINN's estimates, the old behaviour)")
    p.add_argument("--backends", default="", metavar="LIST",
                   help="comma-separated hardware backends to run after the compile: rtl (Verilog, "
                   "Verilator, Yosys), hls (HLS C++ project in BUILD/hls); e.g. --backends rtl,hls")
    p.add_argument("--rtl", action="store_true", help="same as --backends rtl")
    p.add_argument("--flat-timing", action=argparse.BooleanOptionalAction, default=True,
                   help="with --rtl: also synthesize the whole design flattened for the cross-layer timing "
                   "paths (default on; bounded by a 15 min timeout; --no-flat-timing: per-layer timing only)")
    p.set_defaults(func=run)


def parse_backends(text: str, rtl: bool = False) -> tuple[str, ...]:
    """The backends of ``--backends a,b`` (plus rtl for ``--rtl``) in pipeline order; ConfigError naming
    an unknown one."""
    from pcnn_hw.compile.hls_step import BACKEND_NAMES
    from pcnn_hw.errors import ConfigError

    names = {n.strip() for n in text.split(",") if n.strip()} | ({"rtl"} if rtl else set())
    unknown = sorted(names - set(BACKEND_NAMES))
    if unknown:
        raise ConfigError(
            f"--backends: unknown backend {', '.join(unknown)}; choose from {', '.join(BACKEND_NAMES)}")
    return tuple(n for n in ("hls", "rtl") if n in names)


def run(args: argparse.Namespace) -> int:
    """Run the build command."""
    from pcnn_hw.compile.build import build
    from pcnn_hw.compile.steps import DEFAULT_STEPS

    steps = DEFAULT_STEPS
    backends = parse_backends(getattr(args, "backends", ""), getattr(args, "rtl", False))
    if "hls" in backends:
        from pcnn_hw.compile.hls_step import HLS_STEP

        steps = (*steps, HLS_STEP)
    if "rtl" in backends:
        from pcnn_hw.compile.rtl_step import RTL_STEPS

        rtl = RTL_STEPS[-1]
        if not args.flat_timing:
            from dataclasses import replace
            from functools import partial

            rtl = replace(rtl, fn=partial(rtl.fn, flat_timing=False))
        steps = (*steps, rtl)  # the RTL stitches forks and joins (#11)
    build(args.model, args.out, args.board, folding=None if args.target_fps else args.folding,
          target_fps=args.target_fps, clock_mhz=args.clock_mhz, from_step=args.from_step,
          lut_fraction=args.lut_fraction, resource_model=getattr(args, "resource_model", "ours"),
          steps=steps, force=args.force)
    from pcnn_hw.report import write_report  # the page, after the build and its RTL step

    print(f"report page: {write_report(args.out)}")
    return 0
