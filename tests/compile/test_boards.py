"""Boards table."""

from __future__ import annotations

import pytest

from pcnn_hw.compile.boards import BOARDS, get_board
from pcnn_hw.errors import UnknownNameError


def test_known_boards() -> None:
    """The required boards are there with their parts."""
    assert get_board("pynq-z2").part == "xc7z020clg400-1"
    assert get_board("PYNQ-Z1").part == "xc7z020clg400-1"
    assert get_board("ultra96-v2").part.startswith("xczu3eg")
    assert get_board("zcu104").part.startswith("xczu7ev")
    assert get_board("kv260").part.startswith("xck26")
    for b in BOARDS.values():
        assert b.lut > 0 and b.bram36 > 0 and b.clock_mhz > 0 and b.ps in ("ps7", "ps8")


def test_unknown_board_lists_known() -> None:
    """An unknown board names every known one."""
    with pytest.raises(UnknownNameError) as e:
        get_board("de10-nano")
    for name in BOARDS:
        assert name in str(e.value)
