"""Per-layer ROM modules: weights and thresholds written into the generated Verilog itself.

A ``$readmemh`` of a bare file name is resolved against the tool's working directory; Vivado's
out-of-context IP synthesis runs elsewhere and then synthesises all-zero ROMs with only a critical
warning (Synth 8-4445). So every memory of a layer is its own generated module
(``pcnn_hw/rtl/verilog/pcnn_rom.vt``) whose contents are ``initial`` assignments, one row per line —
the form Vivado (UG901 "Specifying RAM initial contents in the HDL source code"), Yosys ($meminit)
and Verilator all read the same way, with no file to lose.

Memory style (:data:`STYLES`), all with read latency 2 and the same ports:

- ``block``: RAMB18/36 (read register + the RAMB's output register). Yosys' memory_libmap and Vivado
  split a wide word over as many RAMB18 (512 x 36) / RAMB36 (512 x 72) as the width needs.
- ``distributed``: a *banked* LUT ROM. Row r of the memory holds words r, r + 64, r + 128, ... side by
  side; stage 1 registers the row at ``addr % 64`` (each bit one LUT6, its flip-flop in the same slice)
  and the bank number, stage 2 selects the bank. The read mux of a 98-word ROM was 9 LUT levels in one
  stage (tfc's first layer, 104.7 MHz on xc7-1, issue #10); banked it is one LUT level per stage. Costs
  ``width * (banks - 1)`` more flip-flops than ``logic``; a ROM of <= 64 words is exactly ``logic``.
- ``logic``: an address register, then the whole LUT read into q (fewest flip-flops, deep read mux).

A one-word memory (an MVAU with SF = NF = 1, a thresholding layer with PE = C) is a constant whatever
the style (``pcnn_hw/rtl/verilog/pcnn_rom_const.vt``: ``assign q = word``), so synthesis folds it into
the XNORs / comparators it feeds; :func:`is_constant_rom` tells the Yosys runner not to keep such a
module as a hierarchy of its own (that hid the constant: a 36 x 32 XNOR MVAU at PE 32 cost 2,375 LUT, #12).

The style of a memory is data: the layer node's FINN attribute ``ram_style`` (weights; thresholds of a
standalone Thresholding layer) or ``ram_style_thresholds`` (an MVAU's thresholds) picks one of
:data:`STYLES`; ``auto`` (the default) is today's policy — ``block`` from :data:`BLOCK_MIN_DEPTH` words,
else ``distributed`` (:func:`auto_style`).
"""

from __future__ import annotations

import re
from importlib import resources
from string import Template

from pcnn_hw.core.hwspec import (
    BLOCK_MIN_DEPTH,
    ROM_STYLE_ATTR,
    ROM_STYLE_CHOICES,
    ROM_STYLES,
    Rom,
    style_override,
)
from pcnn_hw.errors import ConfigError

__all__ = ["BANK_WORDS", "BLOCK_MIN_DEPTH", "CHOICES", "STYLES", "STYLE_ATTR", "Rom", "auto_style", "banks",
           "is_constant_rom", "rom_module_name", "rom_verilog", "style_override"]

STYLES, CHOICES, STYLE_ATTR = ROM_STYLES, ROM_STYLE_CHOICES, ROM_STYLE_ATTR  # the style data lives in core
BANK_WORDS = 64  # words per bank of a distributed ROM: one LUT6 per bit
CONST_MARK = "from pcnn_hw/rtl/verilog/pcnn_rom_const.vt)"  # in the header line only that template writes


def rom_module_name(layer: str, port: str) -> str:
    """Verilog module name of ``layer``'s ROM behind port prefix ``port`` ('w' weights, 't' thresholds)."""
    return f"rom_{re.sub(r'[^A-Za-z0-9_]', '_', layer)}_{port}"


def auto_style(depth: int) -> str:
    """Today's policy: 'block' for deep memories (>= BLOCK_MIN_DEPTH words), 'distributed' below."""
    return "block" if depth >= BLOCK_MIN_DEPTH else "distributed"


def banks(rom: Rom) -> int:
    """Number of LUT banks of ``rom`` (1 unless it is a distributed ROM deeper than BANK_WORDS)."""
    if rom.style != "distributed" or rom.depth <= BANK_WORDS:
        return 1
    return -(-rom.depth // BANK_WORDS)


def is_constant_rom(text: str) -> bool:
    """Whether a generated ROM module's ``text`` is a one-word constant (pcnn_rom_const.vt)."""
    return CONST_MARK in text


def _template(name: str) -> Template:
    return Template(resources.files("pcnn_hw.rtl").joinpath("verilog", name).read_text())


def rom_verilog(rom: Rom, layer: str, what: str, hex_words: str) -> str:
    """The ROM module text; ``hex_words`` is one hex word per line (spec.memh_words), word k = address k."""
    words = hex_words.split()
    if len(words) != rom.depth:
        raise ValueError(f"ROM {rom.module}: {len(words)} words for depth {rom.depth}")
    if rom.style not in STYLES:
        raise ConfigError(f"ROM {rom.module}: style {rom.style!r} is not one of {', '.join(STYLES)}")
    w = rom.width
    if rom.depth == 1:
        return _template("pcnn_rom_const.vt").substitute(
            module=rom.module, what=what, layer=layer, width=w, width_m1=w - 1,
            abits_m1=rom.addr_bits - 1, word=words[0],
        )
    nb = banks(rom)
    if nb == 1:
        rows = rom.depth
        init = "\n".join(f"    mem[{k}] = {w}'h{x};" for k, x in enumerate(words))
        lbits = rom.addr_bits
    else:
        rows, lbits = BANK_WORDS, BANK_WORDS.bit_length() - 1
        zero = "0" * len(words[0])
        lines = []
        for r in range(rows):  # bank b (word r + 64 b) at bits [b*w, (b+1)*w), highest bank first
            row = [words[r + b * rows] if r + b * rows < rom.depth else zero for b in reversed(range(nb))]
            lines.append(f"    mem[{r}] = {{" + ", ".join(f"{w}'h{x}" for x in row) + "};")
        init = "\n".join(lines)
    kind = 0 if rom.style == "block" else (1 if nb == 1 else 2)
    why = "node attribute" if rom.style_override != "auto" else f"auto: block from {BLOCK_MIN_DEPTH} words"
    return _template("pcnn_rom.vt").substitute(
        module=rom.module,
        what=what,
        layer=layer,
        depth=rom.depth,
        width=w,
        width_m1=w - 1,
        abits_m1=rom.addr_bits - 1,
        style=rom.style,
        why=why,
        vstyle="block" if rom.style == "block" else "distributed",
        ystyle="block" if rom.style == "block" else "logic",
        kind=kind,
        bank=BANK_WORDS,
        banks=nb,
        row_m1=w * nb - 1,
        rows_m1=rows - 1,
        lbits=lbits if kind == 2 else 0,
        lbits_m1=(lbits - 1) if kind == 2 else rom.addr_bits - 1,
        hbits_m1=(rom.addr_bits - lbits - 1) if kind == 2 else 0,
        init=init,
    )

