"""`pcnn-hw huffman model.onnx`: per-layer Huffman compression of the binary kernels."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `huffman` subcommand."""
    p = subparsers.add_parser("huffman", help="Huffman-code the binary kernels of a QONNX model")
    p.add_argument("model", type=Path, help="QONNX model (model.onnx)")
    p.add_argument("-o", "--out", type=Path, default=None, help="write the per-layer report as JSON")
    p.add_argument("--force", action="store_true", help="overwrite an existing file not written by huffman")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Code every binary layer (best symbol shape or raw), check the round trip, print the table."""
    from pcnn_hw.compress.report import as_json, compress_model, format_table
    from pcnn_hw.outputs import check_file_output, is_ours_json

    if args.out is not None:
        check_file_output(args.out, inputs=[args.model], force=getattr(args, "force", False),
                          is_ours=lambda p: is_ours_json(p, ("layers", "ratio")), what="JSON report")
    rows = compress_model(args.model)
    print(format_table(rows))
    if args.out:
        args.out.write_text(json.dumps(as_json(rows), indent=2) + "\n")
    return 0
