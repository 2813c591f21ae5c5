"""Stream fork (FINN `DuplicateStreams`, `_hls`): the single definition.

y_k = x for k = 1 … NumOutputStreams (every output an identical copy of the stream).
Folding: NumChannels % PE == 0. Stream: PE elements of inputDataType per beat on the input and on every
output. Cycles per frame (FINN's get_exp_cycles) = prod(numInputVectors) · NumChannels / PE.
A fork stalls when any output is full: the FIFO depths of the branches decide whether a fork/join
deadlocks (sized by simulation in a later phase).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pcnn_hw.core.bits import PackedBits
from pcnn_hw.layers.base import PeChannelLayer

OP_TYPES = ("DuplicateStreams", "DuplicateStreams_hls")


@dataclass
class DuplicateStreams(PeChannelLayer):
    """One DuplicateStreams node."""

    @property
    def outputs(self) -> int:
        """NumOutputStreams."""
        return int(self.attrs["NumOutputStreams"])

    @property
    def n_outputs(self) -> int:  # type: ignore[override]
        """Output ports: NumOutputStreams."""
        return self.outputs

    def execute(self, x: np.ndarray | PackedBits) -> tuple[np.ndarray | PackedBits, ...]:
        """NumOutputStreams references to x (layers never write into their inputs)."""
        return (x,) * self.outputs

    def exp_cycles(self) -> int:
        """prod(numInputVectors) · NumChannels / PE."""
        vecs = [int(v) for v in self.attrs.get("numInputVectors", [1])]
        return int(np.prod(vecs)) * int(self.attrs["NumChannels"]) // self.pe
