"""Option validation and the learning-rate / shuffling schedules."""

from __future__ import annotations

import pytest
import torch

from pcnn_hw.errors import ConfigError
from pcnn_hw.train.settings import deterministic, epoch_permutation, lr_at, validate

GOOD = {"epochs": 2, "batch_size": 8, "lr": 1e-3, "seed": 0, "limit_train": None, "threads": 1,
        "schedule": "cosine"}  # fmt: skip


@pytest.mark.parametrize(
    "key, value, option",
    [("epochs", 0, "--epochs"), ("batch_size", 2.5, "--batch-size"), ("lr", 0.0, "--lr"),
     ("seed", -1, "--seed"), ("limit_train", 0, "--limit-train"), ("threads", 0, "--threads"),
     ("schedule", "step", "--schedule")],
)  # fmt: skip
def test_validate_names_the_option(key, value, option):
    validate(**GOOD)
    with pytest.raises(ConfigError, match=f"^{option} must be"):
        validate(**{**GOOD, key: value})


def test_cosine_schedule():
    assert lr_at(1.0, 1, 4, "cosine") == 1.0
    assert lr_at(1.0, 3, 4, "cosine") == pytest.approx(0.5)
    assert 0 < lr_at(1.0, 4, 4, "cosine") < 0.2
    assert lr_at(0.3, 4, 4, "constant") == 0.3


def test_epoch_permutation_depends_only_on_seed_and_epoch():
    torch.manual_seed(0)
    a = epoch_permutation(50, 1, 2)
    torch.manual_seed(1)
    assert torch.equal(a, epoch_permutation(50, 1, 2))
    assert not torch.equal(a, epoch_permutation(50, 1, 3))
    assert sorted(a.tolist()) == list(range(50))


def test_deterministic_context_restores_torch_settings():
    before = (torch.get_num_threads(), torch.are_deterministic_algorithms_enabled())
    with deterministic(threads=1):
        assert torch.get_num_threads() == 1 and torch.are_deterministic_algorithms_enabled()
    assert (torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()) == before
