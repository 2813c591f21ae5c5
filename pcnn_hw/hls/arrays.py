"""C++ text of a kernel's constant arrays (weights, thresholds) in the generated layer headers: the exact
``ap_*`` constants Vitis HLS synthesises, and a cheaper form g++ compiles for C-sim."""

from __future__ import annotations

import re

import numpy as np

from pcnn_hw.core.hlsspec import CArray


def _nested(dims: list[int], literals: list[str]) -> str:
    """Brace-nested initializer of an array of ``dims`` from its row-major literals."""
    inner = dims[-1]
    rows = [", ".join(literals[i : i + inner]) for i in range(0, len(literals), inner)]

    def nest(level: int, rows_: list[str]) -> str:
        if level == len(dims) - 1:
            return "{" + rows_[0] + "}"
        per = int(np.prod(dims[level + 1 : -1])) if level + 1 < len(dims) - 1 else 1
        parts = [nest(level + 1, rows_[i : i + per]) for i in range(0, len(rows_), per)]
        sep = ",\n    " if level == 0 else ", "
        return "{" + sep.join(parts) + "}"

    return nest(0, rows)


def _flat(literals: list[str], per_line: int = 16) -> str:
    """A flat initializer, ``per_line`` literals per line."""
    lines = [", ".join(literals[i : i + per_line]) for i in range(0, len(literals), per_line)]
    return "{" + ",\n    ".join(lines) + "}"


def _limb_form(a: CArray) -> list[str] | None:
    """The C-sim (g++) form of array ``a``: its values as a plain ``uint64_t`` (ap_uint<W>, W/64 limbs a
    word, least significant first) or ``int64_t`` (ap_int<W <= 64>) initializer, unpacked once into the
    ``ap_*`` array by ``pcnn::unpack_words`` / ``unpack_ints`` (pcnn/common.h). Written because g++ turns
    every ``ap_uint`` initializer element into a constructor call of the static initializer: the
    ResNet-18 top needed about 30 GB to compile. None when ``a`` has no values or is wider signed."""
    m = re.fullmatch(r"ap_(u?)int<(\d+)>", a.ctype)
    if not a.values or m is None or (not m.group(1) and int(m.group(2)) > 64):
        return None
    w, n, idx = int(m.group(2)), len(a.values), "[0]" * len(a.dims)
    dims = "".join(f"[{d}]" for d in a.dims)
    if m.group(1):
        limbs = -(-w // 64)
        mask = (1 << 64) - 1
        lits = [f"0x{(v >> (64 * i)) & mask:x}ULL" for v in a.values for i in range(limbs)]
        init = (f"  static const uint64_t {a.name}_limbs[{n * limbs}] = {_flat(lits)};",
                f"pcnn::unpack_words<{w}>(&{a.name}{idx}, {a.name}_limbs, {n})")
    else:
        lits = [f"{v}LL" for v in a.values]
        init = (f"  static const int64_t {a.name}_ints[{n}] = {_flat(lits)};",
                f"pcnn::unpack_ints<{w}>(&{a.name}{idx}, {a.name}_ints, {n})")
    return [init[0], f"  static {a.ctype} {a.name}{dims};",
            f"  static const bool {a.name}_ready = {init[1]};", f"  (void){a.name}_ready;"]


def array_text(a: CArray) -> list[str]:
    """The array's declaration: exact ``ap_*`` constants for Vitis HLS (``__SYNTHESIS__``, where the
    ROM's word width must stay exact), the cheaper :func:`_limb_form` for g++ when it has one."""
    dims = "".join(f"[{d}]" for d in a.dims)
    lines = [f"  static const {a.ctype} {a.name}{dims} = {_nested(a.dims, a.literals)};"]
    lines += [f"#pragma HLS ARRAY_PARTITION variable={a.name} complete dim={d}" for d in a.partition]
    limbs = _limb_form(a)
    if limbs is None:
        return lines
    return ["#ifdef __SYNTHESIS__", *lines, "#else", *limbs, "#endif"]
