"""The MVAU's accumulator and threshold width policy, used by every backend (RTL and HLS), so both give
the same stream formats for the same layer (``tests/hls/test_policy.py`` checks it on real builds).

* Weight bits: 1 for XNOR layers and +-1 weights, else the two's-complement width of the weights.
* Accumulator range ``[lo, hi]``: XNOR popcount ``[0, MW]``; integer input: per output column the sum
  of ``min``/``max`` of ``w * x_lo`` and ``w * x_hi`` over the real weights.
* Width: ``max(signed_bits(min(lo, T.min), max(hi + 1, T.max)), floor)`` with thresholds T (see
  :mod:`pcnn_hw.layers.thresholds`), ``max(signed_bits(lo, hi), floor)`` for the accumulator output of a
  last layer (noActivation), and ``floor = max(in_bits + 2, w_bits + 2, max(4, ceil(log2(SIMD + 1))) + 1)``
  (pcnn_mvau extends inputs, weights and popcounts to ACC_BITS with at least one extra bit).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from pcnn_hw.core.streams import signed_bits

if TYPE_CHECKING:
    from pcnn_hw.layers.mvau import MVAU


def weight_bits(layer: MVAU) -> int:
    """Weight bits as the backends count them (1 for XNOR and +-1 weights)."""
    if layer.xnor or layer.bipolar_weights:
        return 1
    w = np.asarray(layer.weights).astype(np.int64)
    return 1 if set(np.unique(w).tolist()) <= {-1, 1} else signed_bits(int(w.min()), int(w.max()))


def int_acc_range(w: np.ndarray, xlo: int, xhi: int) -> tuple[int, int]:
    """[lo, hi] of the integer accumulators x @ w for inputs in [xlo, xhi] (w: (MW, MH) integers)."""
    w = np.asarray(w, dtype=np.int64)
    lo = int(np.min(np.minimum(w * xlo, w * xhi).sum(0)))
    hi = int(np.max(np.maximum(w * xlo, w * xhi).sum(0)))
    return lo, hi


def acc_floor(in_bits: int, w_bits: int, simd: int) -> int:
    """The least accumulator width (inputs, weights and popcounts sign-extended)."""
    return max(in_bits + 2, w_bits + 2, max(4, math.ceil(math.log2(simd + 1))) + 1)


def mvau_acc_bits(lo: int, hi: int, floor: int, t: np.ndarray | None = None) -> int:
    """Accumulator width: the range [lo, hi] (and [lo, hi + 1] plus the thresholds when thresholded)."""
    if t is None:
        return max(signed_bits(lo, hi), floor)
    return max(signed_bits(min(lo, int(t.min(initial=lo))), max(hi + 1, int(t.max(initial=hi)))), floor)
