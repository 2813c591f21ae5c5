"""The `pcnn-hw` console script: parses arguments, calls the stage that does the work, prints.

Each stage registers its own subcommands in a small `cli` module of its package (a function
`register(subparsers)` that adds parsers whose `func(args) -> int` runs the command), so this file
stays thin and stages can be added without touching each other.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from pcnn_hw.errors import Interrupted, PcnnHwError
from pcnn_hw.signals import interrupts_raise, signal_name

# Modules with a `register(subparsers)` function, in the order their commands appear in --help.
COMMAND_MODULES = (
    "pcnn_hw.train.cli",
    "pcnn_hw.export_cli",
    "pcnn_hw.compile.cli",
    "pcnn_hw.rtl.cli",
    "pcnn_hw.verify.cli",
    "pcnn_hw.board.cli",
    "pcnn_hw.compress.cli",
    "pcnn_hw.report.cli",
    "pcnn_hw.explore.cli",
    "pcnn_hw.demo",
)


def build_parser() -> argparse.ArgumentParser:
    """Return the top-level parser with every available stage's subcommands registered."""
    parser = argparse.ArgumentParser(
        prog="pcnn-hw",
        description="Train PCNN 1-bit CNNs and compile them into streaming FPGA accelerators.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # stage not written yet
                continue
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point: run one subcommand; user errors print one line and return exit code 1;
    SIGINT/SIGTERM print one line and return 130/143 after the command's cleanup ran."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with interrupts_raise():
            return int(args.func(args) or 0)
    except PcnnHwError as exc:
        print(f"pcnn-hw {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except Interrupted as exc:
        print(f"pcnn-hw {args.command}: interrupted by {signal_name(exc.signum)}", file=sys.stderr)
        return 128 + exc.signum
    except KeyboardInterrupt:
        print(f"pcnn-hw {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
