"""scikit-learn's 8x8 handwritten digits (1,797 images): a tiny dataset for quick checks."""

from __future__ import annotations

from pcnn_hw.data.dataset import Dataset, from_arrays


def load_digits8x8() -> Dataset:
    """Load sklearn's digits as 1x8x8 images scaled from 0..16 to [0, 1], stratified 80/20 split."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    return from_arrays("digits", bunch.data, bunch.target, (1, 8, 8), scale=16.0, test_fraction=0.2)
