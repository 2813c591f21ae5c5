"""The `Dataset` record every loader returns, and the deterministic stratified split they share."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

# Seed of the fixed train/test split. A local generator is used, so the split does not depend on
# (and does not disturb) the global numpy / torch RNG state.
SPLIT_SEED = 20190127


@dataclass(frozen=True, eq=False)
class Dataset:
    """An in-memory image-classification dataset.

    `train_x` / `test_x` are float32 NCHW tensors in [0, 1]; `train_y` / `test_y` are int64 labels in
    `[0, num_classes)`; `in_shape` is `(C, H, W)`.
    """

    name: str
    train_x: torch.Tensor
    train_y: torch.Tensor
    test_x: torch.Tensor
    test_y: torch.Tensor
    in_shape: tuple[int, int, int]
    num_classes: int

    def __repr__(self) -> str:
        return (
            f"Dataset({self.name!r}, train={len(self.train_y)}, test={len(self.test_y)}, "
            f"in_shape={self.in_shape}, num_classes={self.num_classes})"
        )


def stratified_split(
    labels: np.ndarray, test_fraction: float, seed: int = SPLIT_SEED
) -> tuple[np.ndarray, np.ndarray]:
    """Return (train_idx, test_idx): per class, a fixed random `test_fraction` goes to test.

    Both index arrays are shuffled (with the same local generator) so that neither is sorted by class.
    """
    rng = np.random.default_rng(seed)
    train_parts, test_parts = [], []
    for cls in np.unique(labels):
        idx = np.flatnonzero(labels == cls)
        idx = idx[rng.permutation(len(idx))]
        n_test = int(round(len(idx) * test_fraction))
        test_parts.append(idx[:n_test])
        train_parts.append(idx[n_test:])
    train_idx = np.concatenate(train_parts)
    test_idx = np.concatenate(test_parts)
    return train_idx[rng.permutation(len(train_idx))], test_idx[rng.permutation(len(test_idx))]


def from_arrays(
    name: str,
    images: np.ndarray,
    labels: np.ndarray,
    in_shape: tuple[int, int, int],
    scale: float,
    test_fraction: float,
) -> Dataset:
    """Build a `Dataset` from flat images (N, C*H*W) with values in [0, scale] and a stratified split."""
    x = torch.from_numpy(np.array(images, dtype=np.float32) / np.float32(scale))
    x = x.reshape(-1, *in_shape)
    y = torch.from_numpy(np.array(labels, dtype=np.int64))
    train_idx, test_idx = stratified_split(np.asarray(labels), test_fraction)
    tr, te = torch.from_numpy(train_idx), torch.from_numpy(test_idx)
    return Dataset(
        name=name,
        train_x=x[tr].contiguous(),
        train_y=y[tr].contiguous(),
        test_x=x[te].contiguous(),
        test_y=y[te].contiguous(),
        in_shape=tuple(int(d) for d in in_shape),
        num_classes=int(labels.max()) + 1,
    )
