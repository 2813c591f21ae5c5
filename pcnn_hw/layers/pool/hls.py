"""HLS view of the max-pool: ``pcnn::max_pool`` (Pool after a depthwise sliding window, SIMD == PE)
or ``pcnn::streaming_max_pool`` (StreamingMaxPool)."""

from __future__ import annotations

from typing import Any

import numpy as np

from pcnn_hw.core.hlsspec import ElemFormat, Kernel, Port, one_input, targs
from pcnn_hw.errors import FoldingError
from pcnn_hw.layers.pool import MaxPool


def plan_pool(layer: MaxPool, name: str, fin: ElemFormat, prev: Kernel | None) -> Kernel:
    """Pool (after a depthwise window) -> max_pool; StreamingMaxPool -> streaming_max_pool."""
    c, pe = layer.channels, layer.pe
    kh, kw = layer.k
    if layer.streaming:
        h, w = (int(v) for v in layer.attrs["ImgDim"])
        call = f"pcnn::streaming_max_pool<{targs(h, w, c, kh, kw, pe, fin.bits, fin.kind)}>(in, out);"
        doc = f"{layer.op_type} {layer.name}: {h}x{w}x{c} pool {kh}x{kw} PE={pe}"
        return Kernel(
            name,
            layer.name,
            layer.op_type,
            doc,
            Port(pe, fin, h * w * (c // pe)),
            Port(pe, fin, (h // kh) * (w // kw) * (c // pe)),
            call,
        )
    if prev is None or not prev.depthwise or prev.out.elems != pe:
        raise FoldingError(
            f"layer {layer.name}: Pool must follow a depthwise sliding window with SIMD == PE ({pe})"
            + (f", got {prev.node} with {prev.out.elems} channels per word" if prev is not None else "")
        )
    od = [int(v) for v in layer.attrs.get("OutImgDims", [1, 1])]
    pix = int(np.prod(od)) * int(layer.attrs.get("BatchSize", 1))
    call = f"pcnn::max_pool<{targs(c, pe, kh * kw, pix, fin.bits, fin.kind)}>(in, out);"
    doc = f"{layer.op_type} {layer.name}: max over {kh}x{kw}, C={c} PE={pe}, {pix} output pixels"
    return Kernel(
        name,
        layer.name,
        layer.op_type,
        doc,
        Port(pe, fin, pix * (c // pe) * kh * kw),
        Port(pe, fin, pix * (c // pe)),
        call,
    )


def hls_kernel(
    layer: MaxPool, name: str, fins: tuple[ElemFormat, ...], prev: Kernel | None = None, **_: Any
) -> Kernel:
    """The registry's entry point (see :func:`pcnn_hw.hls.plan.plan_kernel`); `prev`: the producer."""
    return plan_pool(layer, name, one_input(layer.name, layer.op_type, fins), prev)
