"""Training checkpoints: one `checkpoint.pt` per run directory, rewritten after every epoch.

A checkpoint holds everything needed to rebuild the model and to continue training bit-exactly:
model and optimizer state, completed epochs, RNG states, model name, input shape, class count,
quant config (as a dict), dataset name, training hyperparameters and the metrics so far.
It is read with `torch.load(weights_only=True)`, so a foreign file cannot run code.
"""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from pcnn_hw.errors import CheckpointError, PcnnHwError

CHECKPOINT_NAME = "checkpoint.pt"
FORMAT = "pcnn-hw-checkpoint"
VERSION = 1
REQUIRED_KEYS = (
    "format",
    "version",
    "model_name",
    "in_shape",
    "num_classes",
    "quant",
    "dataset",
    "model_state",
    "optimizer_state",
    "epoch",
    "rng",
    "hparams",
    "metrics",
)


def capture_rng() -> dict[str, Any]:
    """Snapshot the torch, numpy and python RNG states (plain data, safe for weights_only loads)."""
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    return {
        "torch": torch.get_rng_state(),
        "numpy": [kind, torch.from_numpy(keys.astype(np.int64)), int(pos), int(has_gauss), float(cached)],
        "python": list(random.getstate()),
    }


def restore_rng(state: dict[str, Any]) -> None:
    """Restore the RNG states captured by `capture_rng`."""
    torch.set_rng_state(state["torch"])
    kind, keys, pos, has_gauss, cached = state["numpy"]
    np.random.set_state((kind, keys.numpy().astype(np.uint32), pos, has_gauss, cached))
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))


def save_checkpoint(path: str | Path, state: dict[str, Any]) -> Path:
    """Write `state` (see REQUIRED_KEYS) atomically to `path`: a crash never leaves a half file."""
    path = Path(path)
    tmp = path.with_name(path.name + ".partial")
    torch.save({"format": FORMAT, "version": VERSION, **state}, tmp)
    os.replace(tmp, path)
    return path


def read_checkpoint(path: str | Path) -> dict[str, Any]:
    """Load and validate the raw checkpoint dict; CheckpointError names the file on any problem."""
    path = Path(path)
    if path.is_dir():
        path = path / CHECKPOINT_NAME
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} does not exist")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch.load raises many kinds of errors on a damaged file
        first = f"{type(exc).__name__}: " + (str(exc).strip().splitlines() or [""])[0].split(". ")[0]
        if "Weights only load failed" in first:  # torch's long hint is misleading here
            first = "it holds objects other than tensors and plain data"
        raise CheckpointError(f"checkpoint {path} is corrupt or not a pcnn-hw checkpoint ({first})") from exc
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise CheckpointError(f"checkpoint {path} is not a pcnn-hw training checkpoint")
    if state.get("version") != VERSION:
        raise CheckpointError(
            f"checkpoint {path} has format version {state.get('version')}, this pcnn-hw reads {VERSION}"
        )
    missing = [key for key in REQUIRED_KEYS if key not in state]
    if missing:
        raise CheckpointError(f"checkpoint {path} lacks {', '.join(missing)}")
    state["path"] = str(path)
    return state


def quant_config_from(state: dict[str, Any]):
    """The QuantConfig stored in a checkpoint (CheckpointError if it is not valid any more)."""
    from pcnn_hw.quant import QuantConfig

    try:
        return QuantConfig.from_dict(dict(state["quant"]))
    except (PcnnHwError, TypeError) as exc:
        raise CheckpointError(f"checkpoint {state['path']} has an invalid quant config: {exc}") from exc


def build_from(state: dict[str, Any]) -> nn.Module:
    """Rebuild the model a checkpoint describes and load its weights (CheckpointError on mismatch)."""
    from pcnn_hw.models import build_model

    cfg = quant_config_from(state)
    try:
        model = build_model(
            state["model_name"], cfg, in_shape=tuple(state["in_shape"]), num_classes=int(state["num_classes"])
        )
    except PcnnHwError as exc:
        raise CheckpointError(
            f"checkpoint {state['path']} describes a model that cannot be built: {exc}"
        ) from exc
    try:
        model.load_state_dict(state["model_state"])
    except (RuntimeError, KeyError) as exc:
        first = str(exc).strip().splitlines()[0]
        raise CheckpointError(
            f"checkpoint {state['path']} does not fit model {state['model_name']!r} ({first})"
        ) from exc
    return model


def load_checkpoint(path: str | Path) -> tuple[nn.Module, dict[str, Any]]:
    """Rebuild the trained model from `path` (a checkpoint file or a run directory).

    Returns `(model, meta)`: the model in eval mode and a dict with model_name, in_shape, num_classes,
    quant (dict), quant_config (QuantConfig), dataset, data_root, epoch, hparams, metrics and path.
    Raises CheckpointError naming the file if it is missing, corrupt or incompatible.
    """
    state = read_checkpoint(path)
    model = build_from(state)
    model.eval()
    meta = {k: v for k, v in state.items() if k not in ("model_state", "optimizer_state", "rng")}
    meta["quant_config"] = quant_config_from(state)
    meta["in_shape"] = tuple(state["in_shape"])
    return model, meta
