"""HLS view of DuplicateStreams: kernel ``pcnn::duplicate_streams`` (ports out, out1)."""

from __future__ import annotations

from typing import Any

import numpy as np

from pcnn_hw.core.hlsspec import ElemFormat, Kernel, Port, one_input, targs
from pcnn_hw.errors import UnsupportedOpError
from pcnn_hw.layers.duplicate import DuplicateStreams


def plan_duplicate(layer: DuplicateStreams, name: str, fin: ElemFormat) -> Kernel:
    """DuplicateStreams with 2 outputs -> duplicate_streams (out, out1)."""
    if layer.outputs != 2:
        raise UnsupportedOpError(
            f"layer {layer.name}: DuplicateStreams with {layer.outputs} outputs; the HLS fork has 2")
    c, pe = int(layer.attrs["NumChannels"]), layer.pe
    nv = int(np.prod([int(v) for v in layer.attrs.get("numInputVectors", [1])]))
    port = Port(pe, fin, nv * (c // pe))
    call = f"pcnn::duplicate_streams<{targs(port.width, port.words)}>(in, out, out1);"
    doc = f"{layer.op_type} {layer.name}: fork of {port.words} words of {pe} x {fin.bits} bits"
    return Kernel(name, layer.name, layer.op_type, doc, port, port, call,
                  more_outputs=[Port(pe, fin, port.words)])


def hls_kernel(layer: DuplicateStreams, name: str, fins: tuple[ElemFormat, ...], **_: Any) -> Kernel:
    """The registry's entry point (see :func:`pcnn_hw.hls.plan.plan_kernel`)."""
    return plan_duplicate(layer, name, one_input(layer.name, layer.op_type, fins))
