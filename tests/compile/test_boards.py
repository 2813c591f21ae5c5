"""Boards table."""

from __future__ import annotations

import pytest

from pcnn_hw.core.boards import BOARDS, get_board
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


def test_default_clocks_by_family() -> None:
    """100 MHz on the Zynq-7000 boards, 200 MHz on the UltraScale+ ones (docstring of boards.py)."""
    from pcnn_hw.core.boards import BOARDS

    assert {n: b.clock_mhz for n, b in BOARDS.items()} == {
        "pynq-z1": 100.0, "pynq-z2": 100.0, "ultra96-v2": 200.0, "zcu104": 200.0, "kv260": 200.0
    }  # fmt: skip
