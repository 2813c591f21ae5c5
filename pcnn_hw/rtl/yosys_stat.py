"""Yosys ``stat`` results as resource counts (:class:`Resources`, :func:`parse_stat`).

LUT counting follows Vivado's utilization report: ``LUT`` = logic LUTs + LUTs used as distributed RAM
(RAM32M/RAM64M = 4, RAM32X1D/RAM64X1D = 2, RAM128X1D = 4, RAM*X1S = 1 per 64 bits) + SRLs;
``BRAM36`` = RAMB36 + RAMB18 / 2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LUTRAM_WEIGHT = {
    "RAM32M": 4,
    "RAM64M": 4,
    "RAM32X1D": 2,
    "RAM64X1D": 2,
    "RAM128X1D": 4,
    "RAM32X1S": 1,
    "RAM64X1S": 1,
    "RAM128X1S": 2,
    "RAM256X1S": 4,
    "RAM32M16": 8,
    "RAM64M8": 8,
    "SRL16E": 1,
    "SRLC32E": 1,
    "SRLC16E": 1,
}


@dataclass
class Resources:
    """Resource counts of one synthesized module."""

    lut: int = 0
    lut_logic: int = 0
    lut_mem: int = 0
    ff: int = 0
    ramb18: int = 0
    ramb36: int = 0
    dsp: int = 0
    carry4: int = 0

    @property
    def bram36(self) -> float:
        """BRAM in RAMB36 equivalents."""
        return self.ramb36 + self.ramb18 / 2

    def add(self, o: Resources) -> Resources:
        """Element-wise sum."""
        return Resources(*(getattr(self, f) + getattr(o, f) for f in self.__dataclass_fields__))

    def to_dict(self) -> dict:
        """Report row."""
        return {
            "LUT": self.lut,
            "LUT_logic": self.lut_logic,
            "LUT_mem": self.lut_mem,
            "FF": self.ff,
            "RAMB18": self.ramb18,
            "RAMB36": self.ramb36,
            "BRAM36": self.bram36,
            "DSP": self.dsp,
        }


def parse_stat(text: str) -> Resources:
    """Parse the cell list of Yosys' ``stat`` output (after synth_xilinx) into :class:`Resources`."""
    cells: dict[str, int] = {}
    for m in re.finditer(r"^\s+(\d+)\s+([A-Z][A-Z0-9_]+)\s*$", text, re.M):
        cells[m.group(2)] = cells.get(m.group(2), 0) + int(m.group(1))
    r = Resources()
    r.lut_logic = sum(v for k, v in cells.items() if re.fullmatch(r"LUT[1-6]", k))
    r.lut_mem = sum(v * LUTRAM_WEIGHT[k] for k, v in cells.items() if k in LUTRAM_WEIGHT)
    r.lut = r.lut_logic + r.lut_mem
    r.ff = sum(v for k, v in cells.items() if k in ("FDRE", "FDSE", "FDCE", "FDPE", "FDR", "FDS", "FD"))
    r.ramb18 = sum(v for k, v in cells.items() if k.startswith("RAMB18"))
    r.ramb36 = sum(v for k, v in cells.items() if k.startswith("RAMB36"))
    r.dsp = sum(v for k, v in cells.items() if k.startswith("DSP48"))
    r.carry4 = cells.get("CARRY4", 0)
    return r


def parse_stat_modules(text: str) -> dict[str, Resources]:
    """Per-module cells of a hierarchical ``stat`` (one ``=== NAME ===`` section per module; the
    ``design hierarchy`` summary is left out)."""
    parts = re.split(r"^=== (.+?) ===\s*$", text, flags=re.M)
    return {name: parse_stat(body) for name, body in zip(parts[1::2], parts[2::2], strict=True)
            if name != "design hierarchy"}  # fmt: skip
