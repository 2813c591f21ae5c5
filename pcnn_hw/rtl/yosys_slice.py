"""Representative-slice synthesis of a wide MVAU (issue #12 item 4: zoo ``build --rtl`` in minutes).

WebAssembly Yosys needs 20+ minutes for the first layer of the Brevitas zoo MLPs (tfc_1w1a: an XNOR MVAU
of PE 64 x SIMD 196 = 12,544 lanes). An MVAU's PE lanes are the same datapath (XNOR / product lanes,
a popcount or adder tree, accumulator, threshold compare) and differ only in the weight and threshold
constants they are fed, and the weight ROM is a module of its own (kept as hierarchy during synthesis,
:data:`pcnn_hw.rtl.yosys.SCRIPT_KEEP`), so it never merges into the datapath. So an MVAU with
``PE >= 2 * SLICE_PES[1]`` and at least :data:`SLICE_MIN_LANES` lane bits is synthesized as

- two *slices* of ``p1`` and ``p2`` PEs (:data:`SLICE_PES`): the same module with ``PE = p``,
  ``MH = NF * p`` (same neuron fold, same ROM depths), the ROMs holding the first ``p`` PEs' weights
  and thresholds (word bits ``[0, p * width / PE)``: both images put the PE index above the SIMD / step
  index); each run also reports its weight ROM's own cells (``stat`` before the ROM is flattened);
- the instance's *real* weight ROM alone (every PE's contents; exact LUT / FF / BRAM of the ROM).

Resources = slice datapath extrapolated linearly in PE + the real ROM: with ``D(p)`` = slice cells
minus its weight-ROM cells, ``D(PE) = D(p1) + (PE - p1) * (D(p2) - D(p1)) / (p2 - p1)`` (fixed control
logic counted once, the per-PE part PE times), rounded half-even per cell class. Error sources: the
threshold constants (flattened into the compare logic) of the PEs outside the slice, and BRAM/LUTRAM
threshold ROMs whose packing is not linear in their width. Measured: benchmarks/results/zoo_build.md.

Timing (per delay model): the worse of the ``p2`` slice's worst path (every PE has the same structure;
the netlist walk has no fanout term, so more PEs do not lengthen a path in it) and the real ROM's worst
path. The report row says ``estimate: scaled from a p2-PE slice``; a failed or timed-out run of any
part leaves the whole instance missing (unverified), as for a full run.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from fractions import Fraction

from pcnn_hw.core.hwspec import Rom
from pcnn_hw.rtl.rom import BANK_WORDS, rom_verilog
from pcnn_hw.rtl.stitch import Design, Instance, template_text
from pcnn_hw.rtl.yosys_stat import Resources

SLICE_PES = (2, 4)  # the two slice widths (PEs); the slope between them is the per-PE cost
SLICE_MIN_LANES = 1024  # PE x SIMD x IN_BITS x W_BITS from which an MVAU is synthesized as slices
CELL_FIELDS = ("lut_logic", "lut_mem", "ff", "ramb18", "ramb36", "dsp", "carry4")

# run(what, files, top, hier) -> {"resources": Resources, "timing": {...}, "modules": {...}, "cached": bool}
Runner = Callable[[str, dict[str, str], str, bool], dict]


def slice_plan(inst: Instance) -> tuple[int, int] | None:
    """The slice widths ``(p1, p2)`` for ``inst``, or None when it is synthesized whole (not an MVAU,
    fewer than ``2 * p2`` PEs, or fewer than :data:`SLICE_MIN_LANES` lane bits)."""
    if inst.module != "pcnn_mvau":
        return None
    p = inst.params
    pe = int(p["PE"])
    lanes = pe * int(p["SIMD"]) * int(p["IN_BITS"]) * int(p["W_BITS"])
    if pe < 2 * SLICE_PES[1] or lanes < SLICE_MIN_LANES:
        return None
    return SLICE_PES


def rom_words(text: str, rom: Rom) -> list[int]:
    """The words of a generated ROM module (:func:`pcnn_hw.rtl.rom.rom_verilog`), address order: row r
    of a banked ROM holds words r + 64 b, highest bank first."""
    words = [0] * rom.depth
    for m in re.finditer(r"^\s*mem\[(\d+)\] = (.*);\s*$", text, re.M):
        parts = re.findall(r"'h([0-9a-fA-F]+)", m.group(2))
        for i, h in enumerate(parts):
            k = int(m.group(1)) + (len(parts) - 1 - i) * BANK_WORDS
            if k < rom.depth:
                words[k] = int(h, 16)
    return words


def slice_rom(rom: Rom, text: str, layer: str, keep: int) -> tuple[Rom, str]:
    """``rom`` cut to its low ``keep`` bits per word (same module name, depth and style) and its text."""
    mask = (1 << keep) - 1
    nhex = -(-keep // 4)
    hexw = "".join(f"{w & mask:0{nhex}x}\n" for w in rom_words(text, rom))
    out = Rom(rom.module, rom.port, keep, rom.depth, rom.style_override)
    what = {"w": "weights", "t": "thresholds"}.get(rom.port, rom.port) + " (PE slice)"
    return out, rom_verilog(out, layer, what, hexw)


def slice_instance(inst: Instance, d: Design, p: int) -> tuple[Instance, dict[str, str]]:
    """``inst`` with its first ``p`` PEs (``PE = p``, ``MH = NF * p``, ROMs cut) and its sources."""
    pe, mh = int(inst.params["PE"]), int(inst.params["MH"])
    obits = inst.out_width // pe
    roms, texts = [], {}
    for r in inst.roms:
        sr, text = slice_rom(r, d.files[r.file], inst.layer or inst.name, r.width * p // pe)
        roms.append(sr)
        texts[sr.file] = text
    params = {**inst.params, "PE": p, "MH": mh // pe * p}
    out_widths = [obits * p] if inst.out_widths else []
    sl = dataclasses.replace(inst, params=params, out_width=obits * p, out_widths=out_widths, roms=roms)
    files = {n: texts.get(n) or d.files.get(n) or template_text(n) for n in sl.sources()}
    return sl, files


def rom_wrapper(inst: Instance, rom: Rom) -> str:
    """``synth_top`` holding ``rom`` alone, instance named as in the layer's wrapper (path names match)."""
    return (
        "module synth_top (input wire ap_clk, input wire en,\n"
        f"  input wire [{rom.addr_bits - 1}:0] addr, output wire [{rom.width - 1}:0] q);\n"
        f"  {rom.module} {inst.name}_{rom.port}_rom (.ap_clk(ap_clk), .en(en), .addr(addr), .q(q));\n"
        "endmodule\n"
    )


def scale(d1: Resources, d2: Resources, p1: int, p2: int, pe: int, rom: Resources) -> Resources:
    """Datapath cells ``d1`` at ``p1`` PEs and ``d2`` at ``p2`` extrapolated to ``pe`` PEs, plus ``rom``."""
    out = Resources()
    for f in CELL_FIELDS:
        a, b = getattr(d1, f), getattr(d2, f)
        v = round(a + Fraction((pe - p1) * (b - a), p2 - p1)) + getattr(rom, f)
        setattr(out, f, max(0, v))
    out.lut = out.lut_logic + out.lut_mem
    return out


def _minus(a: Resources, b: Resources) -> Resources:
    """Cell counts ``a - b`` (``lut`` recomputed)."""
    out = Resources(**{f: getattr(a, f) - getattr(b, f) for f in CELL_FIELDS})
    out.lut = out.lut_logic + out.lut_mem
    return out


def synth_sliced(
    inst: Instance, d: Design, plan: tuple[int, int], run: Runner, wrapper: Callable[[Instance], str]
) -> tuple[Resources, dict, bool, dict]:
    """Resources, {model: worst path}, cache_hit and the row's ``slice`` note for a sliced MVAU.

    ``run`` synthesizes (cached) and must report per-module cells when asked (``hier``); ``wrapper``
    makes the one-instance top (:func:`pcnn_hw.rtl.yosys.wrapper`)."""
    p1, p2 = plan
    pe = int(inst.params["PE"])
    wrom = next((r for r in inst.roms if r.port == "w"), None)
    dps, timing, hits = [], {}, []
    for p in plan:
        sl, files = slice_instance(inst, d, p)
        files["synth_top.v"] = wrapper(sl)
        out = run(f"yosys {inst.name} ({p}-PE slice)", files, "synth_top", True)
        hits.append(out["cached"])
        own = out["modules"].get(wrom.module) if wrom is not None else None
        dps.append(_minus(out["resources"], own) if own is not None else out["resources"])
        timing = out["timing"]  # the last (widest) slice's paths
    rom_res = Resources()
    if wrom is not None:
        files = {wrom.file: d.files[wrom.file], "synth_top.v": rom_wrapper(inst, wrom)}
        out = run(f"yosys {inst.name} (weight ROM)", files, "synth_top", False)
        hits.append(out["cached"])
        rom_res = out["resources"]
        timing = {m: max(t, out["timing"].get(m, t), key=lambda x: x["ns"]) for m, t in timing.items()}
    res = scale(dps[0], dps[1], p1, p2, pe, rom_res)
    note = {"estimate": f"scaled from a {p2}-PE slice", "slice_pes": [p1, p2], "pe": pe,
            "weight_rom": "synthesized whole" if wrom is not None else None}  # fmt: skip
    return res, timing, all(hits), note
