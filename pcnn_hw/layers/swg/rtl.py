"""RTL view of the sliding window: module ``pcnn_swg`` (SIMD elements per beat, standard or depthwise
order) or ``pcnn_swg_par`` (``parallel_window``: a whole window per beat), pcnn_hw/rtl/verilog/.

pcnn_swg parameters: BEAT = SIMD * bits, CF = C / SIMD, OH, OW, DEPTHWISE, AW (buffer address bits:
clog2 of ((KH - 1) * DH + 1 + SH) * IW * CF + KW * CF, at least 2) and the geometry IH, IW, KH, KW, SH,
SW, DH, DW; pcnn_swg_par: PIX = C * bits and the geometry.
"""

from __future__ import annotations

import math

from pcnn_hw.core.hwspec import RomMaker, RtlLayer
from pcnn_hw.core.streams import Fmt, Stream
from pcnn_hw.errors import UnsupportedOpError
from pcnn_hw.layers.swg import SlidingWindow


def rtl_spec(layer: SlidingWindow, fins: tuple[Fmt, ...], make_rom: RomMaker | None = None) -> RtlLayer:
    """The RTL layer of ``layer`` fed by one stream of format ``fins[0]``; typed errors name the layer."""
    if len(fins) != 1:
        raise UnsupportedOpError(f"layer {layer.name}: {layer.op_type} has one input, got {len(fins)} fmts")
    fin = fins[0]
    a = layer.attrs
    kh, kw = (int(v) for v in a["ConvKernelDim"])
    ih, iw = (int(v) for v in a["IFMDim"])
    oh, ow = (int(v) for v in a["OFMDim"])
    sh, sw = (int(v) for v in a.get("Stride", [1, 1]))
    dh, dw = (int(v) for v in a.get("Dilation", [1, 1]))
    c, simd = layer.channels, layer.simd
    dwise = bool(int(a.get("depthwise", 0)))
    geo = {"IH": ih, "IW": iw, "KH": kh, "KW": kw, "SH": sh, "SW": sw, "DH": dh, "DW": dw}
    if int(a.get("parallel_window", 0)) and not dwise:
        params: dict[str, int | str] = {"PIX": c * fin.bits, **geo}
        return RtlLayer(
            layer.name, layer.op_type, "pcnn_swg_par", params, Stream(fin, c), Stream(fin, kh * kw * c),
            layer.exp_cycles(),
        )
    cf = c // simd
    need = ((kh - 1) * dh + 1 + sh) * iw * cf + kw * cf
    aw = max(2, math.ceil(math.log2(need)))
    params = {"BEAT": simd * fin.bits, "CF": cf, "OH": oh, "OW": ow, "DEPTHWISE": int(dwise), "AW": aw, **geo}
    return RtlLayer(
        layer.name, layer.op_type, "pcnn_swg", params, Stream(fin, simd), Stream(fin, simd),
        layer.exp_cycles(), depthwise=dwise,
    )
