"""``pcnn-hw rtl-vcd build/NAME``: a VCD of one frame through the build's stitched RTL (GTKWave)."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``rtl-vcd`` subcommand."""
    p = subparsers.add_parser(
        "rtl-vcd",
        help="write build/NAME/sim/frame.vcd: one frame of the Verilator RTL simulation as a waveform",
        description="Simulate one frame of the build's RTL (from `pcnn-hw build --rtl`) with tracing on and "
        "write the waveform of the top's streams to build/NAME/sim/frame.vcd (open it in GTKWave).",
    )
    p.add_argument("build", type=Path, help="build directory written by `pcnn-hw build --rtl`")
    p.add_argument("--seed", type=int, default=0, help="seed of the random input frame (default 0)")
    p.add_argument("--max-cycles", type=int, default=200_000,
                   help="cycles dumped at most, bounding the file size (default 200000)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write the VCD and print its path."""
    from pcnn_hw.errors import BuildDirError
    from pcnn_hw.rtl.vcd import write_vcd

    if not (args.build / "rtl" / "design.json").is_file():
        raise BuildDirError(f"{args.build}: no rtl/design.json; build it with `pcnn-hw build --rtl` first")
    print(f"VCD: {write_vcd(args.build, seed=args.seed, max_cycles=args.max_cycles)}")
    return 0
