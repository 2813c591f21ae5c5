"""Feature-map padding (FINN `FMPadding`, `_hls`, `_rtl`): the single definition.

y[n, i, j, c] = x[n, i − top, j − left, c] inside the image, 0 outside, for
Padding = [top, left, bottom, right]; output (N, H + top + bottom, W + left + right, C). The pad value is
the element 0: for a 1-bit stream the bit 0, i.e. the bipolar −1 the models pad with (models/resnet.py).
Folding: NumChannels % SIMD == 0. Stream: SIMD elements of inputDataType per beat, out = in type.
Cycles per frame (FINN's get_exp_cycles) = NumChannels / SIMD · (H + top + bottom) · (W + left + right).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pcnn_hw.core.bits import PackedBits
from pcnn_hw.layers.base import SimdChannelLayer

OP_TYPES = ("FMPadding", "FMPadding_hls", "FMPadding_rtl")


@dataclass
class FMPadding(SimdChannelLayer):
    """One FMPadding node."""

    @property
    def padding(self) -> tuple[int, int, int, int]:
        """(top, left, bottom, right)."""
        top, left, bottom, right = (int(p) for p in self.attrs["Padding"])
        return top, left, bottom, right

    def out_dims(self) -> tuple[int, int]:
        """(H_out, W_out) of the padded image."""
        h, w = (int(d) for d in self.attrs["ImgDim"])
        top, left, bottom, right = self.padding
        return h + top + bottom, w + left + right

    def execute(self, x: np.ndarray | PackedBits) -> np.ndarray | PackedBits:
        """Zero padding of the spatial axes 1 and 2 (packed bits: zero words, i.e. bit 0)."""
        top, left, bottom, right = self.padding
        widths = ((0, 0), (top, bottom), (left, right), (0, 0))
        if isinstance(x, PackedBits):
            return PackedBits(np.pad(x.words, widths), x.seg_bits, x.n_segs)
        return np.pad(np.asarray(x), widths)

    def exp_cycles(self) -> int:
        """NumChannels / SIMD · H_out · W_out."""
        h, w = self.out_dims()
        return int(self.attrs["NumChannels"]) // self.simd * h * w
