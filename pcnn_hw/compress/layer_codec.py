"""Per-layer lossless coding of binary weights: the symbol shape that minimises the total, or raw packing.

A layer's ±1 weights are bits (1 = +1), one row per output channel, in one of two orders: ONNX order
(in-channel, kh, kw) — where groups of kh·kw bits are exactly the kernel slices — or, for convs, FINN's
channel-last order (kh, kw, in-channel). A row is cut into groups of ``g`` bits (4 ≤ g ≤ 16, the last
group of a row zero-padded), each group one symbol. Every candidate (order, g) gets a canonical Huffman
code; the layer keeps the candidate with the smallest total, or raw 1-bit packing when none is smaller.

Layer record (what every total counts): a 5-bit mode tag (0 = raw; 1..13 = ONNX order, g = tag + 3;
14..26 = channel-last order, g = tag - 10), then either the packed bits (raw) or the serialised
codebook (:func:`pcnn_hw.compress.huffman.write_codebook`) followed by the payload. The decoder knows
the layer's weight shape from the graph. A raw layer therefore costs its packed size plus 5 bits.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from pcnn_hw.compress import huffman

TAG_BITS = 5
GROUP_SIZES = tuple(range(4, 17))
ORDERS = ("onnx", "channel-last")


@dataclass(frozen=True)
class Candidate:
    """One symbol shape: weight order and group width."""

    order: str
    width: int

    @property
    def tag(self) -> int:
        """The 5-bit mode tag of this shape (0 is raw)."""
        return self.width - 3 if self.order == "onnx" else self.width + 10

    def describe(self, shape: tuple[int, ...]) -> str:
        """Human-readable name ('3x3 kernel slices', '8 along the input (kh,kw,i)')."""
        if self.order == "onnx" and len(shape) == 4 and self.width == shape[2] * shape[3]:
            return f"{shape[2]}x{shape[3]} kernel slices"
        if len(shape) != 4:
            return f"groups of {self.width} along the input"
        return f"groups of {self.width} along {'(i,kh,kw)' if self.order == 'onnx' else '(kh,kw,i)'}"


def candidate_from_tag(tag: int) -> Candidate | None:
    """Inverse of :attr:`Candidate.tag` (None for raw)."""
    if tag == 0:
        return None
    if 1 <= tag <= 13:
        return Candidate("onnx", tag + 3)
    if 14 <= tag <= 26:
        return Candidate("channel-last", tag - 10)
    raise ValueError(f"unknown mode tag {tag}")


def candidates(shape: tuple[int, ...]) -> list[Candidate]:
    """Every symbol shape for a weight tensor of ``shape`` (O, I) or (O, I, kh, kw)."""
    orders = ORDERS if len(shape) == 4 else ORDERS[:1]
    return [Candidate(o, g) for o in orders for g in GROUP_SIZES]


def _rows(bits01: np.ndarray, order: str) -> np.ndarray:
    if bits01.ndim == 4 and order == "channel-last":
        bits01 = bits01.transpose(0, 2, 3, 1)
    return bits01.reshape(bits01.shape[0], -1)


def symbols(signs: np.ndarray, cand: Candidate) -> np.ndarray:
    """Integer symbols (MSB = first weight of the group) of ±1 ``signs`` under ``cand``."""
    rows = _rows((np.asarray(signs) > 0).astype(np.int64), cand.order)
    pad = (-rows.shape[1]) % cand.width
    groups = np.pad(rows, ((0, 0), (0, pad))).reshape(-1, cand.width)
    return groups @ (1 << np.arange(cand.width - 1, -1, -1, dtype=np.int64))


def unsymbols(syms: np.ndarray, cand: Candidate, shape: tuple[int, ...]) -> np.ndarray:
    """Inverse of :func:`symbols`: the ±1 tensor of ``shape`` (int8)."""
    o = shape[0]
    rowlen = int(np.prod(shape[1:]))
    groups = (np.asarray(syms)[:, None] >> np.arange(cand.width - 1, -1, -1)) & 1
    rows = groups.reshape(o, -1)[:, :rowlen]
    if len(shape) == 4 and cand.order == "channel-last":
        out = rows.reshape(o, shape[2], shape[3], shape[1]).transpose(0, 3, 1, 2)
    else:
        out = rows.reshape(shape)
    return (out * 2 - 1).astype(np.int8)


@dataclass(frozen=True)
class LayerCompression:
    """Coding result for one layer's binary weights (all sizes in bits)."""

    layer: str
    shape: tuple[int, ...]
    choice: str  # "raw 1-bit packing" or the symbol shape
    symbol_bits: int  # 0 for raw
    distinct_symbols: int
    payload_bits: int  # coded weights (the packed bits for raw)
    codebook_bits: int
    tag_bits: int
    entropy_bits: float  # n·H of the best Huffman candidate's symbols: its payload's lower bound
    best_huffman_bits: int  # smallest Huffman total (tag + codebook + payload) over the candidates

    @property
    def packed_bits(self) -> int:
        """Plain 1-bit packing: one bit per weight."""
        return int(np.prod(self.shape))

    @property
    def total_bits(self) -> int:
        """Everything stored for the layer: tag + codebook + payload."""
        return self.tag_bits + self.codebook_bits + self.payload_bits

    @property
    def ratio(self) -> float:
        """packed / total (> 1: smaller than packing)."""
        return self.packed_bits / self.total_bits


def _plan(signs: np.ndarray, cand: Candidate) -> tuple[np.ndarray, dict[int, int], int, int]:
    syms = symbols(signs, cand)
    freqs = dict(Counter(syms.tolist()))
    lengths = huffman.code_lengths(freqs)
    payload = sum(freqs[s] * n for s, n in lengths.items())
    return syms, lengths, payload, huffman.codebook_bits(lengths, cand.width)


def compress_layer(name: str, signs: np.ndarray) -> tuple[LayerCompression, str]:
    """Code one layer's ±1 weights (O, I) or (O, I, kh, kw); returns (summary, layer record bits)."""
    signs = np.asarray(signs)
    shape = tuple(int(d) for d in signs.shape)
    best: tuple | None = None
    for cand in candidates(shape):
        syms, lengths, payload, book = _plan(signs, cand)
        if best is None or payload + book < best[3] + best[4]:
            best = (cand, syms, lengths, payload, book)
    assert best is not None
    cand, syms, lengths, payload, book = best
    entropy = huffman.entropy_bits(syms)
    packed = int(np.prod(shape))
    huff_total = TAG_BITS + book + payload
    if huff_total >= TAG_BITS + packed:  # nothing beats packing: store raw
        bits = format(0, f"0{TAG_BITS}b") + "".join(
            map(str, (signs.reshape(-1) > 0).astype(np.int8).tolist())
        )
        summary = LayerCompression(
            name, shape, "raw 1-bit packing", 0, 0, packed, 0, TAG_BITS, entropy, huff_total
        )
        return summary, bits
    codes = huffman.canonical_codes(lengths)
    bits = format(cand.tag, f"0{TAG_BITS}b") + huffman.write_codebook(lengths, cand.width)
    bits += huffman.encode(syms, codes)
    summary = LayerCompression(
        name, shape, cand.describe(shape), cand.width, len(lengths), payload, book, TAG_BITS, entropy,
        huff_total,
    )
    assert len(bits) == summary.total_bits, "record size differs from the counted size"
    return summary, bits


def decompress_layer(bits: str, shape: tuple[int, ...]) -> np.ndarray:
    """Decode one layer record (:func:`compress_layer`) into the ±1 weights of ``shape``."""
    cand = candidate_from_tag(int(bits[:TAG_BITS], 2))
    n = int(np.prod(shape))
    if cand is None:
        body = bits[TAG_BITS : TAG_BITS + n]
        if len(body) != n:
            raise ValueError(f"raw record holds {len(body)} of {n} bits")
        ones = np.frombuffer(body.encode(), dtype=np.uint8) == ord("1")
        return (ones.astype(np.int8) * 2 - 1).reshape(shape)
    lengths, pos = huffman.read_codebook(bits, TAG_BITS, cand.width)
    count = shape[0] * -(-int(np.prod(shape[1:])) // cand.width)
    syms, _ = huffman.decode(bits, huffman.canonical_codes(lengths), count, pos)
    return unsymbols(syms, cand, shape)
