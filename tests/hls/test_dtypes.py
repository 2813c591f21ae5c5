"""HLS element formats from FINN datatype names (qonnx's DataType is the parser)."""

import pytest

from pcnn_hw.errors import UnsupportedOpError
from pcnn_hw.hls.dtypes import ELEM_BIPOLAR, ELEM_SIGNED, ELEM_UNSIGNED, ElemFormat, acc_bits, elem_format


@pytest.mark.parametrize(
    ("name", "want"),
    [
        ("BINARY", ElemFormat(1, ELEM_UNSIGNED, 0, 1)),
        ("BIPOLAR", ElemFormat(1, ELEM_BIPOLAR, -1, 1)),
        ("UINT2", ElemFormat(2, ELEM_UNSIGNED, 0, 3)),
        ("UINT8", ElemFormat(8, ELEM_UNSIGNED, 0, 255)),
        ("INT4", ElemFormat(4, ELEM_SIGNED, -8, 7)),
        ("INT32", ElemFormat(32, ELEM_SIGNED, -(2**31), 2**31 - 1)),
    ],
)
def test_elem_format_of_integer_types(name: str, want: ElemFormat) -> None:
    assert elem_format(name) == want


@pytest.mark.parametrize("name", ["FLOAT32", "TERNARY", "FIXED<8,4>", "UINTX", "INT", "bogus"])
def test_unsupported_types_name_the_tensor(name: str) -> None:
    with pytest.raises(UnsupportedOpError, match=r"layer L0: datatype .* not supported"):
        elem_format(name, "layer L0")


def test_acc_bits_has_one_spare_bit() -> None:
    assert acc_bits(-8, 7) == 5
    assert acc_bits(0, 255) == 10
