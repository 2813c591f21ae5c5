"""RTL view of FMPadding: module ``pcnn_fmpadding`` (pcnn_fmpadding.v beside this file).

Parameters: SIMD, BITS, CF = NumChannels / SIMD, IH, IW = ImgDim, PT, PL, PB, PR = Padding
[top, left, bottom, right]. In and out: SIMD elements of the input format per beat; pad elements are 0
(bit 0 = bipolar −1 on 1-bit streams, as :meth:`FMPadding.execute`). One output beat per cycle:
exp_cycles = NumChannels / SIMD · H_out · W_out (FINN's get_exp_cycles, from the layer object).
"""

from __future__ import annotations

from importlib import resources

from pcnn_hw.core.hwspec import RomMaker, RtlLayer
from pcnn_hw.core.streams import Fmt, Stream
from pcnn_hw.errors import UnsupportedOpError
from pcnn_hw.layers.fmpadding import FMPadding

MODULE = "pcnn_fmpadding"
LAYER_CLASS = FMPadding


def template() -> str:
    """Text of pcnn_fmpadding.v (package data of this folder)."""
    return resources.files(__package__).joinpath(f"{MODULE}.v").read_text()


def rtl_spec(layer: FMPadding, fins: tuple[Fmt, ...], make_rom: RomMaker | None = None) -> RtlLayer:
    """The RTL layer of ``layer`` fed by one stream of format ``fins[0]``; typed errors name the layer."""
    if len(fins) != 1:
        raise UnsupportedOpError(f"layer {layer.name}: FMPadding takes one input stream, got {len(fins)}")
    pads = layer.padding
    if min(pads) < 0:
        raise UnsupportedOpError(
            f"layer {layer.name}: negative Padding {list(pads)} (cropping) is not supported"
        )
    h, w = (int(d) for d in layer.attrs["ImgDim"])
    c, simd = int(layer.attrs["NumChannels"]), layer.simd
    top, left, bottom, right = pads
    params: dict[str, int | str] = {
        "SIMD": simd,
        "BITS": fins[0].bits,
        "CF": c // simd,
        "IH": h,
        "IW": w,
        "PT": top,
        "PL": left,
        "PB": bottom,
        "PR": right,
    }
    s = Stream(fins[0], simd)
    return RtlLayer(
        layer.name, layer.op_type, MODULE, params, s, s, layer.exp_cycles(), {f"{MODULE}.v": template()}
    )
