"""CIFAR-10 read from a user-given directory in the standard python-pickle batch format.

Expected layout (as in `cifar-10-python.tar.gz`, extracted): `ROOT/data_batch_1` .. `data_batch_5` and
`ROOT/test_batch` (or the same files under `ROOT/cifar-10-batches-py/`), each a pickled dict with
`b'data'`: uint8 array (N, 3072) in channel-major RGB order and `b'labels'`: N ints in 0..9.
Nothing is downloaded. The pickles are read with a restricted unpickler that only accepts numpy
arrays and plain containers, so a foreign file cannot run code.
"""

from __future__ import annotations

import codecs
import pickle
from pathlib import Path

import numpy as np
import torch

from pcnn_hw.data.dataset import Dataset
from pcnn_hw.errors import DatasetError

TRAIN_FILES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_FILE = "test_batch"
SUBDIR = "cifar-10-batches-py"
LAYOUT = (
    "expected a directory with data_batch_1..data_batch_5 and test_batch (CIFAR-10 python version), "
    "each a pickled dict {b'data': uint8 (N, 3072), b'labels': [N ints 0..9]}"
)

_ALLOWED_GLOBALS = {
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("numpy.core.multiarray", "_reconstruct"): np._core.multiarray._reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): np._core.multiarray._reconstruct,
    ("numpy.core.multiarray", "scalar"): np._core.multiarray.scalar,
    ("numpy._core.multiarray", "scalar"): np._core.multiarray.scalar,
    ("numpy.core.numeric", "_frombuffer"): np._core.numeric._frombuffer,
    ("numpy._core.numeric", "_frombuffer"): np._core.numeric._frombuffer,
    ("_codecs", "encode"): codecs.encode,
}


class _SafeUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> object:
        try:
            return _ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}") from None


def _read_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read one batch file and return (images uint8 (N, 3, 32, 32), labels int64 (N,))."""
    if not path.is_file():
        raise DatasetError(f"CIFAR-10 batch file {path} is missing; {LAYOUT}")
    try:
        with path.open("rb") as fh:
            batch = _SafeUnpickler(fh, encoding="bytes").load()
    except Exception as exc:  # any unpickling failure means a malformed file
        raise DatasetError(f"CIFAR-10 batch file {path} is not a readable pickle ({exc}); {LAYOUT}") from exc
    if not isinstance(batch, dict) or b"data" not in batch or b"labels" not in batch:
        keys = sorted(map(repr, batch)) if isinstance(batch, dict) else type(batch).__name__
        raise DatasetError(f"CIFAR-10 batch file {path} has keys {keys}; {LAYOUT}")
    data, labels = batch[b"data"], np.asarray(batch[b"labels"])
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072:
        shape = getattr(data, "shape", None)
        dtype = getattr(data, "dtype", type(data).__name__)
        raise DatasetError(f"CIFAR-10 batch file {path}: b'data' is {dtype} {shape}; {LAYOUT}")
    if labels.shape != (data.shape[0],) or labels.dtype.kind not in "iu":
        raise DatasetError(
            f"CIFAR-10 batch file {path}: b'labels' has shape {labels.shape} dtype {labels.dtype}, "
            f"expected {data.shape[0]} ints; {LAYOUT}"
        )
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise DatasetError(f"CIFAR-10 batch file {path}: labels outside 0..9; {LAYOUT}")
    return data.reshape(-1, 3, 32, 32), labels.astype(np.int64)


def _resolve_root(root: str | Path | None) -> Path:
    if root is None:
        raise DatasetError(f"dataset 'cifar10' needs a directory (--data-root DIR); {LAYOUT}")
    path = Path(root).expanduser()
    if not path.is_dir():
        raise DatasetError(f"CIFAR-10 directory {path} does not exist; {LAYOUT}")
    if not (path / TEST_FILE).exists() and (path / SUBDIR).is_dir():
        path = path / SUBDIR
    return path


def _to_tensors(images: np.ndarray, labels: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.from_numpy(images).to(torch.float32).div_(255.0)
    return x.contiguous(), torch.from_numpy(labels)


def load_cifar10(root: str | Path | None) -> Dataset:
    """Load CIFAR-10 from `root` (official 50,000 / 10,000 split); 3x32x32 images in [0, 1]."""
    path = _resolve_root(root)
    train = [_read_batch(path / name) for name in TRAIN_FILES]
    test_images, test_labels = _read_batch(path / TEST_FILE)
    train_x, train_y = _to_tensors(
        np.concatenate([b[0] for b in train]), np.concatenate([b[1] for b in train])
    )
    test_x, test_y = _to_tensors(test_images, test_labels)
    return Dataset("cifar10", train_x, train_y, test_x, test_y, in_shape=(3, 32, 32), num_classes=10)
