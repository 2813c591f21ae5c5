"""HLS view of ElementwiseAdd: kernel ``pcnn::add_streams`` (ports in, in1), output the exact sum."""

from __future__ import annotations

from typing import Any

import numpy as np

from pcnn_hw.core.hlsspec import (
    ELEM_SIGNED,
    ElemFormat,
    Kernel,
    Port,
    elem_format,
    plain_format,
    range_format,
    targs,
)
from pcnn_hw.errors import UnsupportedOpError
from pcnn_hw.layers.addstreams import AddStreams


def plan_add(layer: AddStreams, name: str, fins: tuple[ElemFormat, ElemFormat]) -> Kernel:
    """ElementwiseAdd of two streams -> add_streams (in, in1); output the exact sum.

    The output element is out_dtype, widened if the producers' formats (every value of their bits,
    e.g. an accumulator wider than its annotation) can sum beyond it, so every sum is exact (the RTL
    raises a typed error in that case instead)."""
    a, b = (plain_format(f) for f in fins)
    out = elem_format(str(layer.attrs["out_dtype"]), f"layer {layer.name}")
    lo, hi = a.lo + b.lo, a.hi + b.hi
    if lo < out.lo or hi > out.hi:
        out = range_format(min(lo, out.lo), max(hi, out.hi))
    pe = layer.pe
    words = int(np.prod([int(v) for v in layer.attrs["out_shape"]])) // pe
    call = f"pcnn::add_streams<{targs(pe, words, a.bits, a.kind, b.bits, b.kind, out.bits)}>(in, in1, out);"
    doc = (f"{layer.op_type} {layer.name}: {layer.attrs['lhs_dtype']} + {layer.attrs['rhs_dtype']} -> "
           f"{out.bits}-bit {'signed' if out.kind == ELEM_SIGNED else 'unsigned'}, PE={pe}")
    return Kernel(name, layer.name, layer.op_type, doc, Port(pe, fins[0], words), Port(pe, out, words), call,
                  more_inputs=[Port(pe, fins[1], words)])


def hls_kernel(layer: AddStreams, name: str, fins: tuple[ElemFormat, ...], **_: Any) -> Kernel:
    """The registry's entry point (see :func:`pcnn_hw.hls.plan.plan_kernel`): two input formats."""
    if len(fins) != 2:
        raise UnsupportedOpError(
            f"layer {layer.name}: {layer.op_type} has two inputs, got {len(fins)} formats")
    return plan_add(layer, name, (fins[0], fins[1]))
