"""Bit packing and XNOR-popcount arithmetic shared by the layer kinds, the simulator and the backends.

Moved here from `pcnn_hw.sim.packing` (removed) so that `pcnn_hw.layers`
does not import the simulator (#11). The word packer itself is the board-side driver's
(`pcnn_hw.driver.packing`): one definition of the bit order on the host and on the board.

Conventions (shared with the layer definitions in `pcnn_hw.layers`):

* A bipolar value v in {-1, +1} is stored as the bit b = (v + 1) / 2, i.e. -1 -> 0 and +1 -> 1, the same
  encoding FINN uses for BINARY tensors in XNOR mode.
* Bits are packed along the last (channel) axis into little-endian uint64 words: element i of a vector
  lands in word i // 64, bit i % 64. A vector of C bits takes ceil(C / 64) words; the padding bits are 0.
* A packed binary tensor may consist of several *segments* (e.g. the KH*KW pixels of a sliding window,
  each C bits long); each segment is padded to a word boundary on its own, so a window can be gathered
  from whole words without bit shifting. Weights are packed with the same segmentation, and since
  padding bits are 0 on both sides they never produce a mismatch: popcount(x XOR w) counts exactly the
  mismatching real bits, and the XNOR popcount is P = K - popcount(x XOR w).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

# The packing functions live in the board-side driver package (pure numpy, numpy >= 1.21) so the driver
# and the simulator share one definition.
from pcnn_hw.driver.packing import WORD_BITS, n_words, pack_bits, unpack_bits

__all__ = [
    "WORD_BITS",
    "PackedBits",
    "bipolar_to_bits",
    "bits_to_bipolar",
    "blas_single_thread",
    "n_words",
    "pack_bits",
    "pack_matrix_rows",
    "popcount",
    "run_chunked",
    "unpack_bits",
    "xnor_popcount_matmul",
]

if hasattr(np, "bitwise_count"):  # numpy >= 2

    def popcount(words: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Number of set bits of every uint64 element (uint8 result)."""
        return np.bitwise_count(words, out=out)

else:  # pragma: no cover - numpy < 2 fallback (byte lookup table)
    _POP8 = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)

    def popcount(words: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Number of set bits of every uint64 element (uint8 result), numpy < 2 fallback."""
        b = np.ascontiguousarray(words).view(np.uint8).reshape(words.shape + (8,))
        res = _POP8[b].sum(axis=-1, dtype=np.uint8)
        if out is not None:
            out[...] = res
            return out
        return res


def bipolar_to_bits(x: np.ndarray) -> np.ndarray:
    """Map bipolar values {-1, +1} (any sign-carrying array) to bits {0, 1} (uint8): +1 -> 1, -1 -> 0."""
    return (np.asarray(x) > 0).astype(np.uint8)


def bits_to_bipolar(b: np.ndarray) -> np.ndarray:
    """Map bits {0, 1} to bipolar values {-1, +1} (int8)."""
    return (2 * np.asarray(b, dtype=np.int8) - 1).astype(np.int8)


@dataclass
class PackedBits:
    """A binary tensor packed along its channel axis.

    `words` has shape (N, *spatial, n_segs * words_per_seg); the logical tensor has shape
    (N, *spatial, n_segs * seg_bits), where each segment of `seg_bits` bits is padded to whole words.
    """

    words: np.ndarray
    seg_bits: int
    n_segs: int = 1

    @property
    def words_per_seg(self) -> int:
        """Words used by one segment."""
        return n_words(self.seg_bits)

    @property
    def n_bits(self) -> int:
        """Logical length of the last axis in bits."""
        return self.seg_bits * self.n_segs

    @property
    def shape(self) -> tuple[int, ...]:
        """Logical (unpacked) shape."""
        return tuple(self.words.shape[:-1]) + (self.n_bits,)

    @classmethod
    def from_bits(cls, bits: np.ndarray, seg_bits: int | None = None) -> PackedBits:
        """Pack a {0,1} array whose last axis is n_segs * seg_bits long (default: one segment)."""
        bits = np.asarray(bits)
        c = bits.shape[-1]
        seg = c if seg_bits is None else int(seg_bits)
        s = c // seg
        w = pack_bits(bits.reshape(bits.shape[:-1] + (s, seg)))
        return cls(w.reshape(bits.shape[:-1] + (s * w.shape[-1],)), seg, s)

    def to_bits(self) -> np.ndarray:
        """Unpack to a {0,1} uint8 array of the logical shape."""
        lead = self.words.shape[:-1]
        w = self.words.reshape(lead + (self.n_segs, self.words_per_seg))
        return unpack_bits(w, self.seg_bits).reshape(lead + (self.n_bits,))

    def flatten_spatial(self) -> PackedBits:
        """Merge all non-batch axes into segments: (N, *spatial, S*Wd) -> (N, prod(spatial)*S*Wd)."""
        n = self.words.shape[0]
        sp = int(np.prod(self.words.shape[1:-1], dtype=np.int64))
        return PackedBits(self.words.reshape(n, -1), self.seg_bits, self.n_segs * sp)


def pack_matrix_rows(bits: np.ndarray, seg_bits: int) -> np.ndarray:
    """Pack a (rows, K) {0,1} matrix row-wise with segments of `seg_bits` bits -> (rows, S*Wd) uint64."""
    rows, k = bits.shape
    s = k // seg_bits
    w = pack_bits(bits.reshape(rows, s, seg_bits))
    return np.ascontiguousarray(w.reshape(rows, -1))


def _default_threads() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def run_chunked(fn: Callable[[int, int], None], m: int, chunk: int, threads: int | None = None) -> None:
    """Call fn(start, end) over [0, m) in chunks of `chunk` rows, on several threads when worthwhile."""
    starts = list(range(0, m, chunk))
    nthreads = threads if threads is not None else _default_threads()
    if nthreads > 1 and len(starts) > 1:
        with ThreadPoolExecutor(nthreads) as ex:
            list(ex.map(lambda s: fn(s, min(m, s + chunk)), starts))
    else:
        for s in starts:
            fn(s, min(m, s + chunk))


@contextmanager
def blas_single_thread() -> Iterator[None]:
    """Limit BLAS to one thread (the simulator threads over row chunks itself; OpenBLAS's own
    threads cost more than they give on small matrices, badly so on a busy machine)."""
    global _BLAS_CONTROLLER
    try:
        if _BLAS_CONTROLLER is None:
            from threadpoolctl import ThreadpoolController

            _BLAS_CONTROLLER = ThreadpoolController()
        ctx = _BLAS_CONTROLLER.limit(limits=1, user_api="blas")
    except Exception:  # threadpoolctl missing or unusable: run as is
        yield
        return
    with ctx:
        yield


_BLAS_CONTROLLER: Any = None


# from this many rows on, use the transposed layout: XOR long contiguous rows of the input (one word
# position, all rows) against a few scalar weight words at a time; numpy's loops with a stride-0
# operand over a long inner axis are SIMD, its short broadcast loops are not
TRANSPOSED_MIN_ROWS = 8192
_H_BLOCK = 8  # output channels per block in the transposed layout
_M_BLOCK = 16384  # rows per block in the transposed layout


def _xnor_popcount_transposed(
    xt: np.ndarray, w_words: np.ndarray, k_bits: int, threads: int | None
) -> np.ndarray:
    """`xnor_popcount_matmul` for many rows: xt (W, M) is the transposed input; returns (M, H)."""
    nw, m = xt.shape
    h = w_words.shape[0]
    wt = np.ascontiguousarray(w_words.T)  # (W, H)
    mism = np.empty((h, m), np.uint16 if k_bits < 65536 else np.uint32)

    def work(h0: int, h1: int) -> None:
        for s in range(0, m, _M_BLOCK):
            e = min(m, s + _M_BLOCK)
            n = e - s
            buf = np.empty((_H_BLOCK, n), np.uint64)
            cnt = np.empty((_H_BLOCK, n), np.uint8)
            grp = np.empty((_H_BLOCK, n), np.uint8)
            for b0 in range(h0, h1, _H_BLOCK):
                b1 = min(h1, b0 + _H_BLOCK)
                hb = b1 - b0
                acc = mism[b0:b1, s:e]
                acc[...] = 0
                for g in range(0, nw, 3):  # <= 3 * 64 = 192 fits uint8
                    for j in range(g, min(nw, g + 3)):
                        np.bitwise_xor(xt[j, None, s:e], wt[j, b0:b1, None], out=buf[:hb])
                        if j == g:
                            popcount(buf[:hb], out=grp[:hb])
                        else:
                            popcount(buf[:hb], out=cnt[:hb])
                            np.add(grp[:hb], cnt[:hb], out=grp[:hb])
                    np.add(acc, grp[:hb], out=acc)

    nthreads = threads if threads is not None else _default_threads()
    per = -(-h // max(1, nthreads))
    per = -(-per // _H_BLOCK) * _H_BLOCK
    run_chunked(work, h, per, threads)
    return (k_bits - mism.astype(np.int32)).T


def xnor_popcount_matmul(
    x_words: np.ndarray, w_words: np.ndarray, k_bits: int, threads: int | None = None, chunk: int = 1024
) -> np.ndarray:
    """XNOR-popcount of every row of `x_words` (M, W) against every row of `w_words` (H, W).

    Returns P (M, H) int32, the number of matching bits of the K = `k_bits` real bits:
    P = K - sum_w popcount(x XOR w). Rows are processed in cache-sized chunks, on `threads` threads
    (numpy releases the GIL in its ufuncs).
    """
    m, nw = x_words.shape
    h = w_words.shape[0]
    xt = np.ascontiguousarray(x_words.T)  # (W, M): each word column contiguous
    if m >= TRANSPOSED_MIN_ROWS:
        return _xnor_popcount_transposed(xt, w_words, k_bits, threads)
    wt = np.ascontiguousarray(w_words.T)  # (W, H)
    mism = np.empty((m, h), np.uint16 if k_bits < 65536 else np.uint32)
    ch = max(64, chunk)

    def work(s: int) -> None:
        e = min(m, s + ch)
        n = e - s
        buf = np.empty((n, h), np.uint64)
        cnt = np.empty((n, h), np.uint8)
        grp = np.empty((n, h), np.uint8)
        acc = mism[s:e]
        acc[...] = 0
        # sum up to 3 word popcounts (<= 192) in uint8 before widening: fewer mixed-type adds
        for g in range(0, nw, 3):
            for j in range(g, min(nw, g + 3)):
                np.bitwise_xor(xt[j, s:e, None], wt[j][None, :], out=buf)
                if j == g:
                    popcount(buf, out=grp)
                else:
                    popcount(buf, out=cnt)
                    np.add(grp, cnt, out=grp)
            np.add(acc, grp, out=acc)

    starts = range(0, m, ch)
    nthreads = threads if threads is not None else _default_threads()
    if nthreads > 1 and len(starts) > 1:
        with ThreadPoolExecutor(nthreads) as ex:
            list(ex.map(work, starts))
    else:
        for s in starts:
            work(s)
    return k_bits - mism.astype(np.int32)
