"""Global accumulating pool (FINN `GlobalAccPool`, `_hls`): the single definition.

y[n, 0, 0, c] = Σ_{i, j} x[n, i, j, c] over the H × W image (the sum; the 1/(H·W) of an average is moved
into the label select by the compiler, where a positive scale does not change the ranking).
Output type: the smallest integer type holding H·W·max(input) (FINN's get_output_datatype).
Folding: NumChannels % PE == 0. Stream: PE elements per beat in, PE sums per beat out.
Cycles per frame (FINN's get_exp_cycles) = prod(numInputVectors) · C / PE + C / PE.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pcnn_hw.core.bits import PackedBits
from pcnn_hw.layers.base import PeChannelLayer

OP_TYPES = ("GlobalAccPool", "GlobalAccPool_hls")


@dataclass
class GlobalAccPool(PeChannelLayer):
    """One GlobalAccPool node."""

    def execute(self, x: np.ndarray | PackedBits) -> np.ndarray:
        """Sum over the spatial axes 1 and 2 of (N, H, W, C), kept as size-1 axes: (N, 1, 1, C)."""
        xv = x.to_bits() if isinstance(x, PackedBits) else np.asarray(x)
        return xv.astype(np.int64).sum(axis=(1, 2), keepdims=True)

    def exp_cycles(self) -> int:
        """prod(numInputVectors) · C / PE + C / PE."""
        vecs = [int(v) for v in self.attrs.get("numInputVectors", [1])]
        folds = self.channels // self.pe
        return int(np.prod(vecs)) * folds + folds
