"""HLS view of GlobalAccPool: kernel ``pcnn::global_acc_pool`` (sum over the pixels)."""

from __future__ import annotations

from typing import Any

import numpy as np

from pcnn_hw.core.hlsspec import (
    ElemFormat,
    Kernel,
    Port,
    one_input,
    plain_format,
    range_format,
    targs,
)
from pcnn_hw.layers.globalpool import GlobalAccPool


def plan_globalpool(layer: GlobalAccPool, name: str, fin: ElemFormat) -> Kernel:
    """GlobalAccPool -> global_acc_pool; output the range of PIX sums of every value of the input bits
    (the RTL's format, the same as FINN's for INTk/UINTk inputs)."""
    c, pe = layer.channels, layer.pe
    vecs = [int(v) for v in layer.attrs.get("numInputVectors", [1])]
    pix = int(np.prod(vecs))
    f = plain_format(fin)
    out = range_format(pix * min(f.lo, 0), pix * max(f.hi, 0))
    call = f"pcnn::global_acc_pool<{targs(c, pe, pix, f.bits, f.kind, out.bits)}>(in, out);"
    doc = f"{layer.op_type} {layer.name}: sum over {pix} pixels, C={c} PE={pe} -> {out.bits} bits"
    return Kernel(name, layer.name, layer.op_type, doc, Port(pe, fin, pix * (c // pe)),
                  Port(pe, out, c // pe), call)


def hls_kernel(layer: GlobalAccPool, name: str, fins: tuple[ElemFormat, ...], **_: Any) -> Kernel:
    """The registry's entry point (see :func:`pcnn_hw.hls.plan.plan_kernel`)."""
    return plan_globalpool(layer, name, one_input(layer.name, layer.op_type, fins))
