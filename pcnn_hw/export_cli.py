"""`pcnn-hw export CKPT -o model.onnx`: QONNX export of a checkpoint, checked against PyTorch."""

from __future__ import annotations

import argparse
import json

from pcnn_hw.errors import ConfigError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `export` subcommand."""
    p = subparsers.add_parser("export", help="export a checkpoint to QONNX and check it against PyTorch")
    p.add_argument("checkpoint", help="checkpoint file or training run directory")
    p.add_argument("-o", "--out", required=True, help="output .onnx path")
    p.add_argument("--check-images", type=int, default=64, help="test images for the check (default 64)")
    p.add_argument("--data-root", default=None, help="dataset directory (default: the one trained on)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Export, check, and print a one-line summary."""
    from pcnn_hw.data import load_dataset
    from pcnn_hw.export import export_model
    from pcnn_hw.train.checkpoint import load_checkpoint

    if args.check_images < 1:
        raise ConfigError(f"--check-images must be >= 1, got {args.check_images}")
    model, meta = load_checkpoint(args.checkpoint)
    ds = load_dataset(meta["dataset"], args.data_root or meta.get("data_root"))
    metadata = {
        "pcnn_hw.model": meta["model_name"],
        "pcnn_hw.dataset": meta["dataset"],
        "pcnn_hw.quant": json.dumps(meta["quant_config"].to_dict(), sort_keys=True),
        "pcnn_hw.num_classes": str(meta["num_classes"]),
    }
    check = export_model(model, meta["in_shape"], args.out, ds.test_x[: args.check_images], metadata)
    print(f"exported {args.out}: QONNX ≡ PyTorch on {check.images} images "
          f"(max |diff| {check.max_abs_diff:.2g}, ties {len(check.ties)})")
    return 0
