"""The threshold and width policy of the HLS kernels: the one of the RTL backend (pcnn_hw/rtl/spec.py),
so both backends give the same stream formats for the same layer.

* Thresholds: an integer accumulator satisfies ``acc >= T`` exactly when ``acc >= ceil(T)``, and a
  threshold below the accumulator range ``[lo, hi]`` is always met (above ``hi + 1`` never), so
  thresholds are ``ceil``-ed, clipped to ``[lo, hi + 1]`` and sorted per channel (the count
  ``#{i : acc >= T[i]}`` does not depend on their order): non-integer thresholds are exact.
* Accumulator (and threshold) width: ``max(signed_bits(min(lo, T.min), max(hi + 1, T.max)), floor)``
  with ``floor = max(in_bits + 2, w_bits + 2, max(4, ceil(log2(SIMD + 1))) + 1)``; the
  accumulator output of a last layer (noActivation) is ``max(signed_bits(lo, hi), floor)`` bits,
  signed.
* Label select output: ``max(bits of outputDataType (default UINT8), ceil(log2(Labels + 1)))`` bits.

Written here (not imported from pcnn_hw.rtl) so the HLS backend does not depend on the RTL one;
``tests/hls/test_policy.py`` checks that both give the same formats on every layer of real builds.
"""

from __future__ import annotations

import math

import numpy as np

from pcnn_hw.hls.dtypes import signed_bits


def full_range(bits: int, signed: bool) -> tuple[int, int]:
    """[lo, hi] of a `bits`-bit stream element (two's complement when signed)."""
    return (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)


def int_thresholds(mem: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Threshold memory image (PE, TMEM, n_steps) as exact integers: ceil, clip to [lo, hi+1], sorted."""
    t = np.ceil(np.asarray(mem, dtype=np.float64))
    return np.sort(np.clip(t, lo, hi + 1).astype(np.int64), axis=2)


def acc_floor(in_bits: int, w_bits: int, simd: int) -> int:
    """The RTL MVAU's least accumulator width (inputs, weights and popcounts sign-extended)."""
    return max(in_bits + 2, w_bits + 2, max(4, math.ceil(math.log2(simd + 1))) + 1)


def mvau_acc_bits(lo: int, hi: int, floor: int, t: np.ndarray | None = None) -> int:
    """Accumulator width: the range [lo, hi] (and [lo, hi + 1] plus the thresholds when thresholded)."""
    if t is None:
        return max(signed_bits(lo, hi), floor)
    return max(signed_bits(min(lo, int(t.min(initial=lo))), max(hi + 1, int(t.max(initial=hi)))), floor)


def label_bits(odt: str, labels: int) -> int:
    """Bits of a label-select index: the output datatype's, at least enough for `labels` labels."""
    b = 1 if odt in ("BINARY", "BIPOLAR") else int(odt.removeprefix("U").removeprefix("INT"))
    return max(b, math.ceil(math.log2(labels + 1)))
