"""Per-layer ROM modules: weights and thresholds written into the generated Verilog itself.

A ``$readmemh`` of a bare file name is resolved against the tool's working directory; Vivado's
out-of-context IP synthesis runs elsewhere and then synthesises all-zero ROMs with only a critical
warning (Synth 8-4445). So every memory of a layer is its own generated module
(``pcnn_hw/rtl/verilog/pcnn_rom.vt``) whose contents are ``initial`` assignments, one word per line —
the form Vivado (UG901 "Specifying RAM initial contents in the HDL source code"), Yosys ($meminit)
and Verilator all read the same way, with no file to lose.

Memory style: ``block`` (RAMB18/36) for deep memories, ``distributed`` (LUTs) for shallow ones, as
the ``rom_style``/``ram_style`` attribute both Vivado and Yosys' memory_libmap honour.
"""

from __future__ import annotations

import re
from importlib import resources
from string import Template

from pcnn_hw.core.hwspec import BLOCK_MIN_DEPTH, Rom


def rom_module_name(layer: str, port: str) -> str:
    """Verilog module name of ``layer``'s ROM behind port prefix ``port`` ('w' weights, 't' thresholds)."""
    return f"rom_{re.sub(r'[^A-Za-z0-9_]', '_', layer)}_{port}"


def rom_verilog(rom: Rom, layer: str, what: str, hex_words: str) -> str:
    """The ROM module text; ``hex_words`` is one hex word per line (spec.memh_words), word k = address k."""
    words = hex_words.split()
    if len(words) != rom.depth:
        raise ValueError(f"ROM {rom.module}: {len(words)} words for depth {rom.depth}")
    tmpl = Template(resources.files("pcnn_hw.rtl").joinpath("verilog", "pcnn_rom.vt").read_text())
    init = "\n".join(f"    mem[{k}] = {rom.width}'h{w};" for k, w in enumerate(words))
    return tmpl.substitute(
        module=rom.module,
        what=what,
        layer=layer,
        depth=rom.depth,
        depth_m1=rom.depth - 1,
        width=rom.width,
        width_m1=rom.width - 1,
        abits_m1=rom.addr_bits - 1,
        style=rom.style,
        ystyle="block" if rom.style == "block" else "logic",
        init=init,
        block=int(rom.style == "block"),  # read latency 2 either way (pcnn_rom.vt)
    )


__all__ = ["BLOCK_MIN_DEPTH", "Rom", "rom_module_name", "rom_verilog"]
