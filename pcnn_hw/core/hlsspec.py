"""Plain-data description of one layer as an HLS kernel call, shared by the layer kinds
(``pcnn_hw/layers/<kind>/hls.py``) and the HLS backend (:mod:`pcnn_hw.hls`), as
:mod:`pcnn_hw.core.hwspec` is for RTL: stream element formats (FINN datatypes as bits and
``pcnn::ElemKind``), typed stream ports, constant arrays, kernels and the literal helpers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
from qonnx.core.datatype import DataType

from pcnn_hw.core.streams import signed_bits
from pcnn_hw.errors import UnsupportedOpError

ELEM_UNSIGNED, ELEM_SIGNED, ELEM_BIPOLAR = 0, 1, 2


@dataclass(frozen=True)
class ElemFormat:
    """Element width in bits, kind (0 unsigned, 1 signed, 2 bipolar bit) and value range [lo, hi]."""

    bits: int
    kind: int
    lo: int
    hi: int


BIT = ElemFormat(1, 0, 0, 1)


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


def range_format(lo: int, hi: int) -> ElemFormat:
    """The smallest element format holding [lo, hi]: UINTb when lo >= 0, else INTb."""
    if lo >= 0:
        return ElemFormat(max(1, int(hi).bit_length()), ELEM_UNSIGNED, lo, hi)
    return ElemFormat(signed_bits(lo, hi), ELEM_SIGNED, lo, hi)


def plain_format(fin: ElemFormat) -> ElemFormat:
    """The element as sums see it, over every value of its bits (the RTL policy): a 1-bit stream counts
    its bit 0/1, as the layer objects do (AddStreams, GlobalAccPool)."""
    if fin.kind == ELEM_BIPOLAR:
        return ElemFormat(1, ELEM_UNSIGNED, 0, 1)
    if fin.kind == ELEM_SIGNED:
        return ElemFormat(fin.bits, fin.kind, -(2 ** (fin.bits - 1)), 2 ** (fin.bits - 1) - 1)
    return ElemFormat(fin.bits, fin.kind, 0, 2**fin.bits - 1)


@dataclass
class Port:
    """A stream: `elems` elements of format `fmt` per word, `words` words per frame."""

    elems: int
    fmt: ElemFormat
    words: int

    @property
    def width(self) -> int:
        """Word width in bits."""
        return self.elems * self.fmt.bits

    @property
    def ctype(self) -> str:
        """The C++ word type."""
        return f"ap_uint<{self.width}>"


@dataclass
class CArray:
    """A constant memory of a kernel: C type, dimensions, literals (row-major), dims partitioned, and the
    literals' integer values (an ``ap_uint`` word's unsigned value, an ``ap_int``'s signed one; empty:
    only the literals are known), from which the C-sim form of the array is written."""

    name: str
    ctype: str
    dims: list[int]
    literals: list[str]
    partition: list[int] = field(default_factory=list)
    values: list[int] = field(default_factory=list)


@dataclass
class Kernel:
    """One kernel call of the network top: `call` uses the names in, out and the arrays."""

    name: str
    node: str
    op: str
    doc: str
    inp: Port
    out: Port
    call: str
    arrays: list[CArray] = field(default_factory=list)
    depthwise: bool = False  # a depthwise sliding window (channel-fold-major output order)
    more_inputs: list[Port] = field(default_factory=list)  # ports in1, in2, ... (a join)
    more_outputs: list[Port] = field(default_factory=list)  # ports out1, out2, ... (a fork)

    @property
    def inputs(self) -> list[Port]:
        """Every input port in order (in, in1, ...)."""
        return [self.inp, *self.more_inputs]

    @property
    def outputs(self) -> list[Port]:
        """Every output port in order (out, out1, ...)."""
        return [self.out, *self.more_outputs]


def c_ident(name: str) -> str:
    """A C identifier from a node name."""
    s = re.sub(r"[^0-9A-Za-z_]", "_", name)
    return s if s and not s[0].isdigit() else "n_" + s


def targs(*vals: int | bool) -> str:
    """C++ template arguments: ints as decimals, bools as true/false."""
    return ", ".join(("true" if v else "false") if isinstance(v, bool) else str(int(v)) for v in vals)


def word_values(mem: np.ndarray, elem_bits: int) -> list[int]:
    """Memory image (..., LANES) -> one unsigned integer per word, lanes reversed (element e = lane
    LANES-1-e), each element as `elem_bits`-bit two's complement, element 0 in the least significant
    bits."""
    mem = np.asarray(mem).astype(np.int64)
    lanes = mem.shape[-1]
    el = mem.reshape(-1, lanes)[:, ::-1] & ((1 << elem_bits) - 1)
    bits = ((el[..., None] >> np.arange(elem_bits)) & 1).astype(np.uint8).reshape(el.shape[0], -1)
    packed = np.packbits(bits, axis=-1, bitorder="little")
    return [int.from_bytes(row.tobytes(), "little") for row in packed]


def word_literals(mem: np.ndarray, elem_bits: int) -> list[str]:
    """:func:`word_values` as C++ literals of the word type ``ap_uint<LANES * elem_bits>``."""
    width = np.asarray(mem).shape[-1] * elem_bits
    if width <= 64:
        return [f"0x{v:x}ULL" if width > 32 else f"0x{v:x}u" for v in word_values(mem, elem_bits)]
    return [f'ap_uint<{width}>("0x{v:x}", 16)' for v in word_values(mem, elem_bits)]


def word_array(name: str, mem: np.ndarray, elem_bits: int, dims: list[int], partition: list[int]) -> CArray:
    """A constant array of ``ap_uint<LANES * elem_bits>`` words of memory image ``mem`` (see
    :func:`word_values`), with its literals and values."""
    width = np.asarray(mem).shape[-1] * elem_bits
    return CArray(name, f"ap_uint<{width}>", dims, word_literals(mem, elem_bits), partition,
                  word_values(mem, elem_bits))


def threshold_array(t: np.ndarray, tb: int) -> CArray:
    """The (PE, TMEM, n_steps) integer thresholds (see the kinds' threshold policy) as tb-bit constants."""
    vals = [int(v) for v in t.ravel().tolist()]
    lits = [f"{v}" if abs(v) < 2**31 else f"{v}LL" for v in vals]
    return CArray("thresholds", f"ap_int<{tb}>", list(t.shape), lits, [1, 3], vals)


def one_input(layer: str, op: str, fins: tuple[ElemFormat, ...] | tuple) -> ElemFormat:
    """The single input format of a one-input kind; UnsupportedOpError naming the layer otherwise."""
    if len(fins) != 1:
        raise UnsupportedOpError(f"layer {layer}: {op} has one input, got {len(fins)} formats")
    return fins[0]
