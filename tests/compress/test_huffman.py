"""Huffman coding of binary kernels: optimal lengths, serialised codebooks, lossless round trips."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pcnn_hw.compress import huffman
from pcnn_hw.compress.huffman import canonical_codes, code_lengths, decode, encode


def test_known_code_lengths():
    # classic example: frequencies 45,13,12,16,9,5 → lengths 1,3,3,3,4,4
    lengths = code_lengths({0: 45, 1: 13, 2: 12, 3: 16, 4: 9, 5: 5})
    assert lengths == {0: 1, 1: 3, 2: 3, 3: 3, 4: 4, 5: 4}


def test_canonical_codes_are_prefix_free():
    codes = canonical_codes(code_lengths({s: s + 1 for s in range(20)}))
    words = [format(c, f"0{n}b") for c, n in codes.values()]
    assert not any(a != b and b.startswith(a) for a in words for b in words)


def test_decode_rejects_truncated_stream():
    codes = canonical_codes(code_lengths({0: 3, 1: 1, 2: 1}))
    bits = encode(np.array([0, 1, 2]), codes)
    with pytest.raises(ValueError, match="ended"):
        decode(bits[:-1], codes, 3)


def test_entropy_of_uniform_and_constant():
    assert huffman.entropy_bits(np.arange(16)) == pytest.approx(16 * 4)
    assert huffman.entropy_bits(np.zeros(10, dtype=int)) == 0


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 12), st.integers(1, 300), st.integers(0, 2**31 - 1))
def test_codebook_round_trip_and_counted_size(width, n_symbols, seed):
    """Both codebook encodings decode to the same lengths and occupy exactly the counted bits."""
    rng = np.random.default_rng(seed)
    syms = rng.integers(0, 1 << width, size=n_symbols) & rng.integers(0, 1 << width, size=n_symbols)
    lengths = code_lengths(dict(zip(*np.unique(syms, return_counts=True), strict=True)))
    lengths = {int(s): n for s, n in lengths.items()}
    book = huffman.write_codebook(lengths, width)
    assert len(book) == huffman.codebook_bits(lengths, width)
    back, pos = huffman.read_codebook(book + "1011", 0, width)
    assert back == lengths and pos == len(book)


def test_dense_codebook_chosen_when_many_symbols():
    lengths = code_lengths({s: 1 + s % 3 for s in range(16)})
    book = huffman.write_codebook(lengths, 4)
    assert book[0] == "1" and len(book) == 6 + 16 * max(lengths.values()).bit_length()
