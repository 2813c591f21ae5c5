"""HLS view of LabelSelect: kernel ``pcnn::label_select`` (K indices, one per output word)."""

from __future__ import annotations

from typing import Any

from pcnn_hw.core.hlsspec import ELEM_UNSIGNED, ElemFormat, Kernel, Port, one_input, targs
from pcnn_hw.layers.labelselect import LabelSelect, label_bits


def plan_label_select(layer: LabelSelect, name: str, fin: ElemFormat) -> Kernel:
    """LabelSelect -> label_select (K indices, one per output word)."""
    n, pe, k = layer.labels, layer.pe, int(layer.attrs.get("K", 1))
    ob = label_bits(str(layer.attrs.get("outputDataType", "UINT8")), n)  # policy: as RTL
    fout = ElemFormat(ob, ELEM_UNSIGNED, 0, n - 1)
    call = f"pcnn::label_select<{targs(n, pe, k, fin.bits, fin.kind, fout.bits)}>(in, out);"
    doc = f"{layer.op_type} {layer.name}: top-{k} of {n} scores, PE={pe}"
    return Kernel(name, layer.name, layer.op_type, doc, Port(pe, fin, n // pe), Port(1, fout, k), call)


def hls_kernel(layer: LabelSelect, name: str, fins: tuple[ElemFormat, ...], **_: Any) -> Kernel:
    """The registry's entry point (see :func:`pcnn_hw.hls.plan.plan_kernel`)."""
    return plan_label_select(layer, name, one_input(layer.name, layer.op_type, fins))
