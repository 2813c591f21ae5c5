"""Features of the residual-net modules (pcnn_hw/layers/{duplicate,addstreams,fmpadding,globalpool}/*.v)
for the resource model (:mod:`pcnn_hw.resources.features` calls :func:`residual_features` /
:func:`residual_brams` for them). Each feature counts what the module's Verilog describes:

- ``pcnn_duplicate``: one shared WIDTH-bit data register (``width``: flip-flops with a clock enable, no
  logic) and two valid bits with the ready logic (``one``);
- ``pcnn_addstreams``: PE adders of OUT_BITS (``add``: the bits where both operands carry data, a LUT and
  a carry bit each; ``ext``: the sign/zero-extension bits above the wider operand, carry only) and the
  PE x OUT_BITS output register (``out``);
- ``pcnn_fmpadding``: the SIMD*BITS output register with its pad select (``beat``), the fold / column /
  row counters (``cnt``: clog2 bits) and the row / column boundary comparators on them (``cmp``);
- ``pcnn_globalpool``: PE accumulators of OUT_BITS with the first-pixel clear (``acc``), the output
  register (``out``), the fold / pixel counters (``cnt``) and the FOLDS-entry memory of running sums:
  flip-flops for FOLDS = 1 (``accreg``), LUTRAM (``lutram`` LUTs, ``mux`` bank muxes) or block RAM.

Memory rule (:func:`async_ram_is_block`): a RAM read asynchronously at a registered address (globalpool's
sums at the fold counter, the MVAU's replay buffer) is mapped by Yosys (memory_libmap, xc7) to block RAM
only from 128 words deep and above 2,048 bits; below, LUTRAM. Measured on the grid
(benchmarks/resource_grid.py ``residual_grid``): 128 x 24 and 512 x 5 are block RAM, 128 x 16, 256 x 8
and 64 x 64 LUTRAM (the 3,072-bit bound of an earlier session was wrong for 128 x 24);
tests/resources/test_residual_kinds.py.
"""

from __future__ import annotations

from typing import Any

from pcnn_hw.resources.memories import bram_tiles, clog2, lutram_cost, lutram_mux

RESIDUAL_MODULES = ("pcnn_duplicate", "pcnn_addstreams", "pcnn_fmpadding", "pcnn_globalpool")
ASYNC_BLOCK_MIN_DEPTH = 128
ASYNC_BLOCK_MIN_BITS = 2048  # block RAM only for more bits than this (and >= ASYNC_BLOCK_MIN_DEPTH words)

# registers the Verilog declares, per kind: the FF fit uses only these features
RESIDUAL_FF_FEATURES = {
    "duplicate": ("one", "width"),
    "addstreams": ("one", "out"),
    "fmpadding": ("one", "beat", "cnt"),
    "globalpool": ("one", "out", "cnt", "accreg"),
}
# LUTs: every feature of the kind except these (pure registers)
RESIDUAL_LUT_EXCLUDE = {"addstreams": ("out",), "globalpool": ("out", "accreg")}


def _p(params: dict[str, Any], k: str, default: int = 0) -> int:
    return int(params.get(k, default))


def async_ram_is_block(width: int, depth: int) -> bool:
    """Whether Yosys maps a ``width`` x ``depth`` RAM with an asynchronous read at a registered address
    to block RAM (>= 128 words and > 2,048 bits), else LUTRAM."""
    return depth >= ASYNC_BLOCK_MIN_DEPTH and width * depth > ASYNC_BLOCK_MIN_BITS


def globalpool_memory(params: dict[str, Any]) -> tuple[int, int]:
    """(width, depth) of pcnn_globalpool's running-sum memory (depth 1: registers)."""
    return _p(params, "PE") * _p(params, "OUT_BITS"), _p(params, "FOLDS", 1)


def residual_features(module: str, params: dict[str, Any]) -> dict[str, float] | None:
    """Feature vector of a residual-net module instance (None for another module)."""

    p = params
    if module == "pcnn_duplicate":
        return {"one": 1.0, "width": float(_p(p, "WIDTH"))}
    if module == "pcnn_addstreams":
        pe, ob = _p(p, "PE"), _p(p, "OUT_BITS")
        wide = max(_p(p, "IN0_BITS"), _p(p, "IN1_BITS"))
        return {"one": 1.0, "add": float(pe * wide), "ext": float(pe * max(ob - wide, 0)),
                "out": float(pe * ob)}
    if module == "pcnn_fmpadding":
        oh = _p(p, "IH") + _p(p, "PT") + _p(p, "PB")
        ow = _p(p, "IW") + _p(p, "PL") + _p(p, "PR")
        rb, cb = clog2(oh + 1), clog2(ow + 1)
        return {"one": 1.0, "beat": float(_p(p, "SIMD") * _p(p, "BITS")),
                "cnt": float(max(1, clog2(_p(p, "CF"))) + rb + cb), "cmp": float(rb + cb)}
    if module == "pcnn_globalpool":
        w, d = globalpool_memory(p)
        regs, block = d == 1, async_ram_is_block(w, d)
        cnt = max(1, clog2(d)) + max(1, clog2(_p(p, "PIX")))
        return {"one": 1.0, "acc": float(w), "out": float(w), "cnt": float(cnt),
                "accreg": float(w) if regs else 0.0,
                "lutram": 0.0 if regs or block else float(lutram_cost(w, d)),
                "mux": 0.0 if regs or block else lutram_mux(w, d)}
    return None


def residual_brams(module: str, params: dict[str, Any]) -> tuple[int, int]:
    """(RAMB18, RAMB36) of a residual-net module: globalpool's sums when block-mapped, else none."""

    if module == "pcnn_globalpool":
        w, d = globalpool_memory(params)
        if d > 1 and async_ram_is_block(w, d):
            return bram_tiles(w, d)
    return 0, 0
