"""Datasets for pcnn-hw: embedded MNIST-5k (default), sklearn 8x8 digits, CIFAR-10 from a directory.

```python
from pcnn_hw.data import load_dataset, DATASET_NAMES
ds = load_dataset("mnist5k")            # root=DIR required for "cifar10"
ds.train_x  # float32 NCHW in [0, 1];  ds.train_y  # int64
```
Nothing downloads; a missing or malformed dataset raises `pcnn_hw.errors.DatasetError`.
"""

from __future__ import annotations

from pathlib import Path

from pcnn_hw.data.dataset import Dataset
from pcnn_hw.errors import DatasetError, UnknownNameError

DATASET_NAMES = ("mnist5k", "digits", "cifar10")
DEFAULT_DATASET = "mnist5k"

__all__ = ["DATASET_NAMES", "DEFAULT_DATASET", "Dataset", "DatasetError", "load_dataset"]


def load_dataset(name: str, root: str | Path | None = None) -> Dataset:
    """Load dataset `name` (one of DATASET_NAMES); `root` is the directory for file-based sets (cifar10).

    Raises UnknownNameError for an unknown name and DatasetError for missing or malformed files.
    """
    if name == "mnist5k":
        from pcnn_hw.data.mnist5k import load_mnist5k

        return load_mnist5k()
    if name == "digits":
        from pcnn_hw.data.digits import load_digits8x8

        return load_digits8x8()
    if name == "cifar10":
        from pcnn_hw.data.cifar10 import load_cifar10

        return load_cifar10(root)
    raise UnknownNameError("dataset", name, DATASET_NAMES)
