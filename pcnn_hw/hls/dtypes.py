"""FINN/QONNX datatypes as stream element formats of the HLS kernels (bits and `pcnn::ElemKind`).

`signed_bits` is the one in `pcnn_hw.core.streams`, re-exported here for the HLS planners."""

from __future__ import annotations

from dataclasses import dataclass

from qonnx.core.datatype import DataType

from pcnn_hw.core.streams import signed_bits
from pcnn_hw.errors import UnsupportedOpError

__all__ = [
    "ELEM_BIPOLAR", "ELEM_SIGNED", "ELEM_UNSIGNED", "ElemFormat", "acc_bits", "elem_format", "signed_bits",
]

ELEM_UNSIGNED, ELEM_SIGNED, ELEM_BIPOLAR = 0, 1, 2


@dataclass(frozen=True)
class ElemFormat:
    """Element width in bits, kind (0 unsigned, 1 signed, 2 bipolar bit) and value range [lo, hi]."""

    bits: int
    kind: int
    lo: int
    hi: int


def elem_format(dtype: str, where: str = "") -> ElemFormat:
    """Element format of a FINN datatype name, parsed by qonnx's `DataType` (the project's one parser).

    BINARY and UINTn are unsigned, INTn signed, BIPOLAR the bipolar bit (0 encodes -1); every other
    datatype (TERNARY, fixed point, floats, unknown names) is an UnsupportedOpError naming `where`.
    """
    try:
        dt = DataType[dtype]
    except (KeyError, ValueError):  # qonnx: KeyError for unknown names, ValueError for "INT" / "UINTX"
        dt = None
    if dt is not None and dt.name == "BIPOLAR":
        return ElemFormat(1, ELEM_BIPOLAR, -1, 1)
    if dt is not None and dt.is_integer() and not dt.is_fixed_point() and dt.name != "TERNARY":
        kind = ELEM_SIGNED if dt.signed() else ELEM_UNSIGNED
        return ElemFormat(dt.bitwidth(), kind, int(dt.min()), int(dt.max()))
    raise UnsupportedOpError(
        f"{where or 'tensor'}: datatype {dtype} is not supported by the HLS kernels "
        "(supported: BINARY, BIPOLAR, UINTn, INTn)"
    )


def acc_bits(lo: int, hi: int) -> int:
    """Accumulator width for values in [lo, hi] (signed, one spare bit)."""
    return signed_bits(lo, hi) + 1
