"""FPGA boards we can build for: part, resources and default clock (one row per board).

Default clocks: 100 MHz on the Zynq-7000 boards (xc7z020-1, the PYNQ image's and FINN's default),
200 MHz on the Zynq UltraScale+ boards: their fabric (-1 on Ultra96-V2, -2 on ZCU104/KV260) is about
1.6-2x faster per LUT level plus route than 7-series -1, and FINN's own examples build ZCU104, Ultra96
and KV260 at 200 MHz or more. The PS's PL0 divider cannot make 200 MHz exactly from its ~1.5 GHz PLL,
so the block design keeps the PS clock at 100 MHz and derives the fabric clock with a clocking wizard,
as FINN's `make_zynq_proj` does (`pcnn_hw.board.blockdesign`).

Plain data in the leaf package (moved from `pcnn_hw.compile.boards`, #11): the compiler, the HLS and
RTL backends and the board tooling all read it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from pcnn_hw.errors import UnknownNameError


@dataclass(frozen=True)
class Board:
    """One board: FPGA part, available LUT/FF/BRAM36/DSP, default clock, processing-system type."""

    name: str
    part: str
    lut: int
    ff: int
    bram36: float
    dsp: int
    clock_mhz: float
    ps: str  # "ps7" (Zynq-7000) or "ps8" (Zynq UltraScale+)
    uram: int = 0

    def to_dict(self) -> dict:
        """Return the row as a plain dict (for reports)."""
        return asdict(self)


_BOARDS = (
    Board("pynq-z1", "xc7z020clg400-1", 53_200, 106_400, 140, 220, 100.0, "ps7"),
    Board("pynq-z2", "xc7z020clg400-1", 53_200, 106_400, 140, 220, 100.0, "ps7"),
    Board("ultra96-v2", "xczu3eg-sbva484-1-i", 70_560, 141_120, 216, 360, 200.0, "ps8"),
    Board("zcu104", "xczu7ev-ffvc1156-2-e", 230_400, 460_800, 312, 1_728, 200.0, "ps8", 96),
    Board("kv260", "xck26-sfvc784-2LV-c", 117_120, 234_240, 144, 1_248, 200.0, "ps8", 64),
)

BOARDS: dict[str, Board] = {b.name: b for b in _BOARDS}


def get_board(name: str) -> Board:
    """Return the board called ``name`` (case-insensitive); unknown → UnknownNameError listing all."""
    key = name.strip().lower()
    if key not in BOARDS:
        raise UnknownNameError("board", name, list(BOARDS))
    return BOARDS[key]
