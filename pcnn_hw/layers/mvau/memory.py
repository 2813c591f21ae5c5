"""MVAU weight memory in FINN's hardware layout (``get_hw_compatible_weight_tensor``).

W is (MW, MH) as in the ONNX graph (y = x @ W). Output row r = nf * PE + p goes to PE p, neuron fold
nf; input column c = sf * SIMD + s goes to address nf * SF + sf, lane SIMD - 1 - s. The image has shape
(PE, WMEM, SIMD), WMEM = MW * MH / (PE * SIMD), SF = MW / SIMD; BIPOLAR weights are stored as bits
(w + 1) / 2. Thresholds: :mod:`pcnn_hw.layers.thresholds`.
"""

from __future__ import annotations

from types import MappingProxyType

import numpy as np

from pcnn_hw.layers.base import check_fold_dims, table_dims

# The MVAU's divisibility rules (folding attribute -> the dimension it divides), `MVAU.FOLD_RULES`.
MVAU_FOLD_RULES = MappingProxyType({"SIMD": "MW", "PE": "MH"})


def check_mvau_folding(layer: str, mw: int, mh: int, simd: int, pe: int) -> None:
    """Raise FoldingError unless MW % SIMD == 0 and MH % PE == 0 (`MVAU_FOLD_RULES`)."""
    dims = table_dims(MVAU_FOLD_RULES, {"MW": mw, "MH": mh}.__getitem__)
    check_fold_dims(layer, dims, {"SIMD": simd, "PE": pe})


def weight_memory(w: np.ndarray, pe: int, simd: int, bipolar: bool = False) -> np.ndarray:
    """Weight matrix (MW, MH) -> memory image (PE, WMEM, SIMD) in FINN's hardware layout."""
    mw, mh = w.shape
    check_mvau_folding("weights", mw, mh, simd, pe)
    ret = np.asarray(w).T
    if bipolar:
        ret = (ret + 1) // 2 if np.issubdtype(ret.dtype, np.integer) else (ret + 1) / 2
    ret = ret.reshape(mh // pe, pe, mw).transpose(1, 0, 2)  # interleave rows over PEs
    ret = ret.reshape(pe, (mh // pe) * (mw // simd), simd)
    return np.ascontiguousarray(np.flip(ret, axis=-1))


def weights_from_memory(mem: np.ndarray, mw: int, mh: int, bipolar: bool = False) -> np.ndarray:
    """Inverse of `weight_memory`: image (PE, WMEM, SIMD) -> weight matrix (MW, MH)."""
    pe, _, simd = mem.shape
    ret = np.flip(mem, axis=-1).reshape(pe, mh // pe, mw).transpose(1, 0, 2).reshape(mh, mw)
    if bipolar:
        ret = 2 * ret - 1
    return np.ascontiguousarray(ret.T)


