"""Module parameters and ROM shapes of a layer at another folding, without its ROM contents.

:func:`pcnn_hw.rtl.spec.rtl_layer` writes every weight into the ROM Verilog, far too slow to repeat for
each folding candidate of an optimizer; here one RTL view (any folding) is re-derived for (PE, SIMD)
with the same rules as ``spec.py``: weight ROM (MW/SIMD)*(MH/PE) words of PE*SIMD*W_BITS bits,
threshold ROM MH/PE words of PE*N_STEPS*ACC_BITS bits, ``block`` style from 128 words, the MVAU's
accumulator floor (popcount width + 1), the sliding window's buffer address bits.
"""

from __future__ import annotations

import math
from typing import Any

from pcnn_hw.core.hwspec import BLOCK_MIN_DEPTH

Shape = tuple[str, dict[str, Any], list[tuple[int, int, str]]]  # module, params, [(width, depth, style)]


def _style(depth: int) -> str:
    return "block" if depth >= BLOCK_MIN_DEPTH else "distributed"


def mvau_shape(params: dict[str, Any], pe: int, simd: int) -> Shape:
    """pcnn_mvau at (PE, SIMD) from the parameters at any folding (ValueError if not a divisor)."""
    p = dict(params)
    mw, mh = int(p["MW"]), int(p["MH"])
    if mw % simd or mh % pe:
        raise ValueError(f"SIMD {simd} / PE {pe} must divide MW {mw} / MH {mh}")
    old_floor = max(4, math.ceil(math.log2(int(p["SIMD"]) + 1))) + 1
    new_floor = max(4, math.ceil(math.log2(simd + 1))) + 1
    acc = int(p["ACC_BITS"])
    if acc <= old_floor:  # the accumulator width was set by the floor, follow it
        acc = max(acc - old_floor + new_floor, int(p["IN_BITS"]) + 2, int(p["W_BITS"]) + 2, new_floor)
    else:
        acc = max(acc, new_floor)
    p.update(PE=pe, SIMD=simd, ACC_BITS=acc)
    if int(p["NO_ACT"]):
        p["OUT_BITS"] = acc
    wd = (mw // simd) * (mh // pe)
    roms = [(pe * simd * int(p["W_BITS"]), wd, _style(wd))]
    if not int(p["NO_ACT"]):
        roms.append((pe * int(p["N_STEPS"]) * acc, mh // pe, _style(mh // pe)))
    return "pcnn_mvau", p, roms


def thresholding_shape(params: dict[str, Any], pe: int) -> Shape:
    """pcnn_thresholding at PE."""
    p = dict(params, PE=pe)
    c = int(p["C"])
    if c % pe:
        raise ValueError(f"PE {pe} must divide C {c}")
    return "pcnn_thresholding", p, [(pe * int(p["N_STEPS"]) * int(p["CW"]), c // pe, _style(c // pe))]


def swg_shape(params: dict[str, Any], bits: int, channels: int, simd: int) -> Shape:
    """pcnn_swg at SIMD (``bits`` per element, ``channels`` input channels)."""
    if channels % simd:
        raise ValueError(f"SIMD {simd} must divide the {channels} channels")
    p = dict(params)
    cf = channels // simd
    kh, iw, sh, dh = int(p["KH"]), int(p["IW"]), int(p["SH"]), int(p["DH"])
    need = ((kh - 1) * dh + 1 + sh) * iw * cf + int(p["KW"]) * cf
    p.update(BEAT=simd * bits, CF=cf, AW=max(2, math.ceil(math.log2(need))))
    return "pcnn_swg", p, []


def simple_shape(module: str, params: dict[str, Any], pe: int) -> Shape:
    """Pool / LabelSelect at PE."""
    return module, dict(params, PE=pe), []


def residual_shape(module: str, params: dict[str, Any], bits: int, par: int) -> Shape:
    """A residual-net module (pcnn_duplicate / pcnn_addstreams / pcnn_fmpadding / pcnn_globalpool) at
    ``par`` elements per beat (PE, or SIMD for the padding); ``bits`` = input element bits (the fork's
    WIDTH is PE * bits). ValueError if ``par`` does not divide the channels."""
    p = dict(params)
    if module == "pcnn_duplicate":
        return module, {"WIDTH": par * bits}, []
    if module == "pcnn_addstreams":
        return module, dict(p, PE=par), []
    if module == "pcnn_fmpadding":
        chans = int(p["CF"]) * int(p["SIMD"])
        if chans % par:
            raise ValueError(f"SIMD {par} must divide the {chans} channels")
        return module, dict(p, SIMD=par, CF=chans // par), []
    if module == "pcnn_globalpool":
        chans = int(p["FOLDS"]) * int(p["PE"])
        if chans % par:
            raise ValueError(f"PE {par} must divide the {chans} channels")
        return module, dict(p, PE=par, FOLDS=chans // par), []
    raise ValueError(f"{module} is not a residual-net module")


def in_width(module: str, params: dict[str, Any]) -> int | None:
    """Input stream width (bits per beat) of a shape, i.e. the width of the FIFO the stitcher puts in
    front of it (None for a module not listed)."""
    p = {k: int(v) for k, v in params.items() if isinstance(v, int)}
    widths = {
        "pcnn_mvau": lambda: p["SIMD"] * p["IN_BITS"],
        "pcnn_thresholding": lambda: p["PE"] * p["IN_BITS"],
        "pcnn_swg": lambda: p["BEAT"],
        "pcnn_swg_par": lambda: p["PIX"],
        "pcnn_pool": lambda: p["PE"] * p["BITS"],
        "pcnn_labelselect": lambda: p["PE"] * p["IN_BITS"],
        "pcnn_duplicate": lambda: p["WIDTH"],
        "pcnn_addstreams": lambda: p["PE"] * p["IN0_BITS"],
        "pcnn_fmpadding": lambda: p["SIMD"] * p["BITS"],
        "pcnn_globalpool": lambda: p["PE"] * p["IN_BITS"],
    }
    fn = widths.get(module)
    return fn() if fn is not None else None
