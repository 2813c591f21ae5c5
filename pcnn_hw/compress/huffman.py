"""Lossless Huffman coding of binary kernels (a deployment feature; the PCNN paper itself has none).

Binary weights are cut into fixed-width symbols — each kh×kw kernel slice of a conv (9 bits for 3×3),
8-weight groups along the input of a fully-connected layer — and each layer gets its own canonical
Huffman codebook. Kernels of trained binary nets repeat a few patterns often, so the code is shorter
than plain 1-bit packing; the ratio is measured per layer, codebook included.
"""

from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import dataclass

import numpy as np

FC_SYMBOL_BITS = 8


def weight_symbols(bipolar: np.ndarray, conv: bool) -> tuple[np.ndarray, int]:
    """Cut a ±1 weight tensor into integer symbols; returns (symbols, bits per symbol).

    conv: (O, I, kh, kw) → one symbol per (o, i) slice of kh·kw bits. Otherwise a (rows, cols) matrix
    → groups of FC_SYMBOL_BITS consecutive weights along each row (the last group zero-padded).
    """
    bits = (np.asarray(bipolar) > 0).astype(np.uint8)
    if conv:
        width = bits.shape[2] * bits.shape[3]
        groups = bits.reshape(-1, width)
    else:
        width = FC_SYMBOL_BITS
        rows = bits.reshape(bits.shape[0], -1)
        pad = (-rows.shape[1]) % width
        groups = np.pad(rows, ((0, 0), (0, pad))).reshape(-1, width)
    weights = (1 << np.arange(width - 1, -1, -1)).astype(np.int64)
    return groups.astype(np.int64) @ weights, width


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
    return lengths


def canonical_codes(lengths: dict[int, int]) -> dict[int, tuple[int, int]]:
    """Canonical Huffman codes {symbol: (code, length)} from code lengths."""
    codes, code, prev_len = {}, 0, 0
    for sym, length in sorted(lengths.items(), key=lambda kv: (kv[1], kv[0])):
        code <<= length - prev_len
        codes[sym] = (code, length)
        code, prev_len = code + 1, length
    return codes


def encode(symbols: np.ndarray, codes: dict[int, tuple[int, int]]) -> str:
    """The bit string (as '0'/'1' text) of `symbols` under `codes`."""
    return "".join(format(codes[int(s)][0], f"0{codes[int(s)][1]}b") for s in symbols)


def decode(bits: str, codes: dict[int, tuple[int, int]], count: int) -> np.ndarray:
    """Decode `count` symbols from the bit string `bits`."""
    lookup = {(length, code): sym for sym, (code, length) in codes.items()}
    out, code, length = [], 0, 0
    for b in bits:
        code, length = (code << 1) | (b == "1"), length + 1
        if (length, code) in lookup:
            out.append(lookup[(length, code)])
            code, length = 0, 0
            if len(out) == count:
                break
    if len(out) != count:
        raise ValueError(f"bit string ended after {len(out)} of {count} symbols")
    return np.array(out, dtype=np.int64)


@dataclass(frozen=True)
class LayerCompression:
    """Huffman result for one layer's binary weights."""

    layer: str
    weights: int
    symbol_bits: int
    distinct_symbols: int
    payload_bits: int
    codebook_bits: int

    @property
    def packed_bits(self) -> int:
        """Plain 1-bit packing of the symbols (padding included)."""
        return self.weights

    @property
    def payload_ratio(self) -> float:
        """packed / payload, the codebook left out (what a shared or fixed codebook would give)."""
        return self.packed_bits / self.payload_bits

    @property
    def ratio(self) -> float:
        """packed / (payload + codebook): > 1 means Huffman is smaller."""
        return self.packed_bits / (self.payload_bits + self.codebook_bits)


def compress_layer(name: str, bipolar: np.ndarray, conv: bool) -> tuple[LayerCompression, str, dict]:
    """Huffman-code one layer; returns (summary, bit string, codes)."""
    symbols, width = weight_symbols(bipolar, conv)
    codes = canonical_codes(code_lengths(dict(Counter(symbols.tolist()))))
    bits = encode(symbols, codes)
    # canonical codebook: each present symbol and its code length (5 bits suffice for lengths < 32)
    codebook_bits = len(codes) * (width + 5)
    summary = LayerCompression(name, int(symbols.size * width), width, len(codes), len(bits), codebook_bits)
    return summary, bits, codes
