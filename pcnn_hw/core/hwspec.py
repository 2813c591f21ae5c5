"""Plain-data description of one layer as RTL, shared by the layer kinds (``pcnn_hw/layers/<kind>/rtl.py``)
and the RTL backend (:mod:`pcnn_hw.rtl`): which module, its parameters, its streams, its ROMs.

Port convention of the Verilog modules: ``ap_clk``, ``ap_rst_n``; one input stream ``in_t{data,valid,ready}``
and one output stream ``out_t*``; a module with several input (output) streams names them ``in0_t*``,
``in1_t*`` (``out0_t*``, ``out1_t*``) in port order — ``inp``/``out`` are port 0, ``more_inputs`` /
``more_outputs`` ports 1, 2, ...
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pcnn_hw.core.streams import Stream
from pcnn_hw.errors import ConfigError

BLOCK_MIN_DEPTH = 128  # below this a LUT6-based ROM (<= 2 LUTs per bit) is cheaper than a RAMB18


@dataclass(frozen=True)
class Rom:
    """One generated ROM: module name, word width, depth, address bits; ``port`` = the layer's port prefix."""

    module: str
    port: str
    width: int
    depth: int
    style_override: str = "auto"  # 'auto' (policy below) or a style of pcnn_hw.rtl.rom.STYLES

    @property
    def addr_bits(self) -> int:
        """Address width: clog2(depth), at least 1 (matches the templates' WB/NB localparams)."""
        return max(1, (self.depth - 1).bit_length())

    @property
    def style(self) -> str:
        """rom_style: ``style_override`` unless 'auto'; else 'block' for deep memories, 'distributed' for
        shallow ones (pcnn_hw.rtl.rom describes the styles)."""
        if self.style_override != "auto":
            return self.style_override
        return "block" if self.depth >= BLOCK_MIN_DEPTH else "distributed"

    @property
    def file(self) -> str:
        """File name inside build/NAME/rtl/."""
        return f"{self.module}.v"


@dataclass
class RtlLayer:
    """One layer as RTL: module, parameters, input/output streams, FINN cycle estimate, generated files.

    ``files`` holds generated Verilog the layer needs besides the shared templates (file name -> text:
    ROM modules, and a kind's own module template when it lives in its kind folder); ``roms`` the ROMs
    behind the module's ``w_*`` / ``t_*`` ports (the stitcher instantiates and wires them).
    ``more_inputs`` / ``more_outputs``: the streams of ports 1, 2, ... of a join / fork.
    """

    name: str
    op_type: str
    module: str
    params: dict[str, int | str]
    inp: Stream
    out: Stream
    exp_cycles: int
    files: dict[str, str] = field(default_factory=dict)
    depthwise: bool = False
    roms: list[Rom] = field(default_factory=list)
    more_inputs: tuple[Stream, ...] = ()
    more_outputs: tuple[Stream, ...] = ()

    @property
    def inputs(self) -> tuple[Stream, ...]:
        """All input streams in port order."""
        return (self.inp, *self.more_inputs)

    @property
    def outputs(self) -> tuple[Stream, ...]:
        """All output streams in port order."""
        return (self.out, *self.more_outputs)


# make_rom(layer, port, what, fields (rows, n), field_bits, style="auto") -> (Rom, its Verilog): given by
# pcnn_hw.rtl.spec to the kinds' RTL views (pcnn_hw/layers/<kind>/rtl.py): they hold the memory images and
# read the node's style override (`style_override`), not the ROM template
RomMaker = Callable[..., "tuple[Rom, str]"]

ROM_STYLES = ("block", "distributed", "logic")  # pcnn_hw.rtl.rom describes each
ROM_STYLE_CHOICES = ("auto", *ROM_STYLES)
ROM_STYLE_ATTR = {"w": "ram_style", "t": "ram_style_thresholds"}  # MVAU node attribute per ROM port


def style_override(layer: Any, port: str, attr: str | None = None) -> str:
    """The style the node of ``layer`` asks for its ROM ``port`` ('auto' when unset); ConfigError naming
    the node and the attribute for a value outside :data:`ROM_STYLE_CHOICES` (FINN's 'ultra' included).
    ``attr`` defaults to the MVAU's attribute of the port (:data:`ROM_STYLE_ATTR`)."""
    attr = attr or ROM_STYLE_ATTR[port]
    value = getattr(layer, "attrs", {}).get(attr, "auto")
    if isinstance(value, bytes):  # pragma: no cover - node_attrs decodes strings already
        value = value.decode()
    value = str(value)
    if value not in ROM_STYLE_CHOICES:
        raise ConfigError(
            f"layer {layer.name}: node attribute {attr}={value!r} is not a ROM style; "
            f"use one of {', '.join(ROM_STYLE_CHOICES)}"
        )
    return value
