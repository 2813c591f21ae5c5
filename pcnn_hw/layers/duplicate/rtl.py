"""RTL view of DuplicateStreams: module ``pcnn_duplicate`` (pcnn_duplicate.v beside this file).

Parameter WIDTH = PE · element bits; ports ``in_*``, ``out0_*``, ``out1_*`` (fork of two; more outputs
are refused). Handshake (documented in the module): a beat is consumed when both branch registers are
free; each branch holds its copy until its consumer takes it, so either branch may stall for any time.
exp_cycles = prod(numInputVectors) · NumChannels / PE (FINN's get_exp_cycles, from the layer object).
"""

from __future__ import annotations

from importlib import resources

from pcnn_hw.core.hwspec import RomMaker, RtlLayer
from pcnn_hw.core.streams import Fmt, Stream
from pcnn_hw.errors import UnsupportedOpError
from pcnn_hw.layers.duplicate import DuplicateStreams

MODULE = "pcnn_duplicate"
LAYER_CLASS = DuplicateStreams


def template() -> str:
    """Text of pcnn_duplicate.v (package data of this folder)."""
    return resources.files(__package__).joinpath(f"{MODULE}.v").read_text()


def rtl_spec(layer: DuplicateStreams, fins: tuple[Fmt, ...], make_rom: RomMaker | None = None) -> RtlLayer:
    """The RTL layer of ``layer`` fed by one stream of format ``fins[0]``; typed errors name the layer."""
    if len(fins) != 1:
        raise UnsupportedOpError(
            f"layer {layer.name}: DuplicateStreams takes one input stream, got {len(fins)}"
        )
    if layer.outputs != 2:
        raise UnsupportedOpError(
            f"layer {layer.name}: DuplicateStreams with NumOutputStreams={layer.outputs} "
            "(the RTL template forks into exactly 2)"
        )
    s = Stream(fins[0], layer.pe)
    return RtlLayer(
        layer.name,
        layer.op_type,
        MODULE,
        {"WIDTH": s.width},
        s,
        s,
        layer.exp_cycles(),
        {f"{MODULE}.v": template()},
        more_outputs=(s,),
    )
