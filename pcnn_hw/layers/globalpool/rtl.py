"""RTL view of GlobalAccPool: module ``pcnn_globalpool`` (pcnn_globalpool.v beside this file).

Parameters PE, IN_BITS, IN_SIGNED (input format), FOLDS = NumChannels / PE, PIX = pixels per frame
(numInputVectors [1, H, W] → H·W), OUT_BITS: the smallest type holding PIX · every input value —
unsigned inputs: bit length of PIX · max (FINN's get_output_datatype), signed: two's complement of
[PIX · min, PIX · max] (same as FINN's for INTk); 1-bit streams sum their bits 0/1, as
:meth:`GlobalAccPool.execute`. PE elements in, PE sums out per beat.
exp_cycles from the layer object = PIX · FOLDS + FOLDS (FINN); the module needs PIX · FOLDS (see the .v).
"""

from __future__ import annotations

from importlib import resources

import numpy as np

from pcnn_hw.core.hwspec import RomMaker, RtlLayer
from pcnn_hw.core.streams import Fmt, Stream, signed_bits
from pcnn_hw.errors import UnsupportedOpError
from pcnn_hw.layers.globalpool import GlobalAccPool

MODULE = "pcnn_globalpool"
LAYER_CLASS = GlobalAccPool


def template() -> str:
    """Text of pcnn_globalpool.v (package data of this folder)."""
    return resources.files(__package__).joinpath(f"{MODULE}.v").read_text()


def pixels(layer: GlobalAccPool) -> int:
    """Pixels summed per frame: the product of the last two numInputVectors (a leading batch must be 1)."""
    vecs = [int(v) for v in layer.attrs.get("numInputVectors", [1])]
    if int(np.prod(vecs[:-2])) != 1:
        raise UnsupportedOpError(
            f"layer {layer.name}: GlobalAccPool with numInputVectors {vecs} (batch > 1 per frame) "
            "is not supported"
        )
    return int(np.prod(vecs[-2:]))


def out_fmt(fin: Fmt, pix: int) -> Fmt:
    """Format of the sums of ``pix`` elements of format ``fin``."""
    if fin.signed:
        return Fmt(signed_bits(-(2 ** (fin.bits - 1)) * pix, (2 ** (fin.bits - 1) - 1) * pix), True)
    return Fmt(max(1, ((2**fin.bits - 1) * pix).bit_length()), False)


def rtl_spec(layer: GlobalAccPool, fins: tuple[Fmt, ...], make_rom: RomMaker | None = None) -> RtlLayer:
    """The RTL layer of ``layer`` fed by one stream of format ``fins[0]``; typed errors name the layer."""
    if len(fins) != 1:
        raise UnsupportedOpError(f"layer {layer.name}: GlobalAccPool takes one input stream, got {len(fins)}")
    fin, pe, pix = fins[0], layer.pe, pixels(layer)
    fout = out_fmt(fin, pix)
    params: dict[str, int | str] = {
        "PE": pe,
        "IN_BITS": fin.bits,
        "IN_SIGNED": int(fin.signed),
        "FOLDS": layer.channels // pe,
        "PIX": pix,
        "OUT_BITS": fout.bits,
    }
    return RtlLayer(
        layer.name,
        layer.op_type,
        MODULE,
        params,
        Stream(fin, pe),
        Stream(fout, pe),
        layer.exp_cycles(),
        {f"{MODULE}.v": template()},
    )
