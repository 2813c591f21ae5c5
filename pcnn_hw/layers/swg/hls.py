"""HLS view of the sliding window: kernel ``pcnn::sliding_window`` (standard / depthwise) or
``pcnn::sliding_window_parallel`` (``parallel_window`` with SIMD == C)."""

from __future__ import annotations

from typing import Any

from pcnn_hw.core.hlsspec import ElemFormat, Kernel, Port, one_input, targs
from pcnn_hw.layers.swg import SlidingWindow


def plan_swg(layer: SlidingWindow, name: str, fin: ElemFormat, simd: int | None = None) -> Kernel:
    """ConvolutionInputGenerator -> sliding_window (standard / depthwise) or sliding_window_parallel.

    `simd` overrides the layer's SIMD (a depthwise window takes its max-pool's PE, see pcnn_hw.hls.dag)."""
    p = layer._pair  # noqa: SLF001 - the layer's own attribute reader
    (h, w), (kh, kw), (sh, sw), (dh, dw) = p("IFMDim"), p("ConvKernelDim"), p("Stride"), p("Dilation")
    c, graph_simd = layer.channels, layer.simd
    simd = simd or graph_simd
    dws = bool(int(layer.attrs.get("depthwise", 0)))
    oh, ow = (h - (kh - 1) * dh - 1) // sh + 1, (w - (kw - 1) * dw - 1) // sw + 1
    geo = (h, w, c, kh, kw, sh, sw, dh, dw)
    doc = (
        f"{layer.op_type} {layer.name}: {h}x{w}x{c} kernel {kh}x{kw} stride {sh}x{sw} dilation {dh}x{dw} "
        f"SIMD={simd}{' depthwise' if dws else ''}"
    )
    if simd != graph_simd:
        doc += f" (graph SIMD {graph_simd}; set to the max-pool's PE)"
    inp = Port(simd, fin, h * w * (c // simd))
    if int(layer.attrs.get("parallel_window", 0)) and simd == c and not dws:
        call = f"pcnn::sliding_window_parallel<{targs(*geo, fin.bits)}>(in, out);"
        return Kernel(
            name,
            layer.name,
            layer.op_type,
            doc + " parallel window",
            inp,
            Port(kh * kw * c, fin, oh * ow),
            call,
        )
    call = f"pcnn::sliding_window<{targs(*geo, simd, fin.bits, dws)}>(in, out);"
    out = Port(simd, fin, oh * ow * kh * kw * (c // simd))
    return Kernel(name, layer.name, layer.op_type, doc, inp, out, call, depthwise=dws)


def hls_kernel(
    layer: SlidingWindow, name: str, fins: tuple[ElemFormat, ...], pool_pe: int | None = None, **_: Any
) -> Kernel:
    """The registry's entry point (see :func:`pcnn_hw.hls.plan.plan_kernel`); `pool_pe`: the SIMD of a
    depthwise window feeding a max-pool."""
    return plan_swg(layer, name, one_input(layer.name, layer.op_type, fins), pool_pe)
