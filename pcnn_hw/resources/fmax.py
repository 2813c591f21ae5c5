"""Estimated fmax of one RTL instance at a folding, without Yosys: the folding optimizer's timing hook
(issue #12; :mod:`pcnn_hw.compile.fold_opt` rejects foldings below 1.25 x the board clock).

Every module is a pipeline whose stages are short; the worst register-to-register path of a stage is
``luts`` LUT levels and one carry chain of ``carries`` cells, started by a flip-flop, a block RAM or a
LUTRAM. Its delay uses the same constants and path rule as the Yosys netlist walk
(:mod:`pcnn_hw.rtl.timing`, ``rtl/delay_models.json``):

    ns = clock-to-out(start) + luts * (lut_ns + route_ns) + [carries > 0: carry_entry_ns
         + carries * carry_ns + route_ns] + route_ns + setup + clock_uncertainty_ns

(on xc7-1: 2 LUT + 1 carry 218.6 MHz, 2 + 2 213.3, 3 + 2 179.0, 5 + 2 141.9 MHz -- exactly what the
walk reports for cnv's Pool, LabelSelect, fifo_7 and sliding window in results/timing_modules.json;
the walk found 3 + 2 at 207.8 MHz in sfc's XNOR MVAUs, where the chain needs no net of its own).

The stages that depend on the folding, per module (7-series: a CARRY4
adds 4 bits, compares 8 bits, since a LUT6 in front of each carry bit compares 2 bit pairs; a LUT6 is a
4:1 mux or a 6-input AND):

* ``pcnn_mvau``: the running weight-address counter (clog2(MW/SIMD * MH/PE) bits); a node of the
  pipelined adder tree (R = 4 terms of the top width clog2(SIMD * LMAX + 1): 3 LUT levels of
  carry-save compression and the carry chain); with integer inputs the level-0 sign-flip + group sum
  (5 LUT levels, a carry chain over IN_BITS + 6 bits: cnv's 8-bit first layer, 5 LUT + 4 carry
  measured); the accumulator (2 LUT + ACC_BITS / 4 carries); the threshold compare (ACC_BITS / 8
  carries, N_STEPS compares summed in a LUT tree); the weight ROM: ``block`` starts at the RAMB output,
  ``distributed`` (banked, 64 words per bank) has its bank mux, ``logic`` the whole read mux.
* ``pcnn_thresholding``: the compare and its ROM; ``pcnn_swg`` (registered read/base steps, #10): the
  next step from the counters' "last" flags into its register (6 LUT levels, no carry), and the buffer
  difference update hm1/af from registered operands (3 LUT + a chain over AW + 2 bits and 2 cells more:
  Yosys shares the three candidate adders behind one operand mux; measured 3 + 4..5 on xc7, see
  benchmarks/results/swg_timing.md); ``pcnn_fifo``: read
  pointer -> registered read (3 LUT + clog2(DEPTH) / 4); ``pcnn_dwc``: its beat counter and (down)
  the IW/OW:1 mux;
  ``pcnn_pool`` / ``pcnn_labelselect``: a compare (label select: one compare + 2:1 mux per registered
  level of its tournament tree, #10).

An estimate of an estimate: the walk itself is within ~20 % of Vivado for logic paths; this model is
checked against the walk's numbers in tests/resources/test_fmax.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from pcnn_hw.rtl.timing import DelayModel, model_for_part

BANK_WORDS = 64  # words per bank of a distributed (banked) ROM, pcnn_hw.rtl.rom.BANK_WORDS
TREE_FANIN = 4  # pcnn_mvau's TREE_FANIN default


@dataclass(frozen=True)
class Stage:
    """One register-to-register path: LUT levels, carry cells, start cell ('ff' | 'bram' | 'lutram')."""

    what: str
    luts: int
    carries: int = 0
    start: str = "ff"


def clog2(n: int) -> int:
    """Bits to count 0 .. n - 1 (at least 1)."""
    return max(1, (int(n) - 1).bit_length())


def and_levels(n: int) -> int:
    """LUT6 levels of an n-input AND / compare-to-constant."""
    return max(1, math.ceil(math.log(max(n, 2), 6)))


def mux_levels(n: int) -> int:
    """LUT6 levels of an n:1 mux (a LUT6 is a 4:1 mux); 0 for n <= 1."""
    return 0 if n <= 1 else math.ceil(math.log(n, 4))


def add_carries(bits: int) -> int:
    """CARRY4 cells of a ``bits``-bit adder."""
    return math.ceil(bits / 4)


def cmp_carries(bits: int) -> int:
    """CARRY4 cells of a ``bits``-bit magnitude compare."""
    return math.ceil(bits / 8)


def counter(what: str, bits: int) -> Stage:
    """A wrapping counter: increment chain and the terminal-count compare in front of its mux."""
    return Stage(what, 1 + and_levels(bits), add_carries(bits))


def rom_stage(what: str, depth: int, style: str) -> Stage:
    """The read of a ROM of ``depth`` words into its output register (read latency 2)."""
    if style == "block":
        return Stage(what, 0, 0, "bram")
    if style == "distributed":  # stage 1: the row at addr % 64 (one LUT6 per bit); stage 2: the bank mux
        return Stage(what, max(1, mux_levels(math.ceil(depth / BANK_WORDS))))
    return Stage(what, 1 + mux_levels(math.ceil(depth / BANK_WORDS)))  # logic: the whole read mux


def _p(params: dict[str, Any], key: str, default: int = 0) -> int:
    return int(params.get(key, default))


def _mvau(p: dict[str, Any], roms: list[tuple[int, int, str]]) -> list[Stage]:
    pe, simd, mw, mh = _p(p, "PE", 1), _p(p, "SIMD", 1), _p(p, "MW", 1), _p(p, "MH", 1)
    acc, steps, inb = _p(p, "ACC_BITS", 8), _p(p, "N_STEPS", 1), _p(p, "IN_BITS", 1)
    xnor = _p(p, "XNOR", 1)
    out = [counter("weight address", clog2((mw // simd) * (mh // pe)))]
    lmax = 6 if xnor else (1 << inb) - 1
    top = clog2(simd * lmax + 2)
    if simd > (6 if xnor else TREE_FANIN):
        out.append(Stage("adder tree node", 3, add_carries(top)))
    if not xnor:
        out.append(Stage("level-0 products", 5, add_carries(inb + 6)))
    out.append(Stage("accumulator", 2, add_carries(acc)))
    if not _p(p, "NO_ACT"):
        out.append(Stage("threshold compare", 1 + and_levels(steps) if steps > 1 else 2, cmp_carries(acc)))
    out += [rom_stage(f"ROM {k}", d, s) for k, (_w, d, s) in enumerate(roms)]
    return out


def stages(module: str, params: dict[str, Any], roms: list[tuple[int, int, str]]) -> list[Stage]:
    """The folding-dependent paths of one instance (module name, Verilog parameters, ROM shapes)."""
    p = params
    if module == "pcnn_mvau":
        return _mvau(p, roms)
    if module == "pcnn_thresholding":
        steps = _p(p, "N_STEPS", 1)
        cmp = Stage("compare", 1 + and_levels(steps) if steps > 1 else 2, cmp_carries(_p(p, "IN_BITS", 8)))
        return [cmp, *(rom_stage("ROM", d, s) for (_w, d, s) in roms)]
    if module == "pcnn_swg":
        return [Stage("step select", 6), Stage("buffer difference", 3, add_carries(_p(p, "AW", 2) + 2) + 2),
                counter("channel fold", clog2(_p(p, "CF", 1)))]
    if module == "pcnn_swg_par":
        return [Stage("window shift", 4, 1)]  # shift enable: 2-4 LUT + 1 carry measured (swg_timing.md)
    if module == "pcnn_fifo":
        depth = _p(p, "DEPTH", 2)
        return [Stage("read pointer", 3, add_carries(clog2(depth))) if depth > 2 else Stage("two entries", 2)]
    if module == "pcnn_dwc":
        iw, ow = _p(p, "IW", 1), _p(p, "OW", 1)
        ratio = max(iw, ow) // max(1, min(iw, ow))
        out = [counter("beat counter", clog2(ratio))]
        return out + [Stage("width mux", max(1, mux_levels(ratio)))] if iw > ow else out
    if module == "pcnn_pool":
        return [Stage("compare", 2, cmp_carries(_p(p, "BITS", 1) + 1))]
    if module == "pcnn_labelselect":
        return [Stage("compare", 2, cmp_carries(_p(p, "IN_BITS", 8)))]
    return []


def stage_ns(model: DelayModel, s: Stage) -> float:
    """Delay of one stage by the walk's constants (module docstring)."""
    start = {"ff": "ff_clk_to_q_ns", "bram": "bram_clk_to_out_ns", "lutram": "lutram_clk_to_out_ns"}[s.start]
    ns = model.ns(start) + s.luts * (model.ns("lut_ns") + model.ns("route_ns"))
    if s.carries:  # entering the chain from a LUT, and the net out of it
        ns += model.ns("carry_entry_ns") + s.carries * model.ns("carry_ns") + model.ns("route_ns")
    return ns + model.ns("route_ns") + model.ns("ff_setup_ns") + model.ns("clock_uncertainty_ns")


def worst_stage(module: str, params: dict[str, Any], roms: list[tuple[int, int, str]],
                model: DelayModel) -> tuple[Stage | None, float]:
    """(slowest stage, its fmax in MHz); (None, inf) for a module with no modelled stage."""
    best: tuple[Stage | None, float] = (None, math.inf)
    for s in stages(module, params, roms):
        mhz = 1000.0 / stage_ns(model, s)
        if mhz < best[1]:
            best = (s, mhz)
    return best


def fmax_mhz(module: str, params: dict[str, Any], roms: list[tuple[int, int, str]], part: str) -> float:
    """Estimated fmax (MHz) of one instance on FPGA ``part`` (inf when no stage is modelled)."""
    return worst_stage(module, params, roms, model_for_part(part))[1]
