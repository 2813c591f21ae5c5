"""RTL view of each hardware layer: which Verilog module, its parameters, its stream formats and its
memory init files, derived from the layer objects of :mod:`pcnn_hw.layers` (the single definition).

Weights and thresholds come from the layers' memory images (FINN's (PE, WMEM, SIMD) and
(PE, TMEM, n_steps) layouts, i.e. ``build/NAME/weights/``), not re-derived: the only transformation is
packing each address's PE x SIMD lanes into one word (SIMD lane order undone, see pcnn_mvau.v). Each
memory becomes a generated ROM module (:mod:`pcnn_hw.rtl.rom`) with its contents in the Verilog.

Stream format: every stream carries ``elems`` elements of ``bits`` bits per beat, element i in bits
[i*bits, (i+1)*bits), two's complement when ``signed``; 1-bit BINARY/BIPOLAR values are the bits of
:mod:`pcnn_hw.core.bits` (0 encodes -1). Element order along a frame is the simulator's tensor order
(NHWC, channels fastest), except inside a depthwise sliding window -> pool pair.

Each kind computes its own view in ``pcnn_hw/layers/<kind>/rtl.py`` (module, parameters, streams; its
memory images through `make_rom`); `rtl_layer` finds it through :mod:`pcnn_hw.layers.registry`.
"""

from __future__ import annotations

import numpy as np

from pcnn_hw.core.hwspec import Rom, RomMaker, RtlLayer
from pcnn_hw.core.streams import Fmt, Stream, fmt_of_datatype
from pcnn_hw.errors import FoldingError, UnsupportedOpError
from pcnn_hw.layers import HwLayer
from pcnn_hw.layers.registry import find_backend
from pcnn_hw.rtl.rom import rom_module_name, rom_verilog

__all__ = [
    "Fmt", "RtlLayer", "Stream", "fmt_of_datatype", "make_rom", "memh_words", "rtl_layer", "rtl_layers",
]


def make_rom(
    layer: str, port: str, what: str, fields: np.ndarray, field_bits: int, style: str = "auto"
) -> tuple[Rom, str]:
    """The ROM of ``fields`` (rows = words, field j of a row at bits [j*b, (j+1)*b)) and its Verilog;
    ``style``: the node's ROM style override (core.hwspec.style_override), 'auto' = the policy."""
    rows, n = np.asarray(fields).shape
    rom = Rom(rom_module_name(layer, port), port, n * field_bits, rows, style)
    return rom, rom_verilog(rom, layer, what, memh_words(fields, field_bits))


def memh_words(fields: np.ndarray, field_bits: int) -> str:
    """Hex words, one line per row of ``fields`` (rows, n), field j at bits [j*b, (j+1)*b)."""
    fields = np.asarray(fields, dtype=np.int64)
    rows, n = fields.shape
    total = n * field_bits
    nbytes = -(-total // 8)
    vals = fields & ((1 << field_bits) - 1) if field_bits < 63 else fields
    bits = ((vals[:, :, None] >> np.arange(field_bits, dtype=np.int64)) & 1).astype(np.uint8)
    bits = bits.reshape(rows, total)
    packed = np.packbits(bits, axis=1, bitorder="little")
    if packed.shape[1] < nbytes:  # pragma: no cover - packbits pads already
        packed = np.pad(packed, ((0, 0), (0, nbytes - packed.shape[1])))
    nhex = -(-total // 4)
    lines = []
    for row in packed:
        h = row[::-1].tobytes().hex()
        lines.append(h[len(h) - nhex :])
    return "\n".join(lines) + "\n"


def rtl_layer(
    layer: HwLayer, fin: Fmt | tuple[Fmt, ...], rom_maker: RomMaker | None = None
) -> RtlLayer | None:
    """The RTL view of ``layer`` given its input element format(s) (one ``Fmt``, or one per input port in
    port order); None for FIFO/DWC nodes (re-made). The kind's ``rtl`` backend
    (``pcnn_hw/layers/<kind>/rtl.py``, found through the layer registry) computes it; ``exp_cycles`` is
    the layer object's estimate. ``rom_maker`` replaces :func:`make_rom` (e.g. the folding optimizer's
    shapes-only maker, compile/fold_eval.shape_rom)."""
    fins = fin if isinstance(fin, tuple) else (fin,)
    spec = find_backend(layer.op_type, "rtl")
    if spec is None:
        raise UnsupportedOpError(f"layer {layer.name}: op {layer.op_type} has no RTL template")
    return spec(layer, fins, rom_maker or make_rom)


def rtl_layers(layers: list[HwLayer], input_fmt: Fmt, rom_maker: RomMaker | None = None) -> list[RtlLayer]:
    """RTL views of a chain of layers (ROMs by ``rom_maker``, default :func:`make_rom`); checks that a
    depthwise window feeds a pool of the same PE."""
    out: list[RtlLayer] = []
    fmt = input_fmt
    for layer in layers:
        r = rtl_layer(layer, fmt, rom_maker)
        if r is None:
            continue
        if r.module == "pcnn_pool" and (not out or not out[-1].depthwise or out[-1].out.elems != r.inp.elems):
            prev = out[-1].name if out else "the graph input"
            raise FoldingError(
                f"layer {r.name}: a max-pool must follow a depthwise sliding window with SIMD = pool PE "
                f"({r.inp.elems}); got {prev}"
            )
        out.append(r)
        fmt = r.out.fmt
    return out
