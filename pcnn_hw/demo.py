"""`pcnn-hw demo`: the main job on the embedded default, end to end.

Trains a PCNN mini-cnv on MNIST-5k, exports it to QONNX (checked against PyTorch), compiles it for a
Pynq-Z2 with the folding optimizer and generates its RTL (Verilator-simulated, Yosys-synthesised), runs
the fidelity ladder (PyTorch → QONNX → FINN → bit-exact → C-sim → RTL → simulated board), packs the
deployment zip and reports Huffman compression of the kernels. Each stage is one `pcnn-hw` subcommand,
run in order; the demo prints the equivalent command lines so a user can repeat any stage.
"""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path

from pcnn_hw.errors import PcnnHwError


def demo_commands(out: Path, model: str, epochs: int, board: str, limit: int) -> list[list[str]]:
    """The subcommands the demo runs, in order (argv lists without the program name)."""
    run, onnx, build = out / "train", out / "train" / "model.onnx", out / "build"
    return [
        ["train", "--model", model, "--quant", "pcnn", "--epochs", str(epochs), "-o", str(run)],
        ["export", str(run), "-o", str(onnx)],
        ["build", str(onnx), "--board", board, "--folding", "auto", "--rtl", "--force", "-o", str(build)],
        ["verify", str(onnx), str(build), "--limit", str(limit)],
        ["deploy", str(build), "-o", str(out / f"{model}-{board}.zip")],
        ["huffman", str(onnx), "-o", str(out / "huffman.json")],
    ]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `demo` subcommand."""
    p = subparsers.add_parser("demo", help="the whole flow on the embedded MNIST-5k (train → … → deploy)")
    p.add_argument("--out", type=Path, default=Path("build/demo"), help="output directory (build/demo)")
    p.add_argument("--model", default="mini-cnv", help="model to train (default mini-cnv)")
    p.add_argument("--epochs", type=int, default=5, help="training epochs (default 5)")
    p.add_argument("--board", default="pynq-z2", help="target board (default pynq-z2)")
    p.add_argument("--limit", type=int, default=300, help="test images for the fidelity ladder (300)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run every demo stage; stop at the first failing one with its exit code."""
    from pcnn_hw.cli import main

    for argv in demo_commands(args.out, args.model, args.epochs, args.board, args.limit):
        print(f"\n=== pcnn-hw {shlex.join(argv)}", flush=True)
        code = main(argv)
        if code:
            raise PcnnHwError(f"demo stopped: `pcnn-hw {argv[0]}` exited with {code}")
    print(f"\ndemo done: artifacts in {args.out}")
    return 0
