"""HLS view of the MVAU: kernels ``pcnn::mvau_xnor`` / ``mvau_int`` and their ``*_acc`` forms
(hls/include/pcnn), with the weights and thresholds as constant arrays.

Template arguments: MW, MH, SIMD, PE, NUMVEC (, IN_BITS, IN_KIND, W_BITS, W_KIND for integer input),
ACCW and N_STEPS, threshold type, ACTVAL, OUT_BITS — widths from :mod:`pcnn_hw.layers.mvau.policy`, the
policy of the RTL view too.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pcnn_hw.core.hlsspec import (
    BIT,
    ELEM_SIGNED,
    ElemFormat,
    Kernel,
    Port,
    elem_format,
    one_input,
    targs,
    threshold_array,
    word_array,
)
from pcnn_hw.errors import UnsupportedOpError
from pcnn_hw.layers.mvau import MVAU
from pcnn_hw.layers.mvau.policy import acc_floor, int_acc_range, mvau_acc_bits, weight_bits
from pcnn_hw.layers.thresholds import in_range, int_thresholds, out_elem


def plan_mvau(layer: MVAU, name: str, fin: ElemFormat) -> Kernel:
    """MVAU -> mvau_xnor / mvau_int / *_acc."""
    a = layer.attrs
    mw, mh, simd, pe = layer.mw, layer.mh, layer.simd, layer.pe
    nv = int(np.prod(layer.num_input_vectors))
    if layer.xnor:
        if fin.bits != 1:
            raise UnsupportedOpError(
                f"layer {layer.name}: XNOR MVAU input must be 1-bit, got {fin.bits} bits"
            )
        wfmt, lo, hi = BIT, 0, mw
    else:
        wdt = str(a.get("weightDataType"))
        wfmt = ElemFormat(1, 2, -1, 1) if layer.bipolar_weights else elem_format(wdt, f"layer {layer.name}")
        lo, hi = int_acc_range(layer.weights, *in_range(fin))
    floor = acc_floor(fin.bits, weight_bits(layer), simd)
    wmem = mw * mh // (pe * simd)
    warr = word_array("weights", layer.weight_mem, wfmt.bits, [pe, wmem], [1])
    inp = Port(simd, fin, nv * (mw // simd))
    common = (mw, mh, simd, pe, nv)
    int_args = (fin.bits, fin.kind, wfmt.bits, wfmt.kind)
    doc = (
        f"{layer.op_type} {layer.name}: {layer.kind} MW={mw} MH={mh} SIMD={simd} PE={pe} "
        f"vectors={nv}, accumulator {lo}..{hi}"
    )
    if layer.no_activation:
        # the accumulator itself, wide enough for its exact range (the graph's datatype may be narrower)
        ob = accw = mvau_acc_bits(lo, hi, floor)
        fout = ElemFormat(ob, ELEM_SIGNED, lo, hi)
        if layer.xnor:
            call = f"pcnn::mvau_xnor_acc<{targs(*common, accw, ob)}>(in, out, weights);"
        else:
            call = f"pcnn::mvau_int_acc<{targs(*common, *int_args, accw, ob)}>(in, out, weights);"
        return Kernel(
            name, layer.name, layer.op_type, doc, inp, Port(pe, fout, nv * (mh // pe)), call, [warr]
        )
    t = int_thresholds(layer.thresh_mem, lo, hi)
    accw = mvau_acc_bits(lo, hi, floor, t)
    tarr = threshold_array(t, accw)
    nsteps = tarr.dims[2]
    fout, act = out_elem(layer.name, str(a.get("outputDataType")), nsteps, int(a.get("ActVal", 0)))
    tt = tarr.ctype
    if layer.xnor:
        call = (
            f"pcnn::mvau_xnor<{targs(*common, accw, nsteps)}, {tt}, {act}, {fout.bits}>"
            "(in, out, weights, thresholds);"
        )
    else:
        call = (
            f"pcnn::mvau_int<{targs(*common, *int_args, accw, nsteps)}, {tt}, {act}, {fout.bits}>"
            "(in, out, weights, thresholds);"
        )
    out = Port(pe, fout, nv * (mh // pe))
    return Kernel(name, layer.name, layer.op_type, doc, inp, out, call, [warr, tarr])


def hls_kernel(layer: MVAU, name: str, fins: tuple[ElemFormat, ...], **_: Any) -> Kernel:
    """The registry's entry point (see :func:`pcnn_hw.hls.plan.plan_kernel`)."""
    return plan_mvau(layer, name, one_input(layer.name, layer.op_type, fins))
