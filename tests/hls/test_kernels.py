"""Every HLS kernel against the layer definitions of pcnn_hw/layers, on random data and random small
foldings; all cases of a seed are compiled into one testbench (cached by content hash)."""

from __future__ import annotations

import numpy as np
import pytest

from pcnn_hw.hls.kerneltb_dag import all_cases
from pcnn_hw.hls.kerneltb_run import run_cases


def _check(tc, cache_dir, tmp_path, seed: int, per_kind: int) -> None:
    cases = all_cases(seed=seed, per_kind=per_kind)
    out, warnings = run_cases(cases, tmp_path / "kernels", tc, cache_dir, name=f"kernels_s{seed}")
    assert warnings.strip() == "", f"our kernel code is not warning-free:\n{warnings}"
    bad = []
    for c in cases:
        got = out[c.name]
        if got.shape != c.expected.shape or not np.array_equal(got, c.expected):
            bad.append(f"{c.name} {c.tb}<{c.targs}>: got {got.ravel()[:12]}, want {c.expected.ravel()[:12]}")
    assert not bad, "\n".join(bad)


def test_kernels_random_foldings(tc, cache_dir, tmp_path):
    """3 random foldings of each of the 17 kernel variants (12 chain, 4 residual kinds, fractional
    thresholds through the threshold policy), bit for bit."""
    _check(tc, cache_dir, tmp_path, seed=0, per_kind=3)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kernels_more_foldings(tc, cache_dir, tmp_path, seed):
    """More random foldings (one compilation per seed)."""
    _check(tc, cache_dir, tmp_path, seed=seed, per_kind=4)
