"""`pcnn-hw bitstream build/NAME [--board B]`, `pcnn-hw finn-config build/NAME` and
`pcnn-hw deploy build/NAME -o NAME.zip`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    """Add the `bitstream`, `finn-config` and `deploy` subcommands."""
    p = subparsers.add_parser(
        "bitstream",
        help="generate the Vivado scripts of a build and run them (needs vivado on PATH)",
        description="Write build/NAME/vivado/ (block design + bitstream TCL) and run Vivado when it is on "
        "PATH; results land in bitstreams/<board>/.",
    )
    p.add_argument("build", type=Path, help="build directory (with rtl/ from the RTL backend)")
    p.add_argument("--board", default=None, help="board (default: the build's)")
    p.add_argument("--out", type=Path, default=None, help="output directory (default bitstreams/<board>/)")
    p.add_argument("--jobs", type=int, default=2, help="Vivado jobs (default 2)")
    p.add_argument("--scripts-only", action="store_true", help="only generate the scripts")
    p.add_argument(
        "--allow-timing-risk",
        action="store_true",
        help="build even when the RTL timing estimate (report.json timing.fmax_mhz) is below the clock",
    )
    p.set_defaults(func=run_bitstream)

    f = subparsers.add_parser(
        "finn-config",
        help="write a FINN+ build_dataflow configuration + model of a build (for FINN+'s own Vivado flow)",
        description="Write build/NAME/finn_config/: model.onnx, folding_config.json (our folding, RTL FIFO "
        "depths when built) and dataflow_build_config.json (board, part, clock) for FINN+'s build_dataflow.",
    )
    f.add_argument("build", type=Path, help="build directory written by `pcnn-hw build`")
    f.set_defaults(func=run_finn_config)

    d = subparsers.add_parser(
        "deploy",
        help="package driver, bitstream, test vectors and verify_on_board.py into a zip",
        description="Build the deployment zip of a build directory for a PYNQ board.",
    )
    d.add_argument("build", type=Path, help="build directory written by `pcnn-hw build`")
    d.add_argument("-o", "--out", type=Path, required=True, help="output zip, e.g. NAME.zip")
    d.add_argument(
        "--data",
        default="auto",
        help="dataset for the test vectors (default: guessed from the input size; 'none' = random)",
    )
    d.add_argument("--data-root", type=Path, default=None, help="dataset directory (cifar10)")
    d.add_argument("--count", type=int, default=100, help="number of test vectors (default 100)")
    d.add_argument(
        "--bitstreams",
        type=Path,
        default=None,
        help="directory with NAME.bit/.hwh (default bitstreams/<board>/)",
    )
    d.set_defaults(func=run_deploy)


def run_bitstream(args: argparse.Namespace) -> int:
    """Generate the scripts; run Vivado unless --scripts-only (ToolMissingError without Vivado)."""
    from pcnn_hw.board import vivado

    if args.scripts_only:
        tcl = vivado.generate(args.build, args.board, args.out, args.allow_timing_risk)
        print(f"wrote {tcl} (run it with Vivado: see {tcl.parent / 'README.md'})")
        return 0
    bit = vivado.run(args.build, args.board, args.out, args.jobs, args.allow_timing_risk)
    print(f"wrote {bit}")
    return 0


def run_finn_config(args: argparse.Namespace) -> int:
    """Write the FINN+ configuration of a build."""
    from pcnn_hw.board.finn_config import write_finn_config

    cfg = write_finn_config(args.build)
    print(f"wrote {cfg} (see {cfg.parent / 'README.md'})")
    return 0


def run_deploy(args: argparse.Namespace) -> int:
    """Write the deployment zip."""
    import zipfile

    from pcnn_hw.board.deploy import deploy

    data = None if args.data == "none" else args.data
    out = deploy(args.build, args.out, args.bitstreams, data, args.count, args.data_root)
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        readme = next((z.read(n) for n in names if n.endswith("/README.md")), b"")
    has_bit = any(n.endswith(".bit") for n in names)
    if b"random images" in readme:
        print(
            f"pcnn-hw deploy: note: {out} holds random test vectors without ground-truth labels (no data set "
            "matches the model's input; pass --data NAME [--data-root DIR] for real images)",
            file=sys.stderr,
        )
    print(f"wrote {out} ({len(names)} files; bitstream {'included' if has_bit else 'not built yet'})")
    return 0
