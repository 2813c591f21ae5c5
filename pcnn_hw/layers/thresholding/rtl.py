"""RTL view of Thresholding: module ``pcnn_thresholding`` (pcnn_hw/rtl/verilog/pcnn_thresholding.v).

Parameters: PE, C, IN_BITS, IN_SIGNED, CW (threshold width), N_STEPS, OUT_BITS, ACT_VAL; thresholds
(policy: :mod:`pcnn_hw.layers.thresholds`, clipped to the input range) in ROM ``t``, one word per channel
fold of PE x N_STEPS fields of CW bits. In and out: PE elements per beat.
"""

from __future__ import annotations

from pcnn_hw.core.hwspec import RomMaker, RtlLayer, style_override
from pcnn_hw.core.streams import Fmt, Stream, signed_bits
from pcnn_hw.errors import UnsupportedOpError
from pcnn_hw.layers.thresholding import Thresholding
from pcnn_hw.layers.thresholds import full_range, int_thresholds, out_fmt

MODULE = "pcnn_thresholding"


def rtl_spec(layer: Thresholding, fins: tuple[Fmt, ...], make_rom: RomMaker) -> RtlLayer:
    """The RTL layer of ``layer`` fed by one stream of format ``fins[0]``; typed errors name the layer."""
    if len(fins) != 1:
        raise UnsupportedOpError(f"layer {layer.name}: {layer.op_type} has one input, got {len(fins)} fmts")
    fin = fins[0]
    pe, c = layer.pe, layer.channels
    xlo, xhi = full_range(fin.bits, fin.signed)
    tm = int_thresholds(layer.thresh_mem, xlo, xhi)  # sorted: see thermometer_count
    n_steps = tm.shape[2]
    cw = signed_bits(min(xlo, int(tm.min())), max(xhi + 1, int(tm.max())))
    fout, act = out_fmt(
        layer.name, str(layer.attrs.get("outputDataType")), n_steps, int(layer.attrs.get("ActVal", 0))
    )
    tw = tm.transpose(1, 0, 2).reshape(c // pe, pe * n_steps)
    trom, ttext = make_rom(layer.name, "t", "thresholds", tw, cw, style_override(layer, "t", "ram_style"))
    params: dict[str, int | str] = {
        "PE": pe,
        "C": c,
        "IN_BITS": fin.bits,
        "IN_SIGNED": int(fin.signed),
        "CW": cw,
        "N_STEPS": n_steps,
        "OUT_BITS": fout.bits,
        "ACT_VAL": act,
    }
    return RtlLayer(
        layer.name, layer.op_type, MODULE, params, Stream(fin, pe), Stream(fout, pe), layer.exp_cycles(),
        {trom.file: ttext}, roms=[trom],
    )
