"""Kernels of the residual-network layer kinds: FMPadding, DuplicateStreams (fork), ElementwiseAdd
(join) and GlobalAccPool, with the semantics of their layer objects in ``pcnn_hw/layers/<kind>/``.

Each ``plan_*`` maps a layer and the element formats of its input stream(s) to a `Kernel` of
``hls/include/pcnn`` (fmpadding.h, duplicate.h, addstreams.h, globalpool.h). Port names in the
call: ``in``, ``in1`` (join) and ``out``, ``out1`` (fork), port k = graph edge port k.
"""

from __future__ import annotations

import numpy as np

from pcnn_hw.errors import UnsupportedOpError
from pcnn_hw.hls.dtypes import ELEM_BIPOLAR, ELEM_SIGNED, ELEM_UNSIGNED, ElemFormat, elem_format, signed_bits
from pcnn_hw.hls.plan import Kernel, Port, _targs
from pcnn_hw.hls.policy import full_range
from pcnn_hw.layers import AddStreams, DuplicateStreams, FMPadding, GlobalAccPool


def _plain(fin: ElemFormat, layer: str) -> ElemFormat:
    """The element as the sums see it, over every value of its bits (the RTL policy,
    pcnn_hw/layers/<kind>/rtl.py): a 1-bit stream counts its bit 0/1, as the layer objects do."""
    if fin.kind == ELEM_BIPOLAR:
        return ElemFormat(1, ELEM_UNSIGNED, 0, 1)
    lo, hi = full_range(fin.bits, fin.kind == ELEM_SIGNED)
    return ElemFormat(fin.bits, fin.kind, lo, hi)


def range_format(lo: int, hi: int) -> ElemFormat:
    """The smallest element format holding [lo, hi]: UINTb when lo >= 0, else INTb."""
    if lo >= 0:
        return ElemFormat(max(1, int(hi).bit_length()), ELEM_UNSIGNED, lo, hi)
    return ElemFormat(signed_bits(lo, hi), ELEM_SIGNED, lo, hi)


def plan_fmpadding(layer: FMPadding, name: str, fin: ElemFormat) -> Kernel:
    """FMPadding -> fmpadding (pad element 0: bit 0 = bipolar -1 on 1-bit streams)."""
    h, w = (int(v) for v in layer.attrs["ImgDim"])
    c, simd = int(layer.attrs["NumChannels"]), layer.simd
    top, left, bottom, right = layer.padding
    oh, ow = layer.out_dims()
    call = f"pcnn::fmpadding<{_targs(h, w, c, top, left, bottom, right, simd, fin.bits)}>(in, out);"
    doc = f"{layer.op_type} {layer.name}: {h}x{w}x{c} padding (t, l, b, r) = {layer.padding} SIMD={simd}"
    return Kernel(name, layer.name, layer.op_type, doc, Port(simd, fin, h * w * (c // simd)),
                  Port(simd, fin, oh * ow * (c // simd)), call)


def plan_duplicate(layer: DuplicateStreams, name: str, fin: ElemFormat) -> Kernel:
    """DuplicateStreams with 2 outputs -> duplicate_streams (out, out1)."""
    if layer.outputs != 2:
        raise UnsupportedOpError(
            f"layer {layer.name}: DuplicateStreams with {layer.outputs} outputs; the HLS fork has 2")
    c, pe = int(layer.attrs["NumChannels"]), layer.pe
    nv = int(np.prod([int(v) for v in layer.attrs.get("numInputVectors", [1])]))
    port = Port(pe, fin, nv * (c // pe))
    call = f"pcnn::duplicate_streams<{_targs(port.width, port.words)}>(in, out, out1);"
    doc = f"{layer.op_type} {layer.name}: fork of {port.words} words of {pe} x {fin.bits} bits"
    return Kernel(name, layer.name, layer.op_type, doc, port, port, call,
                  more_outputs=[Port(pe, fin, port.words)])


def plan_add(layer: AddStreams, name: str, fins: tuple[ElemFormat, ElemFormat]) -> Kernel:
    """ElementwiseAdd of two streams -> add_streams (in, in1); output the exact sum.

    The output element is out_dtype, widened if the producers' formats (every value of their bits,
    e.g. an accumulator wider than its annotation) can sum beyond it, so every sum is exact (the RTL
    raises a typed error in that case instead)."""
    a, b = (_plain(f, layer.name) for f in fins)
    out = elem_format(str(layer.attrs["out_dtype"]), f"layer {layer.name}")
    lo, hi = a.lo + b.lo, a.hi + b.hi
    if lo < out.lo or hi > out.hi:
        out = range_format(min(lo, out.lo), max(hi, out.hi))
    pe = layer.pe
    words = int(np.prod([int(v) for v in layer.attrs["out_shape"]])) // pe
    call = f"pcnn::add_streams<{_targs(pe, words, a.bits, a.kind, b.bits, b.kind, out.bits)}>(in, in1, out);"
    doc = (f"{layer.op_type} {layer.name}: {layer.attrs['lhs_dtype']} + {layer.attrs['rhs_dtype']} -> "
           f"{out.bits}-bit {'signed' if out.kind == ELEM_SIGNED else 'unsigned'}, PE={pe}")
    return Kernel(name, layer.name, layer.op_type, doc, Port(pe, fins[0], words), Port(pe, out, words), call,
                  more_inputs=[Port(pe, fins[1], words)])


def plan_globalpool(layer: GlobalAccPool, name: str, fin: ElemFormat) -> Kernel:
    """GlobalAccPool -> global_acc_pool; output the range of PIX sums of every value of the input bits
    (the RTL's format, the same as FINN's for INTk/UINTk inputs)."""
    c, pe = layer.channels, layer.pe
    vecs = [int(v) for v in layer.attrs.get("numInputVectors", [1])]
    pix = int(np.prod(vecs))
    f = _plain(fin, layer.name)
    out = range_format(pix * min(f.lo, 0), pix * max(f.hi, 0))
    call = f"pcnn::global_acc_pool<{_targs(c, pe, pix, f.bits, f.kind, out.bits)}>(in, out);"
    doc = f"{layer.op_type} {layer.name}: sum over {pix} pixels, C={c} PE={pe} -> {out.bits} bits"
    return Kernel(name, layer.name, layer.op_type, doc, Port(pe, fin, pix * (c // pe)),
                  Port(pe, out, c // pe), call)
