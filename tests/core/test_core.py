"""The leaf package's shared helpers: datatypes through qonnx, the one _hls/_rtl stripper, the old
module paths that now alias core modules."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from pcnn_hw.core.datatypes import base_op_type, datatype_bits, datatype_range, datatype_signed
from pcnn_hw.errors import UnsupportedOpError


@pytest.mark.parametrize(
    ("name", "rng", "bits", "signed"),
    [
        ("BINARY", (0, 1), 1, False),
        ("BIPOLAR", (-1, 1), 1, True),
        ("UINT4", (0, 15), 4, False),
        ("INT8", (-128, 127), 8, True),
        ("INT3", (-4, 3), 3, True),
        ("TERNARY", (-1, 1), 2, True),
    ],
)
def test_integer_datatypes(name: str, rng: tuple[int, int], bits: int, signed: bool) -> None:
    assert datatype_range(name) == rng
    assert datatype_bits(name) == bits
    assert datatype_signed(name) is signed


def test_float_and_unknown_datatypes() -> None:
    assert datatype_range("FLOAT32") == (-np.inf, np.inf)
    assert datatype_bits("FLOAT32") == 32
    for bad in ("INT0X", "FOO"):
        with pytest.raises(UnsupportedOpError, match=bad):
            datatype_bits(bad)


@pytest.mark.parametrize(
    ("op", "base"),
    [("MVAU_hls", "MVAU"), ("Pool_rtl", "Pool"), ("Thresholding", "Thresholding"), ("hls_X", "hls_X")],
)
def test_base_op_type(op: str, base: str) -> None:
    assert base_op_type(op) == base


def test_one_stripper_and_one_datatype_parser() -> None:
    """The old names are the core functions, not copies."""
    from pcnn_hw.compile.folding import base_op
    from pcnn_hw.layers import base

    assert base_op is base_op_type and base.base_op_type is base_op_type
    assert base.datatype_range is datatype_range and base.datatype_bits is datatype_bits


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("pcnn_hw.compile.boards", "pcnn_hw.core.boards"),
        ("pcnn_hw.rtl.step", "pcnn_hw.compile.rtl_step"),
    ],
)
def test_old_paths_are_gone(old: str, new: str) -> None:
    """The modules moved in #11 have one name; the old one no longer imports."""
    importlib.import_module(new)
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module(old)


def test_one_word_packer() -> None:
    """core.bits packs with the board-side driver's functions (host and board share the bit order)."""
    from pcnn_hw.core import bits
    from pcnn_hw.driver import packing

    assert bits.pack_bits is packing.pack_bits and bits.unpack_bits is packing.unpack_bits
    x = np.array([[1, 0, 1] + [0] * 62 + [1]], np.uint8)  # 66 bits: 2 words, bit 65 in word 1
    w = bits.pack_bits(x)
    assert w.tolist() == [[0b101, 0b10]]
    assert np.array_equal(bits.PackedBits.from_bits(x).to_bits(), x)
