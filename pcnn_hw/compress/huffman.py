"""Canonical Huffman codes and their serialised codebooks (a deployment feature; PCNN itself has none).

Python's standard library has no Huffman coder with a serialisable canonical codebook and numpy has
none either, so the ~100 lines are written here. Bit streams are '0'/'1' text: the layers are small
(≤ a few million bits) and text keeps encoder and decoder obviously symmetric.

Codebook encoding (counted in every reported total, see :func:`codebook_bits`): one flag bit, then

- flag 0, *sparse*: 5 bits ``Lmax - 1``; for each length 1..Lmax the number of symbols with that
  length in ``w + 1`` bits; then the symbols in canonical order (by length, then value), ``w`` bits each;
- flag 1, *dense* (only for w ≤ 12): for each of the ``2**w`` symbol values its code length in
  ``bit_length(Lmax)`` bits (0 = symbol absent), preceded by the same 5-bit ``Lmax - 1``.

The encoder writes whichever is shorter. Code lengths never exceed 32 (5-bit field); the layers we
code have at most 2^21 symbols, far below the ~2.2·10^6-symbol Fibonacci worst case of length 32.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter

import numpy as np

MAX_CODE_LENGTH = 32
DENSE_MAX_WIDTH = 12


def code_lengths(freqs: dict[int, int]) -> dict[int, int]:
    """Huffman code length per symbol (deterministic: ties broken by the smallest symbol)."""
    if len(freqs) == 1:
        return {next(iter(freqs)): 1}
    heap = [(f, s, (s,)) for s, f in sorted(freqs.items())]
    heapq.heapify(heap)
    lengths = dict.fromkeys(freqs, 0)
    while len(heap) > 1:
        f1, k1, s1 = heapq.heappop(heap)
        f2, k2, s2 = heapq.heappop(heap)
        for s in s1 + s2:
            lengths[s] += 1
        heapq.heappush(heap, (f1 + f2, min(k1, k2), s1 + s2))
    if max(lengths.values()) > MAX_CODE_LENGTH:
        raise ValueError(f"Huffman code longer than {MAX_CODE_LENGTH} bits ({len(freqs)} symbols)")
    return lengths


def canonical_codes(lengths: dict[int, int]) -> dict[int, tuple[int, int]]:
    """Canonical Huffman codes {symbol: (code, length)} from code lengths."""
    codes, code, prev_len = {}, 0, 0
    for sym, length in sorted(lengths.items(), key=lambda kv: (kv[1], kv[0])):
        code <<= length - prev_len
        codes[sym] = (code, length)
        code, prev_len = code + 1, length
    return codes


def entropy_bits(symbols: np.ndarray) -> float:
    """Shannon bound: n·H of the symbol histogram (no symbol-wise code's payload is shorter)."""
    counts = np.array(list(Counter(np.asarray(symbols).tolist()).values()), dtype=np.float64)
    p = counts / counts.sum()
    return float(-(counts * np.log2(p)).sum())


def _sparse_bits(lengths: dict[int, int], width: int) -> int:
    lmax = max(lengths.values())
    return 1 + 5 + lmax * (width + 1) + len(lengths) * width


def _dense_bits(lengths: dict[int, int], width: int) -> int:
    if width > DENSE_MAX_WIDTH:
        return math.inf  # type: ignore[return-value]
    return 1 + 5 + (1 << width) * max(lengths.values()).bit_length()


def codebook_bits(lengths: dict[int, int], width: int) -> int:
    """Size of the serialised codebook (:func:`write_codebook`) of code ``lengths`` for w-bit symbols."""
    return min(_sparse_bits(lengths, width), _dense_bits(lengths, width))


def write_codebook(lengths: dict[int, int], width: int) -> str:
    """Serialise canonical code ``lengths`` of ``width``-bit symbols (the shorter of sparse/dense)."""
    lmax = max(lengths.values())
    head = format(lmax - 1, "05b")
    if _dense_bits(lengths, width) < _sparse_bits(lengths, width):
        lw = lmax.bit_length()
        return "1" + head + "".join(format(lengths.get(s, 0), f"0{lw}b") for s in range(1 << width))
    per_len = Counter(lengths.values())
    counts = "".join(format(per_len.get(n, 0), f"0{width + 1}b") for n in range(1, lmax + 1))
    order = sorted(lengths, key=lambda s: (lengths[s], s))
    return "0" + head + counts + "".join(format(s, f"0{width}b") for s in order)


def read_codebook(bits: str, pos: int, width: int) -> tuple[dict[int, int], int]:
    """Inverse of :func:`write_codebook`: (code lengths, position after the codebook)."""
    dense, lmax = bits[pos] == "1", int(bits[pos + 1 : pos + 6], 2) + 1
    pos += 6
    if dense:
        lw, lengths = lmax.bit_length(), {}
        for s in range(1 << width):
            n = int(bits[pos : pos + lw], 2)
            pos += lw
            if n:
                lengths[s] = n
        return lengths, pos
    per_len = []
    for _ in range(lmax):
        per_len.append(int(bits[pos : pos + width + 1], 2))
        pos += width + 1
    lengths = {}
    for n, count in enumerate(per_len, start=1):
        for _ in range(count):
            lengths[int(bits[pos : pos + width], 2)] = n
            pos += width
    return lengths, pos


def encode(symbols: np.ndarray, codes: dict[int, tuple[int, int]]) -> str:
    """The bit string (as '0'/'1' text) of `symbols` under `codes`."""
    words = {s: format(c, f"0{n}b") for s, (c, n) in codes.items()}
    return "".join(words[s] for s in np.asarray(symbols).tolist())


def decode(bits: str, codes: dict[int, tuple[int, int]], count: int, pos: int = 0) -> tuple[np.ndarray, int]:
    """Decode `count` symbols from `bits` starting at `pos`; returns (symbols, position after them)."""
    lookup = {(length, code): sym for sym, (code, length) in codes.items()}
    out: list[int] = []
    code = length = 0
    end = len(bits)
    while len(out) < count:
        if pos >= end:
            raise ValueError(f"bit string ended after {len(out)} of {count} symbols")
        code, length, pos = (code << 1) | (bits[pos] == "1"), length + 1, pos + 1
        sym = lookup.get((length, code))
        if sym is not None:
            out.append(sym)
            code = length = 0
        elif length > MAX_CODE_LENGTH:
            raise ValueError(f"invalid code at bit {pos}")
    return np.array(out, dtype=np.int64), pos
