"""Shared fixtures: a small slice of MNIST-5k so training tests run in seconds."""

from __future__ import annotations

import pytest

from pcnn_hw.data import Dataset, load_dataset


@pytest.fixture(scope="session")
def mnist_small() -> Dataset:
    """240 training and 200 test images of MNIST-5k (already shuffled and stratified by the loader)."""
    ds = load_dataset("mnist5k")
    return Dataset(
        "mnist5k", ds.train_x[:240], ds.train_y[:240], ds.test_x[:200], ds.test_y[:200], ds.in_shape, 10
    )
