"""Training hyperparameters: defaults, validation (ConfigError naming the option), determinism context."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from pcnn_hw.errors import ConfigError

if TYPE_CHECKING:
    import torch

# Defaults shared by train() and the CLI (this module stays torch-free at import, for a fast --help).
DEFAULTS = {
    "model": "sfc",
    "dataset": "mnist5k",
    "epochs": 10,
    "batch_size": 100,
    "lr": 2e-3,
    "seed": 0,
    "threads": 1,
    "schedule": "cosine",
}
SCHEDULES = ("cosine", "constant")


def validate(
    epochs: int, batch_size: int, lr: float, seed: int, limit_train: int | None, threads: int, schedule: str
) -> None:
    """Raise ConfigError naming the first bad option (checked before any data or model is loaded)."""
    checks = [
        ("--epochs", epochs, isinstance(epochs, int) and epochs >= 1, "an integer >= 1"),
        ("--batch-size", batch_size, isinstance(batch_size, int) and batch_size >= 1, "an integer >= 1"),
        ("--lr", lr, isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0, "a finite number > 0"),
        ("--seed", seed, isinstance(seed, int) and 0 <= seed < 2**31, "an integer in [0, 2^31)"),
        (
            "--limit-train",
            limit_train,
            limit_train is None or (isinstance(limit_train, int) and limit_train >= 1),
            "an integer >= 1",
        ),
        ("--threads", threads, isinstance(threads, int) and threads >= 1, "an integer >= 1"),
        ("--schedule", schedule, schedule in SCHEDULES, f"one of {', '.join(SCHEDULES)}"),
    ]
    for option, value, ok, expected in checks:
        if not ok:
            raise ConfigError(f"{option} must be {expected}, got {value!r}")


def lr_at(base_lr: float, epoch: int, epochs: int, schedule: str) -> float:
    """Learning rate for 1-based `epoch` of `epochs`: cosine decay from base_lr towards 0, or constant."""
    if schedule == "constant":
        return base_lr
    return base_lr * 0.5 * (1.0 + math.cos(math.pi * (epoch - 1) / epochs))


def epoch_permutation(n: int, seed: int, epoch: int) -> torch.Tensor:
    """The sample order of one epoch: a function of (seed, epoch) only, so resume needs no extra state."""
    import torch

    generator = torch.Generator().manual_seed(seed * 100_003 + epoch)
    return torch.randperm(n, generator=generator)


@contextmanager
def deterministic(threads: int) -> Iterator[None]:
    """Fix torch's thread count and enable deterministic algorithms; restore both on exit."""
    import torch

    prev_threads = torch.get_num_threads()
    prev_mode = torch.are_deterministic_algorithms_enabled()
    prev_warn = torch.is_deterministic_algorithms_warn_only_enabled()
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True, warn_only=True)
    try:
        yield
    finally:
        torch.set_num_threads(prev_threads)
        torch.use_deterministic_algorithms(prev_mode, warn_only=prev_warn)
