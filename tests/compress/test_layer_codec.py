"""Per-layer choice of symbol shape or raw packing: lossless on every choice, never worse than packing."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pcnn_hw.compress.layer_codec import (
    TAG_BITS,
    Candidate,
    candidate_from_tag,
    candidates,
    compress_layer,
    decompress_layer,
    symbols,
    unsymbols,
)
from pcnn_hw.compress.report import compress_weights, totals


def _signs(shape, p_minus, seed):
    return np.where(np.random.default_rng(seed).random(shape) < p_minus, -1, 1).astype(np.int8)


@pytest.mark.parametrize("shape", [(3, 5, 3, 3), (4, 2, 1, 1), (2, 3, 5, 5), (7, 13), (1, 1)])
def test_every_candidate_round_trips(shape):
    signs = _signs(shape, 0.4, 1)
    for cand in candidates(shape):
        assert candidate_from_tag(cand.tag) == cand
        assert np.array_equal(unsymbols(symbols(signs, cand), cand, shape), signs), cand


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from([(2, 3, 3, 3), (5, 4, 3, 3), (3, 2, 5, 5), (6, 40), (4, 9), (16, 64)]),
    st.sampled_from([0.0, 0.02, 0.2, 0.5]),
    st.integers(0, 2**31 - 1),
)
def test_layer_round_trip_and_size(shape, p_minus, seed):
    signs = _signs(shape, p_minus, seed)
    summary, bits = compress_layer("l", signs)
    assert len(bits) == summary.total_bits  # the counted size is the record's size
    assert np.array_equal(decompress_layer(bits, shape), signs)
    assert summary.total_bits <= summary.packed_bits + TAG_BITS  # never worse than packing + tag
    assert summary.total_bits <= summary.best_huffman_bits
    if summary.symbol_bits:  # Huffman payload within one bit per symbol of the entropy bound
        n_sym = summary.shape[0] * -(-int(np.prod(shape[1:])) // summary.symbol_bits)
        assert summary.entropy_bits - 1e-6 <= summary.payload_bits <= summary.entropy_bits + n_sym


def test_uniform_random_weights_stay_raw():
    summary, bits = compress_layer("u", _signs((64, 64, 3, 3), 0.5, 0))
    assert summary.choice == "raw 1-bit packing"
    assert summary.total_bits == 64 * 64 * 9 + TAG_BITS
    assert summary.best_huffman_bits > summary.packed_bits
    assert summary.entropy_bits > 0.97 * summary.packed_bits


def test_repeated_kernel_slices_pick_kernel_symbols():
    rng = np.random.default_rng(0)
    signs = np.ones((64, 64, 3, 3), dtype=np.int8)
    signs[rng.random((64, 64)) < 0.1] = -1  # 90 % of slices all +1, the rest all -1
    summary, bits = compress_layer("s", signs)
    assert summary.ratio > 4
    assert summary.symbol_bits >= 9 and summary.distinct_symbols <= 4
    assert summary.entropy_bits <= summary.payload_bits
    assert np.array_equal(decompress_layer(bits, signs.shape), signs)


def test_fc_layer_groups_along_input():
    signs = np.tile(np.array([1, 1, -1, 1, -1, -1, 1, 1], dtype=np.int8), (32, 16))  # (32, 128)
    summary, bits = compress_layer("fc", signs)
    assert summary.choice.startswith("groups of") and summary.ratio > 5
    assert np.array_equal(decompress_layer(bits, signs.shape), signs)


def test_model_total_never_below_packing_minus_tags():
    layers = [("a", _signs((16, 8, 3, 3), 0.5, 2)), ("b", _signs((10, 64), 0.5, 3))]
    rows = compress_weights(layers)
    t = totals(rows)
    assert t["coded_bits"] <= t["packed_bits"] + TAG_BITS * len(rows)
    assert t["stored_as"] == "packed" and t["ratio"] == 1.0  # uniform weights: the model stays packed
    assert t["entropy_bits"] <= t["packed_bits"]


def test_channel_last_order_found():
    # identical across kh,kw, varying along the input channel: (kh,kw,i) rows repeat with period I
    pattern = _signs((1, 8, 1, 1), 0.5, 5)
    signs = np.tile(pattern, (32, 1, 3, 3)).astype(np.int8)  # (32, 8, 3, 3)
    summary, _ = compress_layer("c", signs)
    cand = [c for c in candidates(signs.shape) if c.order == "channel-last" and c.width == 8][0]
    assert isinstance(cand, Candidate) and summary.ratio > 8


def test_model_stored_huffman_when_smaller():
    skewed = np.ones((32, 16, 3, 3), dtype=np.int8)
    skewed[:, :2] = -1
    t = totals(compress_weights([("a", skewed), ("b", _signs((10, 64), 0.5, 3))]))
    assert t["stored_as"] == "huffman" and t["stored_bits"] == t["coded_bits"] < t["packed_bits"]
    assert t["ratio"] == t["container_ratio"] > 1.5
