"""`pcnn-hw export CKPT -o model.onnx`: QONNX export of a checkpoint, checked against PyTorch."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from pcnn_hw.errors import ConfigError
from pcnn_hw.outputs import check_file_output, is_ours_json


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `export` subcommand."""
    p = subparsers.add_parser("export", help="export a checkpoint to QONNX and check it against PyTorch")
    p.add_argument("checkpoint", help="checkpoint file or training run directory")
    p.add_argument("-o", "--out", required=True, help="output .onnx path")
    p.add_argument("--check-images", type=int, default=64, help="test images for the check (default 64)")
    p.add_argument("--data-root", default=None, help="dataset directory (default: the one trained on)")
    p.add_argument("--force", action="store_true", help="overwrite an existing file not written by export")
    p.set_defaults(func=run)


def _is_our_export(path: Path) -> bool:
    """An .onnx written by `pcnn-hw export`: its ``<path>.json`` check report names it."""
    sidecar = Path(f"{path}.json")
    return is_ours_json(sidecar, ("check", "metadata", "onnx")) and json.loads(sidecar.read_text())[
        "onnx"] == path.name


def check_export_paths(out: str | Path, checkpoint: str | Path, force: bool = False) -> None:
    """Refuse (OutputPathError) an output that is a directory, the checkpoint, or a foreign file."""
    check_file_output(out, inputs=[checkpoint], is_ours=_is_our_export, force=force, what="QONNX model")
    check_file_output(f"{out}.json", inputs=[checkpoint], is_ours=lambda p: is_ours_json(
        p, ("check", "metadata", "onnx")), force=force, what="export report")


def run(args: argparse.Namespace) -> int:
    """Export, check, and print a one-line summary."""
    from pcnn_hw.data import load_dataset
    from pcnn_hw.export import export_model
    from pcnn_hw.train.checkpoint import load_checkpoint

    if args.check_images < 1:
        raise ConfigError(f"--check-images must be >= 1, got {args.check_images}")
    check_export_paths(args.out, args.checkpoint, getattr(args, "force", False))
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
