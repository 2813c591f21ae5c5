"""Layers that do not change values: FIFOs and data-width converters (their only effect is timing).

Cycle model: the number of output words per frame (FIFO: 0 added cycles are modelled here).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pcnn_hw.core.bits import PackedBits
from pcnn_hw.core.datatypes import datatype_bits
from pcnn_hw.layers.base import HwLayer

OP_TYPES = (
    "StreamingFIFO",
    "StreamingFIFO_rtl",
    "StreamingDataWidthConverter",
    "StreamingDataWidthConverter_hls",
    "StreamingDataWidthConverter_rtl",
)


@dataclass
class PassThrough(HwLayer):
    """A FIFO or width converter: identity on values."""

    def _beat(self, side: str) -> int:
        if "folded_shape" in self.attrs:  # StreamingFIFO
            return int(list(self.attrs["folded_shape"])[-1])
        width = int(self.attrs["inWidth" if side == "in" else "outWidth"])  # DWC: bits per beat
        return width // datatype_bits(str(self.attrs["dataType"]))

    def in_elems_per_beat(self, port: int = 0) -> int:
        """FIFO: folded_shape[-1]; width converter: inWidth / element bits."""
        self.check_port("in", port)
        return self._beat("in")

    def out_elems_per_beat(self, port: int = 0) -> int:
        """FIFO: folded_shape[-1]; width converter: outWidth / element bits."""
        self.check_port("out", port)
        return self._beat("out")

    def execute(self, x: np.ndarray | PackedBits) -> np.ndarray | PackedBits:
        """Identity."""
        return x

    def exp_cycles(self) -> int:
        """0 (latency only)."""
        return 0
