"""FINN/QONNX datatype names and op types, through qonnx's own `DataType` (the one parser, #11).

Before #11 three hand-written datatype parsers (layers, HLS, board) and four spellings of "strip the
``_hls``/``_rtl`` suffix" lived in different packages; these are the shared ones.
"""

from __future__ import annotations

import numpy as np
from qonnx.core.datatype import BaseDataType, DataType

from pcnn_hw.errors import UnsupportedOpError

_SPECIALIZED = ("_hls", "_rtl")


def base_op_type(op_type: str) -> str:
    """Generic HW op type of a specialized node: 'MVAU_hls' -> 'MVAU', 'Pool_rtl' -> 'Pool'."""
    for suffix in _SPECIALIZED:
        if op_type.endswith(suffix):
            return op_type[: -len(suffix)]
    return op_type


def datatype(name: str) -> BaseDataType:
    """qonnx's `DataType` of a name (INT8, UINT4, BINARY, BIPOLAR, FLOAT32, ...); UnsupportedOpError
    naming the datatype when qonnx does not know it."""
    try:
        return DataType[name]
    except (KeyError, ValueError) as exc:  # qonnx: KeyError, or ValueError for e.g. "INT0X"
        raise UnsupportedOpError(f"datatype {name!r} is not a FINN/QONNX datatype") from exc


def datatype_range(name: str) -> tuple[float, float]:
    """(min, max) of an integer datatype (BINARY (0, 1), BIPOLAR (-1, 1), INT8 (-128, 127), ...);
    (-inf, inf) for float types (no range to check)."""
    dt = datatype(name)
    if not dt.is_integer():
        return -np.inf, np.inf
    return dt.min(), dt.max()


def datatype_bits(name: str) -> int:
    """Bit width of a datatype (1 for BINARY/BIPOLAR, 32 for FLOAT32)."""
    return int(datatype(name).bitwidth())


def datatype_signed(name: str) -> bool:
    """True for datatypes with negative values (INTn, BIPOLAR, floats)."""
    return bool(datatype(name).signed())
