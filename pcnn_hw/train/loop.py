"""The training loop: Adam on L_S, PCNN's projection loss L_P added after each backward, per-epoch
checkpoints, exact resume, metrics.json and curve.png."""

from __future__ import annotations

import dataclasses
import random
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm

from pcnn_hw.data import Dataset, load_dataset
from pcnn_hw.errors import CheckpointError, ConfigError, UnknownNameError
from pcnn_hw.train import settings
from pcnn_hw.train.batchnorm import recalibrate_batchnorm
from pcnn_hw.train.checkpoint import (
    CHECKPOINT_NAME,
    capture_rng,
    read_checkpoint,
    restore_rng,
    save_checkpoint,
)
from pcnn_hw.train.report import plot_curve, write_metrics

EVAL_BATCH = 1000


def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int = EVAL_BATCH) -> float:
    """Accuracy of `model` (switched to eval mode, then back to its previous mode) on (x, y)."""
    was_training = model.training
    model.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, len(y), batch_size):
            logits = model(x[start : start + batch_size])
            correct += int((logits.argmax(1) == y[start : start + batch_size]).sum())
    model.train(was_training)
    return correct / max(len(y), 1)


def train_step(
    model: nn.Module, optimizer: torch.optim.Optimizer, cfg: Any, x: torch.Tensor, y: torch.Tensor
) -> tuple[float, float, int]:
    """One PCNN step: L_S backward, then L_P's gradients added, then the optimizer step.

    Returns (L_S value, L_P value, number of correct predictions in the batch).
    """
    from pcnn_hw.quant import projection_loss_backward

    optimizer.zero_grad(set_to_none=True)
    logits = model(x)
    loss_s = F.cross_entropy(logits, y)
    loss_s.backward()
    lp = projection_loss_backward(model, cfg)
    optimizer.step()
    return float(loss_s.detach()), float(lp), int((logits.detach().argmax(1) == y).sum())


def _batches(n: int, batch_size: int, seed: int, epoch: int) -> list[torch.Tensor]:
    """Index batches of one epoch, dropping a last partial batch (batch norm) unless it is the only one."""
    order = settings.epoch_permutation(n, seed, epoch)
    full = max(n // batch_size, 1)
    return [order[i * batch_size : (i + 1) * batch_size] for i in range(full)]


def _train_epoch(
    model, optimizer, cfg, ds: Dataset, hp: dict, epoch: int, epochs: int, progress: bool
) -> dict:
    model.train()
    lr = settings.lr_at(hp["lr"], epoch, epochs, hp["schedule"])
    for group in optimizer.param_groups:
        group["lr"] = lr
    start = time.perf_counter()
    loss_sum = lp_sum = 0.0
    correct = seen = 0
    batches = _batches(len(ds.train_y), hp["batch_size"], hp["seed"], epoch)
    bar = tqdm(
        total=len(batches),
        desc=f"epoch {epoch}/{epochs}",
        unit="batch",
        disable=not progress,
        dynamic_ncols=True,
    )
    for idx in batches:
        loss, lp, ok = train_step(model, optimizer, cfg, ds.train_x[idx], ds.train_y[idx])
        loss_sum += loss * len(idx)
        lp_sum += lp * len(idx)
        correct += ok
        seen += len(idx)
        bar.set_postfix(loss=f"{loss_sum / seen:.3f}", acc=f"{correct / seen:.3f}", refresh=False)
        bar.update()
    if getattr(model, "recalibrate_bn", False):  # residual nets: see pcnn_hw/train/batchnorm.py
        recalibrate_batchnorm(model, ds.train_x, hp["batch_size"])
    test_acc = evaluate(model, ds.test_x, ds.test_y)
    bar.set_postfix(loss=f"{loss_sum / seen:.3f}", acc=f"{correct / seen:.3f}", test=f"{test_acc:.4f}")
    bar.close()
    return {
        "epoch": epoch,
        "lr": lr,
        "train_loss": loss_sum / seen,
        "lp": lp_sum / seen,
        "train_acc": correct / seen,
        "test_acc": test_acc,
        "time_s": time.perf_counter() - start,
    }


def _resolve_dataset(
    dataset: str | Dataset, data_root: str | Path | None, limit_train: int | None
) -> Dataset:
    ds = load_dataset(dataset, root=data_root) if isinstance(dataset, str) else dataset
    if limit_train is not None and limit_train < len(ds.train_y):
        ds = dataclasses.replace(ds, train_x=ds.train_x[:limit_train], train_y=ds.train_y[:limit_train])
    return ds


def _check_resume(state: dict, wanted: dict) -> None:
    """--resume must continue the same run: every setting except --epochs has to match the checkpoint."""
    stored = {
        "model": state["model_name"],
        "quant": dict(state["quant"]),
        "dataset": state["dataset"],
        **{k: v for k, v in state["hparams"].items() if k != "epochs"},
    }
    for key, value in wanted.items():
        if key in stored and stored[key] != value:
            raise ConfigError(
                f"--resume: checkpoint {state['path']} was trained with {key}={stored[key]!r}, "
                f"not {value!r}; use the same settings or a new --out directory"
            )


def train(
    model_name: str,
    cfg: Any,
    dataset: str | Dataset = settings.DEFAULTS["dataset"],
    epochs: int = settings.DEFAULTS["epochs"],
    batch_size: int = settings.DEFAULTS["batch_size"],
    lr: float = settings.DEFAULTS["lr"],
    seed: int = settings.DEFAULTS["seed"],
    out_dir: str | Path = "runs/train",
    resume: bool = False,
    *,
    data_root: str | Path | None = None,
    limit_train: int | None = None,
    threads: int = settings.DEFAULTS["threads"],
    schedule: str = settings.DEFAULTS["schedule"],
    progress: bool = True,
) -> dict[str, Any]:
    """Train `model_name` with quant config `cfg` on `dataset`; return the metrics dict.

    Writes out_dir/checkpoint.pt after every epoch, plus metrics.json and curve.png. With `resume`,
    continues from out_dir/checkpoint.pt bit-exactly (the result equals an uninterrupted run);
    `epochs` may then be raised to train longer. Deterministic for a given seed and thread count.
    Raises ConfigError / UnknownNameError for bad options, DatasetError, CheckpointError.
    """
    from pcnn_hw.models import MODEL_NAMES
    from pcnn_hw.quant import QuantConfig

    settings.validate(epochs, batch_size, lr, seed, limit_train, threads, schedule)
    if model_name not in MODEL_NAMES:
        raise UnknownNameError("model", model_name, MODEL_NAMES)
    cfg = QuantConfig.from_dict(cfg) if isinstance(cfg, dict) else cfg
    hp = {
        "batch_size": batch_size,
        "lr": float(lr),
        "seed": seed,
        "limit_train": limit_train,
        "threads": threads,
        "schedule": schedule,
        "epochs": epochs,
    }
    out = Path(out_dir)
    state = None
    if resume:
        if not (out / CHECKPOINT_NAME).is_file():
            raise CheckpointError(f"--resume: no checkpoint {out / CHECKPOINT_NAME} to continue from")
        state = read_checkpoint(out / CHECKPOINT_NAME)
        ds_name = dataset if isinstance(dataset, str) else dataset.name
        _check_resume(
            state,
            {
                "model": model_name,
                "quant": cfg.to_dict(),
                "dataset": ds_name,
                **{k: v for k, v in hp.items() if k != "epochs"},
            },
        )
    ds = _resolve_dataset(dataset, data_root, limit_train)
    out.mkdir(parents=True, exist_ok=True)

    outer_rng = capture_rng()
    try:
        with settings.deterministic(threads):
            return _run(model_name, cfg, ds, hp, epochs, out, state, data_root, progress)
    finally:
        restore_rng(outer_rng)  # training leaves the caller's global RNG streams untouched


def _run(model_name: str, cfg: Any, ds: Dataset, hp: dict, epochs: int, out: Path, state: dict | None,
         data_root: str | Path | None, progress: bool) -> dict[str, Any]:  # fmt: skip
    """The epoch loop of `train` (options already validated, dataset loaded)."""
    from pcnn_hw.models import build_model

    torch.manual_seed(hp["seed"])
    np.random.seed(hp["seed"])
    random.seed(hp["seed"])
    model = build_model(model_name, cfg, in_shape=ds.in_shape, num_classes=ds.num_classes)
    optimizer = torch.optim.Adam(model.parameters(), lr=hp["lr"])
    history: list[dict] = []
    if state is not None:
        try:
            model.load_state_dict(state["model_state"])
            optimizer.load_state_dict(state["optimizer_state"])
        except (RuntimeError, KeyError, ValueError) as exc:
            raise CheckpointError(f"checkpoint {state['path']} does not fit {model_name!r}: {exc}") from exc
        restore_rng(state["rng"])
        history = list(state["metrics"]["history"])
    metrics = _summary(model_name, cfg, ds, hp, history, data_root)
    for epoch in range(len(history) + 1, epochs + 1):
        history.append(_train_epoch(model, optimizer, cfg, ds, hp, epoch, epochs, progress))
        metrics = _summary(model_name, cfg, ds, hp, history, data_root)
        save_checkpoint(
            out / CHECKPOINT_NAME,
            {
                "model_name": model_name,
                "in_shape": list(ds.in_shape),
                "num_classes": ds.num_classes,
                "quant": cfg.to_dict(),
                "dataset": ds.name,
                "data_root": None if data_root is None else str(data_root),
                "model_state": model.state_dict(),
                "optimizer_state": optimizer.state_dict(),
                "epoch": epoch,
                "rng": capture_rng(),
                "hparams": hp,
                "metrics": metrics,
            },
        )
        write_metrics(out, metrics)
        plot_curve(out, history, title=f"{model_name} / {cfg.kind} J={cfg.projections} / {ds.name}")
    return metrics


def _summary(model_name: str, cfg: Any, ds: Dataset, hp: dict, history: list[dict], data_root) -> dict:
    last = history[-1] if history else {}
    return {
        "model": model_name,
        "quant": cfg.to_dict(),
        "dataset": ds.name,
        "data_root": None if data_root is None else str(data_root),
        "train_size": len(ds.train_y),
        "test_size": len(ds.test_y),
        "hparams": hp,
        "epochs_done": len(history),
        "final_test_acc": last.get("test_acc"),
        "best_test_acc": max((row["test_acc"] for row in history), default=None),
        "total_time_s": sum(row["time_s"] for row in history),
        "history": history,
    }
