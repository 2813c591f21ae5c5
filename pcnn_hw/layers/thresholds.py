"""Multi-threshold activations shared by the MVAU and Thresholding kinds: FINN's threshold memory
layout, the bit-exact activation, and the one threshold policy every backend (RTL, HLS) uses.

Memory layout (FINN's ``get_hw_compatible_threshold_tensor``): thresholds T (C, n_steps) (or
(1, n_steps), broadcast to all channels); row r = nf * PE + p goes to PE p, address nf: image
(PE, TMEM, n_steps), TMEM = C / PE.

Policy (both backends): an integer accumulator satisfies ``acc >= T`` exactly when ``acc >= ceil(T)``,
and a threshold below the value range ``[lo, hi]`` is always met (above ``hi + 1`` never), so
thresholds are ``ceil``-ed, clipped to ``[lo, hi + 1]`` and sorted per channel (`int_thresholds`); a
BINARY/BIPOLAR output is one bit and takes exactly one threshold step (`check_one_bit_output`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from onnx import NodeProto

from pcnn_hw.core.bits import PackedBits
from pcnn_hw.core.hlsspec import BIT, ELEM_BIPOLAR, ELEM_SIGNED, ElemFormat, elem_format
from pcnn_hw.core.streams import Fmt, fmt_of_datatype
from pcnn_hw.errors import QuantizationError, UnsupportedOpError
from pcnn_hw.layers.base import check_divisible, datatype_range

ONE_BIT_OUTPUTS = ("BINARY", "BIPOLAR")


def threshold_memory(t: np.ndarray, mh: int, pe: int) -> np.ndarray:
    """Thresholds (MH or 1, n_steps) -> memory image (PE, TMEM, n_steps) in FINN's hardware layout."""
    t = np.asarray(t)
    if t.ndim == 1:
        t = t[:, None]
    if t.shape[0] == 1:
        t = np.tile(t, (mh, 1))
    check_divisible("thresholds", "MH", mh, "PE", pe)
    return np.ascontiguousarray(t.reshape(mh // pe, pe, t.shape[1]).transpose(1, 0, 2))


def load_threshold_memory(node: NodeProto, get_init: Any, memory: dict[str, np.ndarray] | None,
                          input_index: int, rows: int, pe: int, what: str = "thresholds") -> np.ndarray:
    """A node's threshold memory (PE, TMEM, n_steps): the given memory image, else built from the
    node's threshold initializer (input `input_index`); QuantizationError if it is not an initializer."""
    if memory is not None and "thresholds" in memory:
        return np.asarray(memory["thresholds"])
    t = get_init(node.input[input_index])
    if t is None:
        raise QuantizationError(f"layer {node.name}: {what} are not an initializer")
    return threshold_memory(t, rows, pe)


def thresholds_from_memory(mem: np.ndarray) -> np.ndarray:
    """Inverse of `threshold_memory`: image (PE, TMEM, n_steps) -> thresholds (MH, n_steps)."""
    pe, tmem, n = mem.shape
    return np.ascontiguousarray(mem.transpose(1, 0, 2).reshape(pe * tmem, n))


def apply_thresholds(
    acc: np.ndarray, thr: np.ndarray, out_dtype: str, act_val: int
) -> np.ndarray | PackedBits:
    """Multi-threshold the channels-last accumulator `acc` with thresholds (C, n_steps).

    BINARY/BIPOLAR outputs with one step are returned packed (`PackedBits`, bit = acc >= T); other
    outputs as int64 arrays y = count(acc >= T[c, :]) * s + b (s = 2, b = -1 for BIPOLAR, else s = 1,
    b = ActVal).
    """
    c, n_steps = thr.shape
    if out_dtype in ("BINARY", "BIPOLAR") and n_steps == 1:
        bits = acc >= thr[:, 0]
        return PackedBits.from_bits(bits)
    if n_steps > 8 and np.all(np.diff(thr, axis=1) >= 0):
        cnt = np.empty(acc.shape, np.int64)
        for ch in range(c):
            cnt[..., ch] = np.searchsorted(thr[ch], acc[..., ch], side="right")
    else:
        cnt = np.zeros(acc.shape, np.int64)
        for i in range(n_steps):
            cnt += acc >= thr[:, i]
    if out_dtype == "BIPOLAR":
        return 2 * cnt - 1
    return compact_int(cnt + int(act_val), out_dtype)


def compact_int(v: np.ndarray, dtype_name: str) -> np.ndarray:
    """Store integer activations in the smallest numpy type that holds `dtype_name` (less data to move)."""
    lo, hi = datatype_range(dtype_name)
    for t in (np.int8, np.int16, np.int32):
        if lo >= np.iinfo(t).min and hi <= np.iinfo(t).max:
            return v.astype(t)
    return v




def full_range(bits: int, signed: bool) -> tuple[int, int]:
    """[lo, hi] of a `bits`-bit stream element (two's complement when signed)."""
    return (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)


def in_range(fin: ElemFormat) -> tuple[int, int]:
    """Value range of an HLS input element as the policy takes it: every value of its bits."""
    return (fin.lo, fin.hi) if fin.kind == ELEM_BIPOLAR else full_range(fin.bits, fin.kind == ELEM_SIGNED)


def int_thresholds(mem: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Threshold memory image (PE, TMEM, n_steps) as exact integers: ceil, clip to [lo, hi+1], sorted."""
    t = np.ceil(np.asarray(mem, dtype=np.float64))
    return np.sort(np.clip(t, lo, hi + 1).astype(np.int64), axis=2)


def check_one_bit_output(layer: str, odt: str, n_steps: int) -> bool:
    """True for a one-bit (BINARY/BIPOLAR) output; UnsupportedOpError if it has more than one step."""
    if odt not in ONE_BIT_OUTPUTS:
        return False
    if n_steps != 1:
        raise UnsupportedOpError(f"layer {layer}: {odt} output with {n_steps} thresholds is not supported")
    return True


def out_fmt(layer: str, odt: str, n_steps: int, act_val: int) -> tuple[Fmt, int]:
    """RTL output format and ACT_VAL offset of a thresholding stage (1 bit for BINARY/BIPOLAR)."""
    if check_one_bit_output(layer, odt, n_steps):
        return Fmt(1, False), 0
    f = fmt_of_datatype(odt)
    return Fmt(max(f.bits, 1), f.signed), act_val


def out_elem(layer: str, odt: str, n_steps: int, act_val: int) -> tuple[ElemFormat, int]:
    """HLS output element format and ACTVAL of a thresholding stage, as the simulator defines it."""
    if check_one_bit_output(layer, odt, n_steps):
        return BIT, 0
    return elem_format(odt, f"layer {layer}"), int(act_val)
