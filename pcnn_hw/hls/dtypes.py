"""FINN/QONNX datatypes as stream element formats of the HLS kernels (bits and `pcnn::ElemKind`)."""

from __future__ import annotations

from dataclasses import dataclass

from pcnn_hw.errors import UnsupportedOpError

ELEM_UNSIGNED, ELEM_SIGNED, ELEM_BIPOLAR = 0, 1, 2


@dataclass(frozen=True)
class ElemFormat:
    """Element width in bits, kind (0 unsigned, 1 signed, 2 bipolar bit) and value range [lo, hi]."""

    bits: int
    kind: int
    lo: int
    hi: int


def elem_format(dtype: str, where: str = "") -> ElemFormat:
    """Element format of a FINN datatype name (BINARY, BIPOLAR, UINTn, INTn); others UnsupportedOpError."""
    if dtype == "BINARY":
        return ElemFormat(1, ELEM_UNSIGNED, 0, 1)
    if dtype == "BIPOLAR":
        return ElemFormat(1, ELEM_BIPOLAR, -1, 1)
    if dtype.startswith("UINT") and dtype[4:].isdigit():
        b = int(dtype[4:])
        return ElemFormat(b, ELEM_UNSIGNED, 0, 2**b - 1)
    if dtype.startswith("INT") and dtype[3:].isdigit():
        b = int(dtype[3:])
        return ElemFormat(b, ELEM_SIGNED, -(2 ** (b - 1)), 2 ** (b - 1) - 1)
    raise UnsupportedOpError(
        f"{where or 'tensor'}: datatype {dtype} is not supported by the HLS kernels "
        "(supported: BINARY, BIPOLAR, UINTn, INTn)"
    )


def signed_bits(lo: int, hi: int) -> int:
    """Smallest two's-complement width holding every integer in [lo, hi]."""
    b = 1
    while not (-(2 ** (b - 1)) <= lo and hi <= 2 ** (b - 1) - 1):
        b += 1
    return b


def acc_bits(lo: int, hi: int) -> int:
    """Accumulator width for values in [lo, hi] (signed, one spare bit)."""
    return signed_bits(lo, hi) + 1
