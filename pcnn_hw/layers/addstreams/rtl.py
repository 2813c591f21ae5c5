"""RTL view of ElementwiseAdd / AddStreams (join): module ``pcnn_addstreams`` (pcnn_addstreams.v here).

Parameters PE, IN0_BITS, IN0_SIGNED, IN1_BITS, IN1_SIGNED (the formats of the two input ports, i.e.
``fins``), OUT_BITS of ``out_dtype`` (qonnx DataType via :func:`fmt_of_datatype`); the output must hold
every sum of the two input formats' ranges, else UnsupportedOpError: the sum is then exact, as
:meth:`AddStreams.execute` (1-bit streams add their bits 0/1). Ports ``in0_*`` (lhs), ``in1_*`` (rhs),
``out_*``; PE elements per beat everywhere.
exp_cycles = prod(out_shape[:-1]) · C / PE (FINN's get_exp_cycles, from the layer object).
"""

from __future__ import annotations

from importlib import resources

from pcnn_hw.core.hwspec import RomMaker, RtlLayer
from pcnn_hw.core.streams import Fmt, Stream, fmt_of_datatype
from pcnn_hw.errors import UnsupportedOpError
from pcnn_hw.layers.addstreams import AddStreams

MODULE = "pcnn_addstreams"
LAYER_CLASS = AddStreams


def template() -> str:
    """Text of pcnn_addstreams.v (package data of this folder)."""
    return resources.files(__package__).joinpath(f"{MODULE}.v").read_text()


def fmt_range(f: Fmt) -> tuple[int, int]:
    """(min, max) of an element of format ``f`` (two's complement when signed)."""
    if f.signed:
        return -(2 ** (f.bits - 1)), 2 ** (f.bits - 1) - 1
    return 0, 2**f.bits - 1


def rtl_spec(layer: AddStreams, fins: tuple[Fmt, ...], make_rom: RomMaker | None = None) -> RtlLayer:
    """The RTL layer of ``layer`` joining streams of formats ``fins`` (lhs, rhs); typed errors name it."""
    if len(fins) != 2:
        raise UnsupportedOpError(
            f"layer {layer.name}: ElementwiseAdd joins two input streams, got {len(fins)}"
        )
    fout = fmt_of_datatype(str(layer.attrs["out_dtype"]))
    (lo0, hi0), (lo1, hi1) = fmt_range(fins[0]), fmt_range(fins[1])
    olo, ohi = fmt_range(fout)
    if lo0 + lo1 < olo or hi0 + hi1 > ohi:
        raise UnsupportedOpError(
            f"layer {layer.name}: out_dtype {layer.attrs['out_dtype']} cannot hold every sum of the input "
            f"streams ({fins[0].bits}-bit {'signed' if fins[0].signed else 'unsigned'} + "
            f"{fins[1].bits}-bit {'signed' if fins[1].signed else 'unsigned'})"
        )
    pe = layer.pe
    params: dict[str, int | str] = {
        "PE": pe,
        "IN0_BITS": fins[0].bits,
        "IN0_SIGNED": int(fins[0].signed),
        "IN1_BITS": fins[1].bits,
        "IN1_SIGNED": int(fins[1].signed),
        "OUT_BITS": fout.bits,
    }
    return RtlLayer(
        layer.name,
        layer.op_type,
        MODULE,
        params,
        Stream(fins[0], pe),
        Stream(fout, pe),
        layer.exp_cycles(),
        {f"{MODULE}.v": template()},
        more_inputs=(Stream(fins[1], pe),),
    )
