"""`pcnn-hw huffman model.onnx`: per-layer Huffman compression of the binary kernels."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `huffman` subcommand."""
    p = subparsers.add_parser("huffman", help="Huffman-code the binary kernels of a QONNX model")
    p.add_argument("model", type=Path, help="QONNX model (model.onnx)")
    p.add_argument("-o", "--out", type=Path, default=None, help="write the per-layer report as JSON")
    p.add_argument("--force", action="store_true", help="overwrite an existing file not written by huffman")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Compress every binary layer, check the round trip, print the table."""
    from pcnn_hw.compress.huffman import compress_layer, decode, weight_symbols
    from pcnn_hw.compress.onnx_weights import binary_weights
    from pcnn_hw.errors import ModelFileError
    from pcnn_hw.outputs import check_file_output, is_ours_json

    if args.out is not None:
        check_file_output(args.out, inputs=[args.model], force=getattr(args, "force", False),
                          is_ours=lambda p: is_ours_json(p, ("layers", "ratio")), what="JSON report")
    layers = binary_weights(args.model)
    if not layers:
        raise ModelFileError(f"{args.model}: no BipolarQuant weights found")
    rows = []
    print(f"{'layer':<28}{'weights':>10}{'sym':>5}{'distinct':>9}{'huffman bits':>14}{'ratio':>8}"
          f"{'w/o codebook':>14}")
    for name, signs, conv in layers:
        summary, bits, codes = compress_layer(name, signs, conv)
        symbols, _ = weight_symbols(signs, conv)
        if not (decode(bits, codes, symbols.size) == symbols).all():  # lossless by construction
            raise RuntimeError(f"Huffman round trip failed for layer {name}")
        rows.append({**asdict(summary), "ratio": round(summary.ratio, 4),
                     "payload_ratio": round(summary.payload_ratio, 4)})
        print(f"{name:<28}{summary.weights:>10}{summary.symbol_bits:>5}{summary.distinct_symbols:>9}"
              f"{summary.payload_bits + summary.codebook_bits:>14}{summary.ratio:>8.3f}"
              f"{summary.payload_ratio:>14.3f}")
    total_packed = sum(r["weights"] for r in rows)
    total_coded = sum(r["payload_bits"] + r["codebook_bits"] for r in rows)
    ratio = total_packed / total_coded
    print(f"total: {total_packed} bits packed → {total_coded} bits Huffman (ratio {ratio:.3f})")
    if args.out:
        args.out.write_text(json.dumps({"layers": rows, "ratio": ratio}, indent=2) + "\n")
    return 0
