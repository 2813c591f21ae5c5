"""RTL view of LabelSelect: module ``pcnn_labelselect`` (pcnn_hw/rtl/verilog/pcnn_labelselect.v), K = 1
only. Parameters PE, LABELS, IN_BITS, OUT_BITS (`label_bits`, the HLS view's width too); in: PE scores
per beat, out: one index per frame."""

from __future__ import annotations

from pcnn_hw.core.hwspec import RomMaker, RtlLayer
from pcnn_hw.core.streams import Fmt, Stream
from pcnn_hw.errors import UnsupportedOpError
from pcnn_hw.layers.labelselect import LabelSelect, label_bits


def rtl_spec(layer: LabelSelect, fins: tuple[Fmt, ...], make_rom: RomMaker | None = None) -> RtlLayer:
    """The RTL layer of ``layer`` fed by one stream of format ``fins[0]``; typed errors name the layer."""
    if len(fins) != 1:
        raise UnsupportedOpError(f"layer {layer.name}: {layer.op_type} has one input, got {len(fins)} fmts")
    fin = fins[0]
    k = int(layer.attrs.get("K", 1))
    if k != 1:
        raise UnsupportedOpError(f"layer {layer.name}: LabelSelect with K={k} (only K=1 has an RTL template)")
    ob = label_bits(str(layer.attrs.get("outputDataType", "UINT8")), layer.labels)
    params: dict[str, int | str] = {
        "PE": layer.pe,
        "LABELS": layer.labels,
        "IN_BITS": fin.bits,
        "OUT_BITS": ob,
    }
    return RtlLayer(
        layer.name, layer.op_type, "pcnn_labelselect", params, Stream(fin, layer.pe),
        Stream(Fmt(ob, False), 1), layer.exp_cycles(),
    )
