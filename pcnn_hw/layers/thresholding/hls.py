"""HLS view of Thresholding: kernel ``pcnn::thresholding`` with the thresholds as a constant array
(policy: :mod:`pcnn_hw.layers.thresholds`, the RTL view's)."""

from __future__ import annotations

from typing import Any

import numpy as np

from pcnn_hw.core.hlsspec import ElemFormat, Kernel, Port, one_input, signed_bits, targs, threshold_array
from pcnn_hw.errors import UnsupportedOpError
from pcnn_hw.layers.thresholding import Thresholding
from pcnn_hw.layers.thresholds import ONE_BIT_OUTPUTS, in_range, int_thresholds, out_elem


def plan_thresholding(layer: Thresholding, name: str, fin: ElemFormat) -> Kernel:
    """Standalone Thresholding -> thresholding."""
    c, pe = layer.channels, layer.pe
    nv = int(np.prod(list(layer.attrs.get("numInputVectors", [1]))))
    xlo, xhi = in_range(fin)
    t = int_thresholds(layer.thresh_mem, xlo, xhi)
    tb = signed_bits(min(xlo, int(t.min(initial=xlo))), max(xhi + 1, int(t.max(initial=xhi))))
    tarr = threshold_array(t, tb)
    nsteps = tarr.dims[2]
    odt, act = str(layer.attrs.get("outputDataType")), int(layer.attrs.get("ActVal", 0))
    if odt in ONE_BIT_OUTPUTS and nsteps == 1 and act != 0:
        raise UnsupportedOpError(f"layer {layer.name}: 1-bit output with ActVal {act} is not supported")
    fout, act = out_elem(layer.name, odt, nsteps, act)
    call = (
        f"pcnn::thresholding<{targs(c, pe, nv, fin.bits, fin.kind, nsteps)}, {tarr.ctype}, {act}, "
        f"{fout.bits}>(in, out, thresholds);"
    )
    doc = f"{layer.op_type} {layer.name}: C={c} PE={pe} vectors={nv} steps={nsteps}"
    words = nv * (c // pe)
    return Kernel(
        name, layer.name, layer.op_type, doc, Port(pe, fin, words), Port(pe, fout, words), call, [tarr]
    )


def hls_kernel(layer: Thresholding, name: str, fins: tuple[ElemFormat, ...], **_: Any) -> Kernel:
    """The registry's entry point (see :func:`pcnn_hw.hls.plan.plan_kernel`)."""
    return plan_thresholding(layer, name, one_input(layer.name, layer.op_type, fins))
