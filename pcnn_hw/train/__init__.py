"""Training: `train(...)` (Adam + PCNN projection loss, per-epoch checkpoints, exact resume, metrics.json,
curve.png) and `load_checkpoint(path) -> (model, meta)`. CLI: `pcnn-hw train` (pcnn_hw/train/cli.py)."""

from __future__ import annotations

from pcnn_hw.train.checkpoint import load_checkpoint
from pcnn_hw.train.loop import evaluate, train

__all__ = ["evaluate", "load_checkpoint", "train"]
