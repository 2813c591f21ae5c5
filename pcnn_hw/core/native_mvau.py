"""The native MVAU kernels' data layout and call wrapper (`NativeMvau`), numpy only.

The compiled extension is built and loaded by `pcnn_hw.sim.native` (`load()`) and handed in as the
`kernels` module argument, so a layer kind (`pcnn_hw.layers.mvau`) can run on the native kernels
without importing the simulator package (#11; `pcnn_hw.sim.native` re-exports these names). The
layouts must match `pcnn_hw/sim/native/kernels.c`.
"""

from __future__ import annotations

import os
from types import ModuleType

import numpy as np

H_BLOCK = 16  # outputs per weight block (kernels.c)


def block_weights(w_words: np.ndarray) -> np.ndarray:
    """Packed XNOR weights (H, NW) -> the kernels' blocked layout (ceil(H / 16), NW, 16), zero-padded."""
    h, nw = w_words.shape
    hp = -(-h // H_BLOCK) * H_BLOCK
    padded = np.zeros((hp, nw), np.uint64)
    padded[:h] = w_words
    return np.ascontiguousarray(padded.reshape(hp // H_BLOCK, H_BLOCK, nw).transpose(0, 2, 1))


def block_int_weights(w: np.ndarray) -> np.ndarray:
    """Integer weights (K, H) -> the kernels' layout (ceil(H / 16), ceil(K / 2), 16, 2) int16, zero-padded."""
    k, h = w.shape
    kp, hp = -(-k // 2), -(-h // H_BLOCK) * H_BLOCK
    padded = np.zeros((2 * kp, hp), np.int16)
    padded[:k, :h] = w
    # [b][kp][l][pair] = w[2 kp + pair][16 b + l]
    return np.ascontiguousarray(padded.reshape(kp, 2, hp // H_BLOCK, H_BLOCK).transpose(2, 0, 3, 1))


def pad_thresholds(thresholds: np.ndarray, h: int) -> np.ndarray:
    """(H,) thresholds -> the kernels' int32 form: rounded up (P >= t <=> P >= ceil(t) for integer P),
    clipped to (INT32_MIN, INT32_MAX] (NaN and +inf: never reached), zero-padded to whole 16-output
    blocks."""
    t = np.asarray(thresholds, np.float64).reshape(-1)
    if t.size != h:
        raise ValueError(f"{t.size} thresholds for {h} outputs")
    out = np.zeros(-(-h // H_BLOCK) * H_BLOCK, np.int32)
    t = np.where(np.isnan(t), np.inf, t)  # P >= NaN is false, as P >= +inf
    out[:h] = np.clip(np.ceil(t), -(2**31) + 1, 2**31 - 1)
    return out


def default_threads() -> int:
    """Threads the kernels may use: the CPUs this process may run on (at most 16)."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        n = os.cpu_count() or 1
    return max(1, min(16, n))


class NativeMvau:
    """One MVAU's accumulators (and fused thresholding) with the native kernels, for fixed weights.

    kind 'xnor': `weights` are packed XNOR weight rows (H, NW) uint64 (packed like the inputs) and
    `k_bits` the number K of real bits, P = K - popcount(x XOR w); inputs are packed rows (M, NW).
    kind 'int': `weights` (K, H) integers, P = x @ w; inputs (M, K) integers. Exact only while
    |x| * |w| < 2**15 and K * that < 2**31: `int_fits` says whether given input and weight ranges do.
    `kernels` is the module from `load()`.
    """

    def __init__(self, kernels: ModuleType, kind: str, weights: np.ndarray, k_bits: int = 0,
                 threads: int | None = None) -> None:
        if kind not in ("xnor", "int"):
            raise ValueError(f"kind {kind!r}: expected 'xnor' or 'int'")
        self.kernels, self.kind = kernels, kind
        self.threads = threads if threads is not None else default_threads()
        self.k_bits = int(k_bits)
        if kind == "xnor":
            self.h, self.n_in = (int(v) for v in weights.shape)
            self.blocked = block_weights(np.asarray(weights, np.uint64))
            self.dtype = np.dtype(np.uint64)
            self._acc, self._thr = kernels.xnor_acc, kernels.xnor_threshold_bits
            self._tail: tuple[int, ...] = (self.k_bits, self.threads)
        else:
            self.n_in, self.h = (int(v) for v in weights.shape)
            self.blocked = block_int_weights(np.asarray(weights))
            self.dtype = np.dtype(np.int16)
            self._acc, self._thr = kernels.int_acc, kernels.int_threshold_bits
            self._tail = (self.threads,)
        self.padded_h = -(-self.h // H_BLOCK) * H_BLOCK
        self.out_words = -(-self.h // 64)

    @staticmethod
    def int_fits(x_range: tuple[float, float], w_range: tuple[float, float], k: int) -> bool:
        """True if the int kernel is exact for inputs and weights in these (min, max) ranges."""
        xm = max(abs(float(x_range[0])), abs(float(x_range[1])))
        wm = max(abs(float(w_range[0])), abs(float(w_range[1])))
        return xm * wm < 2**15 and xm < 2**15 and wm < 2**15 and 2 * xm * wm * max(1, k) < 2**31

    def _rows(self, x: np.ndarray) -> np.ndarray:
        if x.dtype == self.dtype and x.ndim == 2 and x.shape[1] == self.n_in and x.flags.c_contiguous:
            return x  # the common case, checked cheaply (this runs once per layer and batch)
        x = np.ascontiguousarray(x, self.dtype)
        if x.ndim != 2 or x.shape[1] != self.n_in:
            raise ValueError(f"input rows {x.shape} do not match the weights' {self.n_in} per row")
        return x

    def accumulate(self, x: np.ndarray) -> tuple[np.ndarray, tuple[int, int]]:
        """P (M, H) int32 for input rows (M, NW or K), and (min P, max P)."""
        x = self._rows(x)
        m = x.shape[0]
        out = np.empty((m, self.h), np.int32)
        return out, self._acc(x, self.blocked, out, m, self.n_in, self.h, *self._tail)

    def threshold_bits(self, x: np.ndarray, thresholds: np.ndarray) -> tuple[np.ndarray, tuple[int, int]]:
        """Packed output bits (M, ceil(H / 64)) uint64, bit h of row i = P[i, h] >= thresholds[h], and
        (min P, max P) (min > max when M = 0). `thresholds`: (H,) values or the `pad_thresholds` form."""
        x = self._rows(x)
        m = x.shape[0]
        out = np.empty((m, self.out_words), np.uint64)
        if thresholds.dtype != np.int32 or thresholds.size != self.padded_h:
            thresholds = pad_thresholds(thresholds, self.h)
        return out, self._thr(x, self.blocked, thresholds, out, m, self.n_in, self.h, *self._tail)
