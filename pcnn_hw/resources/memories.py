"""Memory and small-logic cost primitives of the resource model, shared by the feature modules
(:mod:`pcnn_hw.resources.features` and :mod:`pcnn_hw.resources.features_residual`): how Yosys
(memory_libmap, xc7) tiles block RAM, LUTRAM and logic-ROM costs. A leaf module (imports nothing of the
package), so the two feature modules import it at the top instead of each other inside functions.
"""

from __future__ import annotations

import math

# Yosys (memory_libmap, xc7) maps a RAM with a registered read address to block RAM above this size
# (fitted boundary: 2,400 bits -> RAMB18, 2,048 bits -> LUTRAM, for FIFOs and sliding-window buffers)
BLOCK_RAM_BITS = 2048
# (depth, width) aspect ratios of RAMB18E1 / RAMB36E1 (widths incl. parity; SDP for the widest)
RAMB18_MODES = ((16384, 1), (8192, 2), (4096, 4), (2048, 9), (1024, 18), (512, 36))
RAMB36_MODES = ((32768, 1), (16384, 2), (8192, 4), (4096, 9), (2048, 18), (1024, 36), (512, 72))
RAMB18_COST, RAMB36_COST = 129, 257  # memory_libmap's costs of one cell (brams_xc4v.txt)


def clog2(n: int) -> int:
    """ceil(log2(n)), 0 for n <= 1."""
    return 0 if n <= 1 else math.ceil(math.log2(n))


def lut_rom_cost(depth: int) -> float:
    """LUT6 per output bit of a logic ROM of ``depth`` random words (0 for a constant)."""
    if depth <= 1:
        return 0.0
    return float(2 ** max(0, clog2(depth) - 6))


def lutram_cost(width: int, depth: int) -> float:
    """LUTs of a ``width`` x ``depth`` LUTRAM (RAM32M: 6 bits x 32 in 4 LUTs; RAM64M: 3 bits x 64 in 4)."""
    if depth <= 32:
        return 4 * math.ceil(width / 6)
    return 4 * math.ceil(width / 3) * math.ceil(depth / 64)


def bram_tiling(width: int, depth: int) -> tuple[int, int, int]:
    """(RAMB18, RAMB36, depth slices) of a ``width`` x ``depth`` block memory, as Yosys' memory_libmap
    tiles it (xc7 and xcup alike, techlibs/xilinx/brams_xc4v.txt): for every aspect ratio (d, w) of one
    cell type the memory's ceil(depth / d) depth slices lie side by side in the cells' width (the read
    selects the slice: a slices:1 mux per bit in LUTs), i.e. ceil(ceil(depth / d) * width / w) cells,
    parity bits included; the cheapest at libmap's cell costs wins (RAMB18 129, RAMB36 257). So 192 x 1536
    is 8 RAMB36 (3 slices of 512 x 192 in 512 x 72 SDP cells: 576 bits wide; measured: 8 RAMB36E1 with
    READ_WIDTH_A 72 and 192 LUT5), not 3 x 3 = 9; 48 x 12288 is 16 RAMB36 (4096 x 9), 32 x 8192 is 15
    RAMB18 (2048 x 9).
    """
    best: tuple[int, int, int, int] | None = None
    for modes, cost, is36 in ((RAMB36_MODES, RAMB36_COST, 1), (RAMB18_MODES, RAMB18_COST, 0)):
        for d, w in modes:
            slices = -(-depth // d)
            n = -(-(slices * width) // w)
            cand = (n * cost, 0 if is36 else n, n if is36 else 0, slices)
            best = cand if best is None or cand[0] < best[0] else best
    assert best is not None
    return best[1], best[2], best[3]


def bram_tiles(width: int, depth: int) -> tuple[int, int]:
    """(RAMB18, RAMB36) of a ``width`` x ``depth`` block memory (:func:`bram_tiling`)."""
    return bram_tiling(width, depth)[:2]


def bram_mux(roms: list[tuple[int, int, str]]) -> float:
    """LUTs of the slice-select muxes of the block ROMs (:func:`bram_tiling`): per output bit one LUT up to
    4 slices (LUT3 / LUT5 / LUT6), ceil(slices / 4) beyond (LUT6 + MUXF7/F8)."""
    total = 0.0
    for w, d, s in roms:
        if s == "block" and d > 1:
            slices = bram_tiling(w, d)[2]
            total += w * math.ceil(slices / 4) if slices > 1 else 0.0
    return total


def ram_is_block(width: int, depth: int) -> bool:
    """Whether Yosys maps a ``width`` x ``depth`` RAM (FIFO, window buffer) to block RAM (BLOCK_RAM_BITS)."""
    return width * depth > BLOCK_RAM_BITS


def lutram_mux(width: int, depth: int) -> float:
    """Output multiplexer bits of a LUTRAM deeper than one RAM64M (depth / 64 banks per bit)."""
    return float(width * (math.ceil(depth / 64) - 1)) if depth > 64 else 0.0
