"""Embedded datasets: shapes, ranges, a stratified split that is fixed and independent of global RNGs."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from pcnn_hw.data import DATASET_NAMES, load_dataset
from pcnn_hw.data.dataset import stratified_split
from pcnn_hw.errors import UnknownNameError


@pytest.fixture(scope="module")
def mnist():
    return load_dataset("mnist5k")


def test_mnist5k_shapes_and_ranges(mnist):
    assert mnist.name == "mnist5k"
    assert mnist.in_shape == (1, 28, 28) and mnist.num_classes == 10
    assert mnist.train_x.shape == (4000, 1, 28, 28) and mnist.test_x.shape == (1000, 1, 28, 28)
    assert mnist.train_x.dtype == torch.float32 and mnist.train_y.dtype == torch.int64
    assert float(mnist.train_x.min()) == 0.0 and float(mnist.train_x.max()) == 1.0
    # stratified: 400 / 100 per class, and not sorted by class any more
    assert torch.bincount(mnist.train_y).tolist() == [400] * 10
    assert torch.bincount(mnist.test_y).tolist() == [100] * 10
    assert len(set(mnist.train_y[:50].tolist())) > 5


def test_mnist5k_train_and_test_are_disjoint(mnist):
    train = {row.numpy().tobytes() for row in mnist.train_x.reshape(4000, -1)}
    overlap = sum(row.numpy().tobytes() in train for row in mnist.test_x.reshape(1000, -1))
    assert overlap == 0


def test_split_ignores_global_rng_state(mnist):
    torch.manual_seed(123)
    np.random.seed(456)
    again = load_dataset("mnist5k")
    assert torch.equal(again.train_y, mnist.train_y) and torch.equal(again.test_x, mnist.test_x)
    assert torch.equal(again.train_x, mnist.train_x)


def test_stratified_split_is_a_partition_and_seed_dependent():
    labels = np.repeat(np.arange(4), 25)
    tr, te = stratified_split(labels, 0.2)
    assert sorted(np.concatenate([tr, te]).tolist()) == list(range(100))
    assert np.bincount(labels[te]).tolist() == [5] * 4
    tr2, _ = stratified_split(labels, 0.2, seed=1)
    assert not np.array_equal(tr, tr2)


def test_digits_tiny_option():
    ds = load_dataset("digits")
    assert ds.in_shape == (1, 8, 8) and ds.num_classes == 10
    assert ds.train_x.shape[0] + ds.test_x.shape[0] == 1797
    assert ds.train_x.shape[1:] == (1, 8, 8)
    assert 0.0 <= float(ds.train_x.min()) and float(ds.train_x.max()) == 1.0


def test_unknown_dataset_name():
    with pytest.raises(UnknownNameError, match="unknown dataset 'imagenet'.*mnist5k"):
        load_dataset("imagenet")
    assert set(DATASET_NAMES) == {"mnist5k", "digits", "cifar10"}
