"""HLS view of FMPadding: kernel ``pcnn::fmpadding`` (hls/include/pcnn/fmpadding.h); pad element 0."""

from __future__ import annotations

from typing import Any

from pcnn_hw.core.hlsspec import ElemFormat, Kernel, Port, one_input, targs
from pcnn_hw.layers.fmpadding import FMPadding


def plan_fmpadding(layer: FMPadding, name: str, fin: ElemFormat) -> Kernel:
    """FMPadding -> fmpadding (pad element 0: bit 0 = bipolar -1 on 1-bit streams)."""
    h, w = (int(v) for v in layer.attrs["ImgDim"])
    c, simd = int(layer.attrs["NumChannels"]), layer.simd
    top, left, bottom, right = layer.padding
    oh, ow = layer.out_dims()
    call = f"pcnn::fmpadding<{targs(h, w, c, top, left, bottom, right, simd, fin.bits)}>(in, out);"
    doc = f"{layer.op_type} {layer.name}: {h}x{w}x{c} padding (t, l, b, r) = {layer.padding} SIMD={simd}"
    return Kernel(name, layer.name, layer.op_type, doc, Port(simd, fin, h * w * (c // simd)),
                  Port(simd, fin, oh * ow * (c // simd)), call)


def hls_kernel(layer: FMPadding, name: str, fins: tuple[ElemFormat, ...], **_: Any) -> Kernel:
    """The registry's entry point (see :func:`pcnn_hw.hls.plan.plan_kernel`)."""
    return plan_fmpadding(layer, name, one_input(layer.name, layer.op_type, fins))
