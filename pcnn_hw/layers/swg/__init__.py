"""Sliding-window generator (FINN `ConvolutionInputGenerator`, `_hls`, `_rtl`): the single definition.

Logical function (what FINN's Python execution computes via qonnx Im2Col): input (N, H, W, C) NHWC,
no padding (padding is a separate FMPadding layer), output (N, OH, OW, KH*KW*C) whose last axis is
ordered (kh, kw, c), matching the (kh, kw, c) row order of the lowered convolution weights. This holds
for `depthwise=1` too (used in front of Pool); there only the *stream order* in hardware differs
(channel-fold-major), which the streaming backends must reproduce.

On packed binary data each input pixel is one segment of ceil(C / 64) words, so a window is a gather
of whole words (KH*KW segments), no bit shifts.

Folding: IFMChannels % SIMD == 0. Cycle model: FINN's ConvolutionInputGenerator_rtl.get_exp_cycles
(default implementation style for 2D, 1D and the parallel-window style).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from pcnn_hw.core.bits import PackedBits
from pcnn_hw.layers.base import SimdChannelLayer

OP_TYPES = ("ConvolutionInputGenerator", "ConvolutionInputGenerator_hls", "ConvolutionInputGenerator_rtl")


def window_index(
    ifm: tuple[int, int], k: tuple[int, int], stride: tuple[int, int], dil: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
    """Row and column gather indices (OH, OW, KH*KW) of every window element, and (OH, OW)."""
    (h, w), (kh, kw), (sh, sw), (dh, dw) = ifm, k, stride, dil
    oh = (h - dh * (kh - 1) - 1) // sh + 1
    ow = (w - dw * (kw - 1) - 1) // sw + 1
    ky, kx = np.meshgrid(np.arange(kh) * dh, np.arange(kw) * dw, indexing="ij")
    rows = (np.arange(oh) * sh)[:, None, None] + ky.reshape(1, 1, -1)
    cols = (np.arange(ow) * sw)[None, :, None] + kx.reshape(1, 1, -1)
    rows = np.broadcast_to(rows, (oh, ow, kh * kw))
    cols = np.broadcast_to(cols, (oh, ow, kh * kw))
    return rows, cols, (oh, ow)


def gather_index(
    ifm: tuple[int, int], depth: int, k: tuple[int, int], stride: tuple[int, int], dil: tuple[int, int]
) -> tuple[np.ndarray, tuple[int, int]]:
    """Flat gather index of im2col on one (H, W, depth) image stored flat: out[j] = image[idx[j]], with
    out ordered (OH, OW, KH*KW, depth); and (OH, OW)."""
    rows, cols, (oh, ow) = window_index(ifm, k, stride, dil)
    pixel = rows * ifm[1] + cols  # (OH, OW, KH*KW)
    idx = pixel[..., None] * depth + np.arange(depth)
    return np.ascontiguousarray(idx.reshape(-1), dtype=np.intp), (oh, ow)


def im2col_nhwc(
    x: np.ndarray, k: tuple[int, int], stride: tuple[int, int], dil: tuple[int, int]
) -> np.ndarray:
    """Plain im2col on (N, H, W, C) -> (N, OH, OW, KH*KW*C) with (kh, kw, c) order (strided views; the
    layer itself uses a precomputed gather, `gather_index`)."""
    n, h, w, c = x.shape
    (kh, kw), (sh, sw), (dh, dw) = k, stride, dil
    ekh, ekw = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    oh, ow = (h - ekh) // sh + 1, (w - ekw) // sw + 1
    # strided view (N, OH, OW, C, EKH, EKW) -> pick dilated taps -> (N, OH, OW, KH, KW, C), one copy
    v = np.lib.stride_tricks.sliding_window_view(x, (ekh, ekw), axis=(1, 2))
    v = v[:, : (oh - 1) * sh + 1 : sh, : (ow - 1) * sw + 1 : sw, :, ::dh, ::dw]
    return np.ascontiguousarray(v.transpose(0, 1, 2, 4, 5, 3)).reshape(n, oh, ow, kh * kw * c)


@dataclass
class SlidingWindow(SimdChannelLayer):
    """One ConvolutionInputGenerator node (SIMD channels of one pixel per beat in; IFMChannels % SIMD)."""

    CHANNELS_ATTR: ClassVar[str] = "IFMChannels"

    _index_cache: dict = field(default_factory=dict, repr=False)

    def _pair(self, key: str, default: int = 1) -> tuple[int, int]:
        v = self.attrs.get(key, [default, default])
        return int(v[0]), int(v[1])

    def out_elems_per_beat(self, port: int = 0) -> int:
        """SIMD per beat; KH·KW·SIMD with parallel_window (all window pixels at once, not depthwise)."""
        self.check_port("out", port)
        if int(self.attrs.get("parallel_window", 0)) and not int(self.attrs.get("depthwise", 0)):
            kh, kw = self._pair("ConvKernelDim")
            return kh * kw * self.simd
        return self.simd

    def _gather(self, x: np.ndarray) -> np.ndarray:
        """(N, H*W*D) flat images -> (N, OH, OW, KH*KW*D) windows, one take with a cached index."""
        n = x.shape[0]
        flat = x.reshape(n, -1)
        cached = self._index_cache.get(flat.shape[1])  # by elements per image: one entry per depth
        if cached is None:
            ih, iw = self._pair("IFMDim")
            k, s, d = self._pair("ConvKernelDim"), self._pair("Stride"), self._pair("Dilation")
            depth = flat.shape[1] // (ih * iw)
            cached = self._index_cache[flat.shape[1]] = gather_index((ih, iw), depth, k, s, d)
        idx, (oh, ow) = cached
        return flat.take(idx, axis=1).reshape(n, oh, ow, -1)

    def execute(self, x: np.ndarray | PackedBits) -> np.ndarray | PackedBits:
        """Batched window gather; packed input stays packed (one segment per window pixel)."""
        if isinstance(x, PackedBits):
            kh, kw = self._pair("ConvKernelDim")
            return PackedBits(self._gather(x.words), x.seg_bits, x.n_segs * kh * kw)
        return self._gather(np.asarray(x))

    def exp_cycles(self) -> int:
        """FINN's ConvolutionInputGenerator_rtl cycle model."""
        simd, ifm_ch = self.simd, self.channels
        k_h, k_w = self._pair("ConvKernelDim")
        ifm_h, ifm_w = self._pair("IFMDim")
        ofm_h, ofm_w = self._pair("OFMDim")
        s_h, s_w = self._pair("Stride")
        d_h, d_w = self._pair("Dilation")
        depthwise = int(self.attrs.get("depthwise", 0))
        if int(self.attrs.get("parallel_window", 0)) or (k_h == 1 and k_w == 1):
            return int(ifm_h * ifm_w * ifm_ch // simd + 2)
        cf = ifm_ch // simd
        if ifm_h == 1 or ifm_w == 1:
            # normalise to a horizontal 1D problem
            if ifm_w == 1:
                ifm_w, ofm_w, k_w, s_w = ifm_h, ofm_h, k_h, s_h
            if depthwise:
                c_out = ofm_w * k_w * cf + (cf - 1) * k_w
                c_in = ifm_w * cf + cf * (k_w - 1) * (s_w - 1)
                return int(max(c_out, c_in) + 2)
            return int(ofm_w * k_w * cf + 2)
        buf = ((k_h - 1) * d_h * ifm_w + (k_w - 1) * d_w + 1) * cf
        mx = max(ofm_w * k_w * k_h * cf, s_w * ifm_w * cf)
        if depthwise:
            mx += ofm_w * (s_w - 1) * (cf - 1)
        cyc = buf + ofm_h * mx
        if depthwise:
            cyc += (s_h - 1) * ifm_w * cf
        return int(cyc)
