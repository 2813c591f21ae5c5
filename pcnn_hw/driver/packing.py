"""Bit packing shared by the board-side driver and the bit-exact simulator (pure numpy >= 1.21).

Two layouts, one bit order (little-endian: element 0 in the least significant bits):

* **Words** (`pack_bits` / `unpack_bits`): a {0,1} vector packed along its last axis into uint64 words,
  bit i in word i // 64 at position i % 64, padding bits 0. This is the simulator's internal layout
  (`pcnn_hw.core.bits` builds on these two functions).
* **Stream** (`pack_stream` / `unpack_stream`): what travels over the accelerator's AXI-Stream and so
  what the DMA reads from / writes to memory. Each image is a sequence of stream words; a word carries
  `elems_per_word` elements (the first/last layer's SIMD/PE) of `bits` bits each, element 0 in the
  least significant bits, and is padded with zero bits to a whole number of bytes. Words are stored
  little-endian, one after another. This is FINN's convention (its drivers pack with
  `reverse_endian=True, reverse_inner=True`). For 1-bit elements and `elems_per_word` a multiple of 64
  the stream bytes are exactly the bytes of `pack_bits`' uint64 words.

Nothing here needs numpy 2 (no `np.bitwise_count`), so it runs on a PYNQ image.
"""

from __future__ import annotations

import numpy as np

WORD_BITS = 64


def n_words(n_bits: int) -> int:
    """Number of uint64 words needed for `n_bits` bits."""
    return -(-int(n_bits) // WORD_BITS)


def pack_bits(bits: np.ndarray) -> np.ndarray:
    """Pack a {0,1} array along its last axis into uint64 words (shape (..., ceil(C/64)))."""
    bits = np.asarray(bits)
    c = bits.shape[-1]
    nw = n_words(c)
    if bits.dtype != np.bool_ and bits.dtype != np.uint8:
        bits = bits.astype(np.uint8)
    by = np.packbits(bits, axis=-1, bitorder="little")
    if by.shape[-1] != nw * 8:  # pad to whole words
        padded = np.zeros(by.shape[:-1] + (nw * 8,), np.uint8)
        padded[..., : by.shape[-1]] = by
        by = padded
    return np.ascontiguousarray(by).view("<u8").astype(np.uint64, copy=False)


def unpack_bits(words: np.ndarray, n_bits: int) -> np.ndarray:
    """Inverse of `pack_bits`: uint64 words (..., W) -> {0,1} uint8 array (..., n_bits)."""
    words = np.ascontiguousarray(words, dtype="<u8")
    by = words.view(np.uint8).reshape(words.shape[:-1] + (words.shape[-1] * 8,))
    return np.unpackbits(by, axis=-1, count=n_bits, bitorder="little")


def word_bytes(bits: int, elems_per_word: int) -> int:
    """Bytes of one stream word: `elems_per_word` elements of `bits` bits, padded to whole bytes."""
    return -(-int(bits) * int(elems_per_word) // 8)


def _check_fold(n_elems: int, elems_per_word: int) -> None:
    if elems_per_word < 1 or n_elems % elems_per_word:
        raise ValueError(f"{n_elems} elements per image do not fold into words of {elems_per_word}")


def pack_stream(values: np.ndarray, bits: int, elems_per_word: int, signed: bool = False) -> np.ndarray:
    """Pack integer elements (N, E) into the stream layout: uint8 (N, E // elems_per_word * word_bytes).

    Values are taken modulo 2**bits (two's complement for signed types); callers validate ranges.
    """
    v = np.asarray(values)
    if v.ndim != 2:
        raise ValueError(f"pack_stream expects (N, elements), got shape {v.shape}")
    n, e = v.shape
    _check_fold(e, elems_per_word)
    nwords = e // elems_per_word
    wb = word_bytes(bits, elems_per_word)
    if bits == 8:
        # fast path: one byte per element, words are whole bytes already
        return np.ascontiguousarray(v.astype(np.int64).astype(np.uint8).reshape(n, nwords * wb))
    u = v.astype(np.int64) & ((1 << bits) - 1)
    # little-endian bits of every element: (N, E, bits)
    shifts = np.arange(bits, dtype=np.int64)
    b = ((u[..., None] >> shifts) & 1).astype(np.uint8)
    b = b.reshape(n, nwords, elems_per_word * bits)
    pad = wb * 8 - elems_per_word * bits
    if pad:
        b = np.concatenate([b, np.zeros((n, nwords, pad), np.uint8)], axis=-1)
    by = np.packbits(b, axis=-1, bitorder="little")  # (N, nwords, wb)
    return np.ascontiguousarray(by.reshape(n, nwords * wb))


def unpack_stream(
    data: np.ndarray, n_elems: int, bits: int, elems_per_word: int, signed: bool = False
) -> np.ndarray:
    """Inverse of `pack_stream`: uint8 (N, bytes) -> int64 elements (N, n_elems)."""
    d = np.ascontiguousarray(data, dtype=np.uint8)
    n = d.shape[0]
    _check_fold(n_elems, elems_per_word)
    nwords = n_elems // elems_per_word
    wb = word_bytes(bits, elems_per_word)
    if d.shape[1:] != (nwords * wb,):
        raise ValueError(f"expected {nwords * wb} bytes per image, got shape {d.shape}")
    if bits == 8:
        out = d.reshape(n, n_elems).astype(np.int64)
    else:
        b = np.unpackbits(d.reshape(n, nwords, wb), axis=-1, bitorder="little")
        b = b[..., : elems_per_word * bits].reshape(n, n_elems, bits).astype(np.int64)
        out = (b << np.arange(bits, dtype=np.int64)).sum(axis=-1)
    if signed:
        out = np.where(out >= (1 << (bits - 1)), out - (1 << bits), out)
    return out
