"""MVAU arithmetic helpers: the exact integer matrix product, the plain numpy reference and output
unpacking (the bit-exact layer itself is :class:`pcnn_hw.layers.mvau.MVAU`)."""

from __future__ import annotations

import numpy as np

from pcnn_hw.core.bits import PackedBits, run_chunked


def exact_int_matmul(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Integer matrix product x (M, K) @ w (K, H), exact, via BLAS in row chunks on several threads.

    float32 is used when every partial sum is below 2**24 (the result is then a float32 array holding
    exact integers), float64 when below 2**53, int64 otherwise.
    """
    m, k = x.shape
    bound = float(np.abs(x).max(initial=0)) * float(np.abs(w).max(initial=0)) * k
    if bound >= 2**53:
        return x.astype(np.int64) @ w.astype(np.int64)
    ft = np.float32 if bound < 2**24 else np.float64
    wf = w.astype(ft)
    out = np.empty((m, w.shape[1]), ft)

    def work(s: int, e: int) -> None:
        np.matmul(x[s:e].astype(ft), wf, out=out[s:e])

    run_chunked(work, m, 8192)
    return out



def reference_mvau(
    x: np.ndarray,
    w: np.ndarray,
    thr: np.ndarray | None,
    xnor: bool,
    out_dtype: str = "BINARY",
    act_val: int = 0,
) -> np.ndarray:
    """Plain numpy reference (unpacked, no folding): x (M, MW) bits/ints, w (MW, MH) -> (M, MH) ints."""
    if xnor:
        xb, wb = 2 * np.asarray(x, np.int64) - 1, 2 * np.asarray(w, np.int64) - 1
        acc = (xb @ wb + w.shape[0]) // 2
    else:
        acc = np.asarray(x, np.int64) @ np.asarray(w, np.int64)
    if thr is None:
        return acc
    t = np.broadcast_to(thr, (w.shape[1], thr.shape[-1]))
    cnt = (acc[..., None] >= t).sum(-1)
    return 2 * cnt - 1 if out_dtype == "BIPOLAR" else cnt + act_val


def unpack_output(y: np.ndarray | PackedBits) -> np.ndarray:
    """Layer output as a plain integer array (bits unpacked)."""
    if isinstance(y, PackedBits):
        return y.to_bits().astype(np.int64)
    return np.asarray(y)


