"""Small random datasets in the on-disk formats the loaders read, for tests and offline demos."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

from pcnn_hw.data.cifar10 import TEST_FILE, TRAIN_FILES


def write_fake_cifar10(root: str | Path, images_per_batch: int = 6, seed: int = 0) -> list[dict]:
    """Write data_batch_1..5 and test_batch of random images into `root` in CIFAR-10's pickle format.

    Returns the written batch dicts (keys b'batch_label', b'data' uint8 (N, 3072), b'labels').
    The files use pickle protocols 2..5 in turn, as files written by different Pythons would.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    batches = []
    for i, name in enumerate((*TRAIN_FILES, TEST_FILE)):
        batch = {
            b"batch_label": f"synthetic {name}".encode(),
            b"data": rng.integers(0, 256, size=(images_per_batch, 3072), dtype=np.uint8),
            b"labels": rng.integers(0, 10, size=images_per_batch).tolist(),
        }
        (root / name).write_bytes(pickle.dumps(batch, protocol=2 + i % 4))
        batches.append(batch)
    return batches
