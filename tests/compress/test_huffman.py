"""Huffman coding of binary kernels: optimal lengths, lossless round trip, measured ratio."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pcnn_hw.compress.huffman import (
    canonical_codes,
    code_lengths,
    compress_layer,
    decode,
    encode,
    weight_symbols,
)


def test_known_code_lengths():
    # classic example: frequencies 45,13,12,16,9,5 → lengths 1,3,3,3,4,4
    lengths = code_lengths({0: 45, 1: 13, 2: 12, 3: 16, 4: 9, 5: 5})
    assert lengths == {0: 1, 1: 3, 2: 3, 3: 3, 4: 4, 5: 4}


def test_canonical_codes_are_prefix_free():
    codes = canonical_codes(code_lengths({s: s + 1 for s in range(20)}))
    words = [format(c, f"0{n}b") for c, n in codes.values()]
    assert not any(a != b and b.startswith(a) for a in words for b in words)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 6), st.integers(1, 6), st.integers(0, 2**31 - 1))
def test_round_trip_conv(o, i, seed):
    signs = np.where(np.random.default_rng(seed).random((o, i, 3, 3)) < 0.3, -1, 1)
    summary, bits, codes = compress_layer("c", signs, conv=True)
    symbols, width = weight_symbols(signs, conv=True)
    assert width == 9 and summary.weights == signs.size
    assert np.array_equal(decode(bits, codes, symbols.size), symbols)
    # recover the ±1 tensor from the symbols
    back = ((symbols[:, None] >> np.arange(8, -1, -1)) & 1).reshape(signs.shape) * 2 - 1
    assert np.array_equal(back, signs)


def test_skewed_kernels_compress_and_uniform_do_not():
    rng = np.random.default_rng(0)
    skewed = np.ones((64, 64, 3, 3), dtype=np.int8)
    skewed[rng.random((64, 64)) < 0.1] = -1  # 90 % of slices are the all-(+1) pattern
    uniform = np.where(rng.random((64, 64, 3, 3)) < 0.5, -1, 1)
    assert compress_layer("s", skewed, True)[0].ratio > 3
    assert compress_layer("u", uniform, True)[0].ratio < 1.05


def test_fc_symbols_pad_last_group():
    symbols, width = weight_symbols(np.ones((2, 10)), conv=False)
    assert width == 8 and symbols.tolist() == [255, 192, 255, 192]


def test_decode_rejects_truncated_stream():
    codes = canonical_codes(code_lengths({0: 3, 1: 1, 2: 1}))
    bits = encode(np.array([0, 1, 2]), codes)
    with pytest.raises(ValueError, match="ended"):
        decode(bits[:-1], codes, 3)
