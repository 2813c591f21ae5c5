"""Standalone multi-threshold unit (FINN `Thresholding`, `_hls`, `_rtl`): the single definition.

FINN emits it for the input quantizer (e.g. float or 8-bit pixels -> INT8 with 255 thresholds,
ActVal = -128) and for activations it does not merge into an MVAU.

y[c] = #{i : x[c] >= T[c, i]} + ActVal (BIPOLAR output: 2 * that - 1, carried as one bit).
Folding: NumChannels % PE == 0; cycles per frame = NumChannels / PE * prod(numInputVectors).
Memory layout: thresholds (C, n_steps) interleaved over PEs -> (PE, C / PE, n_steps), as FINN's
`Thresholding.get_hw_compatible_threshold_tensor` (same rule as the MVAU thresholds).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from onnx import NodeProto

from pcnn_hw.core.bits import PackedBits, pack_bits
from pcnn_hw.layers.base import PeChannelLayer, datatype_range
from pcnn_hw.layers.thresholds import compact_int, load_threshold_memory, thresholds_from_memory

OP_TYPES = ("Thresholding", "Thresholding_hls", "Thresholding_rtl")


def multithreshold_channels_last(x: np.ndarray, thr: np.ndarray) -> np.ndarray:
    """Count, per element, how many thresholds of its channel (last axis) it reaches (x >= T)."""
    c, n = thr.shape
    x = np.asarray(x)
    if n > 8 and np.all(np.diff(thr, axis=1) >= 0):
        cnt = np.empty(x.shape, np.int64)
        for ch in range(c):
            cnt[..., ch] = np.searchsorted(thr[ch], x[..., ch], side="right")
        return cnt
    cnt = np.zeros(x.shape, np.int64)
    for i in range(n):
        cnt += x >= thr[:, i]
    return cnt


@dataclass
class Thresholding(PeChannelLayer):
    """One Thresholding node."""

    thresh_mem: np.ndarray = field(default_factory=lambda: np.zeros((1, 1, 1)))
    _lut: np.ndarray | None = None

    def bind(self, node: NodeProto, get_init: Any, memory: dict[str, np.ndarray] | None) -> None:
        """Thresholds from the initializer or a given memory image."""
        self.thresh_mem = load_threshold_memory(node, get_init, memory, 1, self.channels, self.pe)
        self.thresholds = thresholds_from_memory(self.thresh_mem)
        self._first_step = np.ascontiguousarray(self.thresholds[:, 0])

    def memory_images(self) -> dict[str, np.ndarray]:
        """{'thresholds': (PE, C / PE, n_steps)}."""
        return {"thresholds": self.thresh_mem}

    def execute(self, x: np.ndarray | PackedBits) -> np.ndarray | PackedBits:
        """Bit-exact batched execution; BINARY/BIPOLAR one-step outputs come back packed."""
        if isinstance(x, PackedBits):
            x = x.to_bits()
        odt = str(self.attrs.get("outputDataType"))
        act = int(self.attrs.get("ActVal", 0))
        if odt in ("BINARY", "BIPOLAR") and self.thresholds.shape[1] == 1 and act == 0:
            return PackedBits(pack_bits(np.asarray(x) >= self._first_step), self.channels)
        idt = str(self.attrs.get("inputDataType", "FLOAT32"))
        lo, hi = datatype_range(idt)
        if np.isfinite(lo) and hi - lo < 2**16:
            # integer input of a small range: one lookup per element in a table of final outputs,
            # table[(v - lo) * C + c]
            if self._lut is None:
                vals = np.arange(lo, hi + 1, dtype=np.float64)
                cnt = multithreshold_channels_last(
                    np.broadcast_to(vals[:, None], (vals.size, self.channels)), self.thresholds
                ) + act
                self._lut = (2 * cnt - 1 if odt == "BIPOLAR" else compact_int(cnt, odt)).reshape(-1)
                self._lut_offset = np.arange(self.channels, dtype=np.intp) - int(lo) * self.channels
            xv = np.asarray(x)
            xi = xv.astype(np.intp).reshape(xv.shape[:-1] + (-1, self.channels))
            idx = xi * self.channels + self._lut_offset
            return self._lut.take(idx).reshape(xv.shape)
        cnt = multithreshold_channels_last(x, self.thresholds) + act
        return 2 * cnt - 1 if odt == "BIPOLAR" else compact_int(cnt, odt)

    def exp_cycles(self) -> int:
        """NumChannels / PE * prod(numInputVectors)."""
        vecs = list(self.attrs.get("numInputVectors", [1]))
        return int(self.channels // self.pe * np.prod(vecs))
