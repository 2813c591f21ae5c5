"""The native-kernel path of the MVAU (`MVAU.use_native`): accumulators, fused thresholds and the
fused XNOR chains of :mod:`pcnn_hw.sim.fusion`, computed by the C kernels of ``pcnn_hw.sim.native``."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

from pcnn_hw.core.bits import PackedBits, pack_matrix_rows
from pcnn_hw.core.native_mvau import NativeMvau, pad_thresholds
from pcnn_hw.layers.base import datatype_range


class NativeMvauMixin:
    """Native-kernel methods of `MVAU` (which holds the attributes they read)."""

    native_kernels: ModuleType | None
    attrs: dict[str, Any]

    def use_native(self, kernels: ModuleType) -> bool:
        """Compute accumulators with the native kernels (`pcnn_hw.sim.native.load()`): XNOR layers always,
        integer-input layers when their input and weight ranges fit the int16 kernel. Returns whether
        this layer uses them (False: no change, numpy path)."""
        if not self.xnor:
            w_range = (float(self._wint.min(initial=0)), float(self._wint.max(initial=0)))
            x_range = datatype_range(str(self.attrs.get("inputDataType", "FLOAT32")))
            if not NativeMvau.int_fits(x_range, w_range, self.mw):
                return False
            self._native_int = NativeMvau(kernels, "int", self._wint)
        self.native_kernels = kernels
        self._native_cache: dict[int, NativeMvau] = {}
        self._fused_thresholds = self._single_step_thresholds()
        return True

    def _single_step_thresholds(self) -> np.ndarray | None:
        """Thresholds in the fused accumulate-threshold-pack kernels' form, or None where those do not
        apply (no thresholds, several steps or a non-binary output)."""
        odt = str(self.attrs.get("outputDataType"))
        if self.thresholds is None or self.thresholds.shape[1] != 1 or odt not in ("BINARY", "BIPOLAR"):
            return None
        return pad_thresholds(self.thresholds[:, 0], self.mh)

    def _native_rows(self, x: np.ndarray | PackedBits) -> tuple[NativeMvau, np.ndarray, tuple] | None:
        """(kernel, input rows, leading shape) for the native kernels, or None to take the numpy path
        (an integer layer given packed bits or non-integer floats)."""
        if self._is_xnor:
            xp = self.packed_input(x)
            words = xp.words
            return self._xnor_kernel(xp.seg_bits), words.reshape(-1, words.shape[-1]), words.shape[:-1]
        if isinstance(x, PackedBits):
            return None
        xv = np.asarray(x)
        if xv.shape[-1] != self.mw:
            xv = xv.reshape(xv.shape[0], -1)
        rows = xv.reshape(-1, self.mw)
        if rows.dtype.kind == "f":  # e.g. a graph input: exact only if every value is an int16 integer
            ri = rows.astype(np.int16)
            if not np.array_equal(ri, rows):
                return None
            rows = ri
        return self._native_int, rows, xv.shape[:-1]

    def _xnor_kernel(self, seg_bits: int) -> NativeMvau:
        """The native XNOR kernel for inputs packed in segments of `seg_bits` bits (made once)."""
        kernel = self._native_cache.get(seg_bits)
        if kernel is None:
            kernel = self._native_cache[seg_bits] = NativeMvau(
                self.native_kernels, "xnor", self.packed_weights(seg_bits), self._mw
            )
        return kernel

    def chain_role(self) -> str | None:
        """What this layer can be in a fused native XNOR chain (`pcnn_hw.sim.fusion`): 'bits' (it
        thresholds into packed bits), 'acc' (it outputs accumulators; only last), or None (numpy path,
        integer input, several threshold steps)."""
        if self.native_kernels is None or not self._is_xnor:
            return None
        if self._fused_thresholds is not None:
            return "bits"
        return "acc" if self.no_activation else None

    def chain_stage(self, seg_bits: int) -> tuple[NativeMvau, np.ndarray | None]:
        """This layer as a stage of a fused chain (see `chain_role`): its kernel for inputs packed in
        segments of `seg_bits` bits and its fused thresholds (None: it outputs the accumulators)."""
        return self._xnor_kernel(seg_bits), self._fused_thresholds

    def packed_weights(self, seg_bits: int) -> np.ndarray:
        """XNOR weights packed row-wise (MH, S * words) with input segments of `seg_bits` bits."""
        if seg_bits not in self._packed_cache:
            self._packed_cache[seg_bits] = pack_matrix_rows(self._wbits, seg_bits)
        return self._packed_cache[seg_bits]

