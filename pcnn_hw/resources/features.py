"""Physically motivated features of our RTL modules (pcnn_hw/rtl/verilog) for the resource model.

Each layer instance (module + parameters + ROM shapes, i.e. a :class:`pcnn_hw.core.hwspec.RtlLayer` or
a stitched :class:`pcnn_hw.rtl.stitch.Instance`) maps to a *kind* and a feature vector; LUT, FF and DSP
are linear in the features (coefficients fitted to Yosys, :mod:`pcnn_hw.resources.model`). The
features count the hardware the module's Verilog describes, e.g. for ``pcnn_mvau``:

- ``lanes_const``: PE*SIMD XNOR lanes whose weight is a constant (weight ROM of depth 1 folds into
  the popcount: only the 6:3 compressors remain); ``lanes_a5`` / ``a6`` / ``a7``: lanes whose weight
  bit is a logic-ROM function of 5 / 6 / 7 address bits (merged with the XNOR); ``lanes_block``: BRAM;
- ``tree``: adder-tree bits (PE x leaves x tree width), ``acc``: PE x accumulator bits,
  ``cmp``: PE x thresholds x accumulator bits (comparators), ``trom``: threshold ROM bits in LUTs,
  ``out``: PE x accumulator bits output as they are (NO_ACT, the last layers);
- ``ibuf``: the replay buffer (SF beats of SIMD*IN_BITS, LUTRAM) when NF > 1.

Monotone in PE and SIMD within a memory regime; the regime changes are real steps of the hardware:
depth-1 weights (constants folded into the XNORs), NF = 1 (no replay buffer), block vs logic ROM.

Block memories (``rom_style = "block"`` ROMs, sliding-window buffers and FIFOs over BLOCK_RAM_BITS) are in
RAMB18/RAMB36 by :func:`bram_tiles`, Yosys' tiling over the 7-series aspect ratios; a one-word ROM is a
constant (pcnn_hw/rtl/rom.py), never a memory; a 2-deep FIFO keeps its one memory entry in flip-flops.
Why our own and not FINN's estimate functions: FINN models its HLS/finn-rtllib implementations (weights
always in memory); ours keeps shallow ROMs as logic that Yosys folds into the XNORs.
"""

from __future__ import annotations

import math
from typing import Any

from pcnn_hw.resources.features_residual import (
    RESIDUAL_FF_FEATURES,
    RESIDUAL_LUT_EXCLUDE,
    async_ram_is_block,
    residual_brams,
    residual_features,
)
from pcnn_hw.resources.memories import (  # noqa: F401 (re-exported: the model's one features API)
    BLOCK_RAM_BITS,
    bram_mux,
    bram_tiles,
    bram_tiling,
    clog2,
    lut_rom_cost,
    lutram_cost,
    lutram_mux,
    ram_is_block,
)

# Flip-flops are counted by the registers the Verilog declares; per kind the features that hold them
# (the fit of FF uses only these; LUT and DSP use every feature of the kind)
FF_FEATURES = {
    "mvau_xnor": ("one", "xw", "xr", "wword", "wbank", "tree", "acc", "cmp", "ibuf_reg", "lanes_const",
                  "out"),
    "mvau_int": ("one", "xw", "xr", "wword", "wbank", "tree", "acc", "cmp", "ibuf_reg", "xsum",
                 "lanes_const"),
}
# registers whose count the Verilog fixes exactly (one FF per bit): not fitted, subtracted before the fit
FF_FIXED = {"mvau_xnor": {"xw": 1.0, "ibuf_reg": 1.0, "wbank": 1.0},
            "mvau_int": {"xw": 1.0, "ibuf_reg": 1.0, "wbank": 1.0}}
# LUTs the Verilog fixes exactly (not fitted, subtracted before the fit): the block ROMs' slice muxes
LUT_FIXED = {"mvau_xnor": {"bram_mux": 1.0}, "mvau_int": {"bram_mux": 1.0}, "thresholding": {"bram_mux": 1.0}}
# LUTs: every feature of the kind except these (registers without logic; too few runs to separate them)
LUT_EXCLUDE = {"mvau_xnor": ("xw", "xr", "wword", "acc", "ibuf_reg"),
               "mvau_int": ("xw", "xr", "wword", "ibuf_reg")}
# mvau_int1: integer MVAU with a 1-bit input (a classifier head after a 1-bit stream): its own coefficient
# set (the 8-bit first layers' adder costs do not carry over), same registers as mvau_int
for _d in (FF_FEATURES, FF_FIXED, LUT_FIXED, LUT_EXCLUDE):
    _d["mvau_int1"] = _d["mvau_int"]
FF_FEATURES.update(RESIDUAL_FF_FEATURES)
LUT_EXCLUDE.update(RESIDUAL_LUT_EXCLUDE)


def _p(params: dict[str, Any], k: str, default: int = 0) -> int:
    return int(params.get(k, default))


def kind_of(module: str, params: dict[str, Any]) -> str:
    """Model kind of an instance (one coefficient set each)."""
    if module == "pcnn_mvau":
        if _p(params, "XNOR"):
            return "mvau_xnor"
        return "mvau_int1" if _p(params, "IN_BITS", 1) == 1 else "mvau_int"
    return module.removeprefix("pcnn_")


def swg_buffer(params: dict[str, Any]) -> tuple[int, int]:
    """(width, depth) of pcnn_swg's circular buffer."""
    return _p(params, "BEAT"), 1 << _p(params, "AW")


def swg_buffer_is_block(params: dict[str, Any]) -> bool:
    """Whether Yosys maps the sliding-window buffer to block RAM."""
    return ram_is_block(*swg_buffer(params))


def ibuf_memory(p: dict[str, Any]) -> tuple[int, int]:
    """(width, depth) of pcnn_mvau's replay buffer: SF words of SIMD*IN_BITS."""
    simd = max(_p(p, "SIMD"), 1)
    return simd * _p(p, "IN_BITS", 1), _p(p, "MW") // simd


def ibuf_block(p: dict[str, Any]) -> bool:
    """Whether pcnn_mvau's replay buffer (read asynchronously at the registered fold counter; it exists
    when NF > 1 and SF > 1) is in block RAM (features_residual.async_ram_is_block)."""
    width, sf = ibuf_memory(p)
    nf = _p(p, "MH") // max(_p(p, "PE"), 1)
    return nf > 1 and sf > 1 and async_ram_is_block(width, sf)


def _mvau(p: dict[str, Any], roms: list[tuple[int, int, str]]) -> dict[str, float]:
    pe, simd, mw, mh = _p(p, "PE"), _p(p, "SIMD"), _p(p, "MW"), _p(p, "MH")
    sf, nf = mw // simd, mh // pe
    wmem, wbits, inb, acc = sf * nf, _p(p, "W_BITS", 1), _p(p, "IN_BITS", 1), _p(p, "ACC_BITS")
    steps = 0 if _p(p, "NO_ACT") else _p(p, "N_STEPS", 1)
    xnor = bool(_p(p, "XNOR"))
    # a one-word ROM is a constant whatever its style (pcnn_hw/rtl/rom.py)
    block = any(s == "block" and d > 1 for (_w, d, s) in roms[:1])
    tblock = any(s == "block" and d > 1 for (_w, d, s) in roms[1:2])  # thresholds in BRAM: no LUT ROM
    g = 6 if xnor else (4 if wbits == 1 else 1)
    ng = math.ceil(simd / g)
    tw = max(4, clog2(simd + 1)) if xnor else acc
    lanes = pe * simd
    # Lanes by weight-memory regime: Yosys moves a logic ROM's output register to its address, so each
    # lane's weight bit is a function of the log2(depth) address bits and merges with the XNOR/select:
    # one LUT6 up to 32 words (5 address bits + the input bit), more at 64 and 128; block ROM: the
    # weight comes from BRAM; depth 1: constants folded into the popcount.
    a = clog2(wmem)
    # XNOR lanes have 1-bit inputs; an integer lane's weight bits come from the ROM once per lane
    # (lw: weight-source bits) and feed an IN_BITS-wide add/select (dp: datapath bits, integer only)
    lw = float(lanes * inb * wbits) if xnor else float(lanes * wbits)
    f = {
        "one": 1.0,
        "lanes_const": lw if wmem == 1 else 0.0,
        "lanes_a5": lw if not block and 1 < wmem <= 32 else 0.0,
        # grows with the address bits, log2 of the depth unrounded: the ROM declares exactly wmem words, so
        # Yosys takes the addresses past them as don't-cares (a 6-word ROM is cheaper than an 8-word one)
        "lanes_abits": lw * math.log2(wmem) if not block and 1 < wmem <= 32 else 0.0,
        "lanes_a6": lw if not block and a == 6 else 0.0,
        "lanes_a7": lw if not block and a >= 7 else 0.0,
        "lanes_block": lw if block else 0.0,
        "bram_mux": bram_mux(roms),  # LUT_FIXED
        "tree": float(pe * ng * tw),
        "acc": float(pe * acc),
        "cmp": float(pe * steps * acc),
        # NO_ACT: the accumulator itself is the output (pcnn_mvau.v g_acc: a2 and the output register,
        # PE x ACC_BITS with their enables); with an activation this path is the comparator's (in cmp)
        "out": float(pe * acc) if _p(p, "NO_ACT") else 0.0,
        "trom": 0.0 if tblock else pe * steps * acc * lut_rom_cost(nf),
        # replay buffer: LUTRAM bits / 48 (RAM32M: 6 x 32 bits in 4 LUTs; RAM64M: 3 x 64), smooth in
        # SIMD so the model stays monotone; address counters are in "one" (a few LUTs either way)
        # (block RAM when deep and large enough: features_residual.async_ram_is_block, then no LUTs)
        "ibuf": simd * inb * max(sf, 32) / 48 if nf > 1 and sf > 1 and not ibuf_block(p) else 0.0,
        "ibuf_reg": float(simd * inb) if nf > 1 and sf == 1 else 0.0,  # one replay word: flip-flops
        "xw": float(simd * inb),  # the issue-stage input register (xb)
        # since the 2-cycle ROM read (#10): the input word aligned with the weights (xr) and the ROM's
        # output word in flip-flops (Yosys keeps it outside the RAMB / LUT ROM); none for constants
        "xr": float(simd * inb) if wmem > 1 else 0.0,
        "wword": lw if wmem > 1 else 0.0,
        # a distributed weight ROM deeper than 64 words is banked (pcnn_hw/rtl/rom.py): stage 1 registers
        # one row per 64-word bank, i.e. width * (banks - 1) flip-flops more than one ROM word
        "wbank": lw * (math.ceil(wmem / 64) - 1) if not block and wmem > 64 else 0.0,
    }
    if not xnor:
        f["xsum"] = float(ng * acc) if wbits == 1 else 0.0
        f["dp"] = float(lanes * inb * wbits)
    return f


def features(module: str, params: dict[str, Any], roms: list[tuple[int, int, str]]) -> dict[str, float]:
    """Feature vector of one instance; ``roms`` = [(width, depth, style)] in port order (w, t)."""
    p = params
    if module == "pcnn_mvau":
        return _mvau(p, roms)
    if module == "pcnn_thresholding":
        pe, c, steps, cw = _p(p, "PE"), _p(p, "C"), _p(p, "N_STEPS"), _p(p, "CW")
        tm = c // pe
        tblock = any(s == "block" and d > 1 for (_w, d, s) in roms[:1])
        return {
            "one": 1.0,
            "cmp": float(pe * steps * cw),
            "trom": 0.0 if tblock else pe * steps * cw * lut_rom_cost(tm),
            "io": float(pe * (_p(p, "IN_BITS") + _p(p, "OUT_BITS"))),
            "ctrl": float(clog2(tm)),
            "bram_mux": bram_mux(roms),  # LUT_FIXED
        }
    if module == "pcnn_swg":
        w, d = swg_buffer(p)
        block = swg_buffer_is_block(p)
        cnt = sum(clog2(_p(p, k)) for k in ("CF", "KH", "KW", "OH", "OW"))
        return {
            "one": 1.0,
            "beat": float(w),
            "lutram": 0.0 if block else lutram_cost(w, d),
            "mux": 0.0 if block else lutram_mux(w, d),
            "addr": float(_p(p, "AW")),
            "cnt": float(cnt),
            "dw": float(_p(p, "DEPTHWISE")),  # one kind for both orders: LUTRAM/BRAM cases are shared
        }
    if module == "pcnn_swg_par":
        pix, iw, kh, kw = _p(p, "PIX"), _p(p, "IW"), _p(p, "KH"), _p(p, "KW")
        length = (kh - 1) * _p(p, "DH", 1) * iw + (kw - 1) * _p(p, "DW", 1) + 1
        return {
            "one": 1.0,
            "srl": float(pix * math.ceil(max(length - kw, 0) / 32)),
            "win": float(kh * kw * pix),
            "cnt": float(clog2(_p(p, "IH")) + clog2(iw)),
        }
    if module == "pcnn_pool":
        pe, bits = _p(p, "PE"), _p(p, "BITS")
        return {"one": 1.0, "lanes": float(pe * bits), "cnt": float(clog2(_p(p, "KK")))}
    if module == "pcnn_labelselect":
        pe, inb, ob = _p(p, "PE"), _p(p, "IN_BITS"), _p(p, "OUT_BITS")
        cnt = float(clog2(_p(p, "LABELS")))
        # pipelined tournament tree (#10): level k registers PE2 >> (k + 1) entries of {present, index,
        # score}; the final stage's best value / index and the output register always exist
        levels = clog2(pe)
        treg = sum(((1 << levels) >> (k + 1)) * (inb + ob + 1) for k in range(levels))
        return {"one": 1.0, "cmp": float(pe * inb), "idx": float(pe * ob), "cnt": cnt,
                "seq": float(inb + 2 * ob), "treg": float(treg)}
    if module == "pcnn_fifo":
        w, d = _p(p, "WIDTH"), _p(p, "DEPTH")
        block = ram_is_block(w, d)
        regs = d <= 2  # a 2-deep memory stays in flip-flops at any width (Yosys: LUT_mem 0, 2 FF per bit)
        return {"one": 1.0, "width": float(w), "ffmem": float(w * d) if regs else 0.0,
                "lutram": 0.0 if block or regs else lutram_cost(w, d),
                "mux": 0.0 if block else lutram_mux(w, d), "addr": float(clog2(d))}
    if module == "pcnn_dwc":
        iw, ow = _p(p, "IW"), _p(p, "OW")
        # up: an OW-bit shift/collect register; down: an IW-bit holding register and an OW-wide IW/OW:1 mux
        return {"one": 1.0, "up": float(ow) if ow > iw else 0.0, "down": float(iw) if iw > ow else 0.0,
                "cnt": float(clog2(max(iw, ow) // min(iw, ow) + 1))}
    return residual_features(module, p) or {"one": 1.0}


def brams(module: str, params: dict[str, Any], roms: list[tuple[int, int, str]]) -> tuple[int, int]:
    """(RAMB18, RAMB36) of an instance: its block ROMs, a block-mapped sliding-window buffer, FIFO,
    MVAU replay buffer or globalpool sum memory (features_residual)."""
    r18, r36 = residual_brams(module, params)
    for w, d, s in roms:
        if s == "block" and d > 1:
            a, b = bram_tiles(w, d)
            r18, r36 = r18 + a, r36 + b
    if module == "pcnn_swg" and swg_buffer_is_block(params):
        a, b = bram_tiles(*swg_buffer(params))
        r18, r36 = r18 + a, r36 + b
    fw, fd = _p(params, "WIDTH"), _p(params, "DEPTH")
    if module == "pcnn_fifo" and fd > 2 and ram_is_block(fw, fd):
        a, b = bram_tiles(fw, fd)
        r18, r36 = r18 + a, r36 + b
    if module == "pcnn_mvau" and ibuf_block(params):
        a, b = bram_tiles(*ibuf_memory(params))
        r18, r36 = r18 + a, r36 + b
    return r18, r36
