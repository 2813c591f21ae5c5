"""Max-pool on bits (FINN `Pool` with Function=MaxPool after a depthwise sliding window, and
`StreamingMaxPool`): the single definition.

* `Pool` input (N, OH, OW, K*K*C) with (k, c) order from the depthwise sliding window; output
  (N, OH, OW, C) = max over the K*K window elements. On binary data (0 encodes -1) max is a bitwise OR,
  done on whole packed words. Folding: Channels % PE == 0; cycles = Channels * K*K / PE * OH*OW.
* `StreamingMaxPool` input (N, H, W, C), kernel PoolDim, stride = kernel; output (N, H/K, W/K, C).
  Folding: NumChannels % PE == 0; cycles (FINN, 2D) = IFMDim_h * (IFMDim_w + 1) * C / PE ... here
  approximated as H * W * C / PE (one input element group per cycle).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from pcnn_hw.core.bits import PackedBits
from pcnn_hw.core.datatypes import base_op_type
from pcnn_hw.errors import UnsupportedOpError
from pcnn_hw.layers.base import FoldDims, PeChannelLayer

OP_TYPES = ("Pool", "Pool_hls", "StreamingMaxPool", "StreamingMaxPool_hls")


@dataclass
class MaxPool(PeChannelLayer):
    """One Pool (MaxPool) or StreamingMaxPool node."""

    CHANNELS_ATTR: ClassVar[str] = "Channels"  # Pool's channel count (StreamingMaxPool: NumChannels)

    @classmethod
    def fold_dims(cls, op_type: str, get: Callable[[str], Any]) -> FoldDims:
        """{"PE": (Channels, value)} for Pool, {"PE": (NumChannels, value)} for StreamingMaxPool."""
        dim = cls.CHANNELS_ATTR if base_op_type(op_type) == "Pool" else "NumChannels"
        return {"PE": (dim, int(get(dim)))}

    @property
    def streaming(self) -> bool:
        """True for StreamingMaxPool (window generation inside the layer)."""
        return self.op_type.startswith("StreamingMaxPool")

    @property
    def k(self) -> tuple[int, int]:
        """Kernel (KH, KW)."""
        v = self.attrs.get("KernelSize", self.attrs.get("PoolDim", [1, 1]))
        return int(v[0]), int(v[1])

    def check_supported(self) -> None:
        """Only Function=MaxPool is supported."""
        if not self.streaming and self.attrs.get("Function", "MaxPool") != "MaxPool":
            raise UnsupportedOpError(
                f"node {self.name}: Pool Function={self.attrs.get('Function')} is not supported "
                "(supported: MaxPool)"
            )

    def execute(self, x: np.ndarray | PackedBits) -> np.ndarray | PackedBits:
        """Max over each window; packed bits use OR over the window's word segments."""
        kk = self.k[0] * self.k[1]
        if self.streaming:
            ih, iw = (int(v) for v in self.attrs["ImgDim"])
            kh, kw = self.k
            oh, ow = ih // kh, iw // kw
            if isinstance(x, PackedBits):
                w = x.words.reshape(x.words.shape[0], ih, iw, -1)[:, : oh * kh, : ow * kw]
                w = w.reshape(w.shape[0], oh, kh, ow, kw, -1)
                return PackedBits(
                    np.bitwise_or.reduce(np.bitwise_or.reduce(w, axis=4), axis=2), x.seg_bits, x.n_segs
                )
            xv = np.asarray(x).reshape(x.shape[0], ih, iw, -1)[:, : oh * kh, : ow * kw]
            return xv.reshape(xv.shape[0], oh, kh, ow, kw, -1).max(axis=(2, 4))
        if isinstance(x, PackedBits):
            if x.n_segs % kk:
                raise UnsupportedOpError(f"node {self.name}: input segments not a multiple of K*K")
            lead = x.words.shape[:-1]
            w = x.words.reshape(lead + (kk, -1))
            return PackedBits(np.bitwise_or.reduce(w, axis=-2), x.seg_bits, x.n_segs // kk)
        xv = np.asarray(x)
        return xv.reshape(xv.shape[:-1] + (kk, self.channels)).max(axis=-2)

    def exp_cycles(self) -> int:
        """Pool: Channels * K*K / PE * prod(OutImgDims) * BatchSize (FINN's Pool.get_exp_cycles)."""
        kk = self.k[0] * self.k[1]
        if self.streaming:
            ih, iw = (int(v) for v in self.attrs["ImgDim"])
            return int(ih * iw * self.channels // self.pe)
        od = self.attrs.get("OutImgDims", [1, 1])
        return int(self.channels * kk // self.pe * int(np.prod(od)) * int(self.attrs.get("BatchSize", 1)))
