"""What every build step can see: the board, clock, folding request and the build directory."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from pcnn_hw.core.boards import Board


@dataclass(frozen=True)
class FoldingSpec:
    """How to fold: ``mode`` is "target_fps" (FINN's SetFolding), "auto", "max" or "file"."""

    mode: str = "auto"
    target_fps: float | None = None
    path: Path | None = None
    lut_fraction: float = 0.85  # share of the board's LUTs the "auto" optimizer may use
    bram_fraction: float = 1.0  # share of the board's BRAM36 the "auto" optimizer may use
    resource_model: str = "ours"  # "auto" optimizes on: ours (pcnn_hw/resources) or "finn" (#12)

    def describe(self) -> str:
        """One-line human description (for progress output and reports)."""
        if self.mode == "target_fps":
            return f"SetFolding for {self.target_fps:g} FPS"
        if self.mode == "file":
            return f"folding config {self.path}"
        if self.mode == "auto":
            return (f"auto (max FPS within {self.lut_fraction:.0%} LUT, "
                    f"{self.bram_fraction:.0%} BRAM36)")
        return self.mode


@dataclass
class BuildContext:
    """State shared by the steps of one build; lives in arguments and the build directory only."""

    board: Board
    clock_mhz: float
    folding: FoldingSpec
    work_dir: Path  # the build directory being written (a temp dir beside the target, or in place)
    stream: TextIO = field(default=sys.stdout)
    warnings: list[str] = field(default_factory=list)
    info: dict = field(default_factory=dict)  # facts steps record for the report

    @property
    def fpga_part(self) -> str:
        """The FPGA part name of the board."""
        return self.board.part

    @property
    def clk_ns(self) -> float:
        """Clock period in nanoseconds."""
        return 1000.0 / self.clock_mhz

    @property
    def finn_dir(self) -> Path:
        """FINN's scratch directory (FINN_BUILD_DIR) inside the build directory."""
        return self.work_dir / "finn"

    def log(self, msg: str) -> None:
        """Print a progress line."""
        print(msg, file=self.stream, flush=True)

    def warn(self, msg: str) -> None:
        """Record and print a warning (also listed in the report)."""
        self.warnings.append(msg)
        print(f"warning: {msg}", file=self.stream, flush=True)
