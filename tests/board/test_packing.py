"""Driver stream packing vs the simulator's packing, FINN's driver packing and a naive reference."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from pcnn_hw.core import bits as sp
from pcnn_hw.driver import packing as bp


def _naive_stream(values: np.ndarray, bits: int, fold: int) -> bytes:
    """Element 0 in the least significant bits of each word; words padded to bytes, little-endian."""
    out = bytearray()
    wb = -(-bits * fold // 8)
    for img in values:
        for w in range(len(img) // fold):
            word = 0
            for j, v in enumerate(img[w * fold : (w + 1) * fold]):
                word |= (int(v) & ((1 << bits) - 1)) << (j * bits)
            out += word.to_bytes(wb, "little")
    return bytes(out)


def test_simulator_uses_the_board_packing() -> None:
    """The simulator re-exports the board package's functions (one definition)."""
    assert sp.pack_bits is bp.pack_bits and sp.unpack_bits is bp.unpack_bits and sp.n_words is bp.n_words


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 4), st.integers(1, 3), st.integers(1, 5), st.integers(0, 2**32 - 1))
def test_binary_stream_equals_simulator_words(n: int, words_per_row: int, rows: int, seed: int) -> None:
    """1-bit elements folded by a multiple of 64: stream bytes == the simulator's uint64 words."""
    rng = np.random.default_rng(seed)
    fold = 64 * words_per_row
    bits = rng.integers(0, 2, size=(n, fold * rows), dtype=np.uint8)
    stream = bp.pack_stream(bits, 1, fold)
    words = sp.pack_bits(bits.reshape(n, rows, fold))
    assert stream.tobytes() == np.ascontiguousarray(words).astype("<u8").tobytes()
    assert np.array_equal(bp.unpack_stream(stream, fold * rows, 1, fold), bits)
    assert np.array_equal(sp.unpack_bits(words, fold).reshape(n, -1), bits)


@settings(max_examples=80, deadline=None)
@given(
    st.integers(1, 3),
    st.integers(1, 12),
    st.integers(1, 9),
    st.booleans(),
    st.integers(1, 4),
    st.integers(0, 2**32 - 1),
)
def test_stream_roundtrip_and_reference(
    n: int, bits: int, fold: int, signed: bool, words: int, seed: int
) -> None:
    """Any width/fold/sign: pack == naive reference, unpack inverts pack."""
    rng = np.random.default_rng(seed)
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed and bits > 1 else (0, (1 << bits) - 1)
    signed = signed and bits > 1
    v = rng.integers(lo, hi + 1, size=(n, fold * words))
    packed = bp.pack_stream(v, bits, fold, signed)
    assert packed.shape == (n, words * bp.word_bytes(bits, fold))
    assert packed.tobytes() == _naive_stream(v, bits, fold)
    assert np.array_equal(bp.unpack_stream(packed, fold * words, bits, fold, signed), v)


@settings(max_examples=30, deadline=None)
@given(
    st.sampled_from(["UINT8", "BINARY", "INT9", "UINT3", "INT2", "INT8"]),
    st.sampled_from([1, 3, 8, 16, 64]),
    st.integers(0, 2**32 - 1),
)
def test_stream_matches_finn_driver_packing(dt: str, fold: int, seed: int) -> None:
    """The bytes FINN's own PYNQ driver would send (finnpy_to_packed_bytearray, reversed endian/inner)."""
    from finn.util.data_packing import finnpy_to_packed_bytearray
    from qonnx.core.datatype import DataType

    d = DataType[dt]
    rng = np.random.default_rng(seed)
    v = rng.integers(int(d.min()), int(d.max()) + 1, size=(2, fold * 3))
    ref = finnpy_to_packed_bytearray(
        v.reshape(2, 3, fold).astype(np.float32), d, reverse_endian=True, reverse_inner=True
    )
    assert bp.pack_stream(v, d.bitwidth(), fold, d.signed()).tobytes() == ref.tobytes()
