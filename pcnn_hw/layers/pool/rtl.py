"""RTL view of the max-pool: module ``pcnn_pool`` (pcnn_hw/rtl/verilog/pcnn_pool.v), the Pool after a
depthwise sliding window (parameters PE, KK = kernel area, BITS, SIGNED; PE elements per beat).
StreamingMaxPool has no RTL template (the compiler emits depthwise sliding window + Pool)."""

from __future__ import annotations

from pcnn_hw.core.hwspec import RomMaker, RtlLayer
from pcnn_hw.core.streams import Fmt, Stream
from pcnn_hw.errors import UnsupportedOpError
from pcnn_hw.layers.pool import MaxPool


def rtl_spec(layer: MaxPool, fins: tuple[Fmt, ...], make_rom: RomMaker | None = None) -> RtlLayer:
    """The RTL layer of ``layer`` fed by one stream of format ``fins[0]``; typed errors name the layer."""
    if len(fins) != 1:
        raise UnsupportedOpError(f"layer {layer.name}: {layer.op_type} has one input, got {len(fins)} fmts")
    fin = fins[0]
    if layer.streaming:
        raise UnsupportedOpError(
            f"layer {layer.name}: StreamingMaxPool has no RTL template (the compiler emits "
            "depthwise sliding window + Pool)"
        )
    kk = layer.k[0] * layer.k[1]
    params: dict[str, int | str] = {"PE": layer.pe, "KK": kk, "BITS": fin.bits, "SIGNED": int(fin.signed)}
    return RtlLayer(
        layer.name, layer.op_type, "pcnn_pool", params, Stream(fin, layer.pe), Stream(fin, layer.pe),
        layer.exp_cycles(),
    )
