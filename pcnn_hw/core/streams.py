"""Stream element formats: what one AXI-Stream beat carries, from a FINN/QONNX datatype.

Every stream carries ``elems`` elements of ``bits`` bits per beat, element i in bits [i*bits, (i+1)*bits),
two's complement when ``signed``; 1-bit BINARY/BIPOLAR values are bits (0 encodes -1).
Datatypes are parsed by qonnx's ``DataType`` (the one parser of the project).
"""

from __future__ import annotations

from dataclasses import dataclass

from qonnx.core.datatype import DataType

from pcnn_hw.errors import UnsupportedOpError


@dataclass(frozen=True)
class Fmt:
    """Element format of a stream: bit width and signedness."""

    bits: int
    signed: bool = False


@dataclass(frozen=True)
class Stream:
    """A stream: element format and elements per beat."""

    fmt: Fmt
    elems: int

    @property
    def width(self) -> int:
        """tdata width in bits."""
        return self.fmt.bits * self.elems


def signed_bits(lo: int, hi: int) -> int:
    """Bits of the smallest two's-complement type holding [lo, hi]."""
    b = 1
    while not (-(2 ** (b - 1)) <= lo and hi <= 2 ** (b - 1) - 1):
        b += 1
    return b


def fmt_of_datatype(name: str) -> Fmt:
    """Stream element format of a FINN datatype name (BINARY/BIPOLAR -> 1 bit, unsigned).

    UnsupportedOpError for float types and names qonnx does not know.
    """
    try:
        dt = DataType[name]
    except KeyError as exc:
        raise UnsupportedOpError(f"datatype {name!r} is not a FINN/QONNX datatype") from exc
    if not dt.is_integer():
        raise UnsupportedOpError(f"datatype {name} cannot be streamed in hardware (integers only)")
    if dt.bitwidth() == 1:
        return Fmt(1, False)
    return Fmt(dt.bitwidth(), dt.signed())
