"""Matrix-vector-activation unit (FINN `MVAU`, `MVAU_hls`, `MVAU_rtl`): the single definition.

Three flavours share this module, selected by the node attributes:

* **XNOR MVAU** (`binaryXnorMode=1`, or BIPOLAR input and weights): binary input bits x, binary weight
  bits w (0 encodes -1). The accumulator is the XNOR popcount P = #(x_i == w_i) = (dot + K) / 2 with
  K = MW, *not* the bipolar dot product. Thresholds compare against P.
* **Integer-input MVAU** (first layer: 8-bit input x integer weights, e.g. bipolar weights stored as
  INT2 -1/+1 after weight-width minimisation): the accumulator is the integer dot product sum x_i w_i.
* **Accumulator MVAU** (`noActivation=1`, the last layer): outputs the accumulator itself.

With thresholds (`noActivation=0`) the output is y = s * #{i : acc >= T[c, i]} + b, with s = 2, b = -1
for a BIPOLAR output (a BINARY/BIPOLAR output is carried as one bit: y_bit = acc >= T[c, 0]) and
s = 1, b = ActVal otherwise.

Folding: MW % SIMD == 0 and MH % PE == 0. One PE computes SIMD products per cycle; the layer takes
(MH / PE) * (MW / SIMD) cycles per input vector, times prod(numInputVectors) vectors per frame.

Memory layout (FINN's `get_hw_compatible_weight_tensor` / `get_hw_compatible_threshold_tensor`):

* weights: W is (MW, MH) as in the ONNX graph (y = x @ W). Output row r = nf * PE + p goes to PE p,
  neuron fold nf; input column c = sf * SIMD + s goes to address nf * SF + sf, lane SIMD - 1 - s.
  The image has shape (PE, WMEM, SIMD), WMEM = MW * MH / (PE * SIMD), SF = MW / SIMD; BIPOLAR weights
  are stored as bits (w + 1) / 2.
* thresholds: T is (MH, n_steps) (or (1, n_steps), broadcast to all channels); row r = nf * PE + p goes
  to PE p, address nf: image (PE, TMEM, n_steps), TMEM = MH / PE.

The simulator computes from these memory images (`weights_from_memory`, `thresholds_from_memory`), so
a layout bug shows up as a simulation mismatch.

Backends of the accumulation: numpy (`pcnn_hw.core.bits.xnor_popcount_matmul`, `exact_int_matmul`;
the default and the reference) or, after `use_native(kernels)`, the C kernels of `pcnn_hw.sim.native`;
with those a layer with one binary threshold step computes accumulators, thresholds and the packed
output in one call.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, ClassVar

import numpy as np
from onnx import NodeProto

from pcnn_hw.core.bits import PackedBits, unpack_bits, xnor_popcount_matmul
from pcnn_hw.errors import QuantizationError
from pcnn_hw.layers.base import HwLayer, datatype_range
from pcnn_hw.layers.mvau.compute import exact_int_matmul, reference_mvau, unpack_output
from pcnn_hw.layers.mvau.memory import MVAU_FOLD_RULES, check_mvau_folding, weight_memory, weights_from_memory
from pcnn_hw.layers.mvau.native import NativeMvauMixin
from pcnn_hw.layers.thresholds import (
    apply_thresholds,
    compact_int,
    load_threshold_memory,
    threshold_memory,
    thresholds_from_memory,
)

OP_TYPES = ("MVAU", "MVAU_hls", "MVAU_rtl")


@dataclass
class MVAU(NativeMvauMixin, HwLayer):
    """One MVAU node: folding, memory images, bit-exact batched execution and cycle model."""

    FOLD_RULES: ClassVar[Mapping[str, str]] = MVAU_FOLD_RULES  # MW % SIMD == 0, MH % PE == 0

    weight_mem: np.ndarray = field(default_factory=lambda: np.zeros((1, 1, 1)))
    thresh_mem: np.ndarray | None = None
    overflow: dict | None = None  # accumulator values beyond accDataType seen so far (see check_overflow)
    native_kernels: ModuleType | None = None  # set by use_native(); None: numpy path

    # -- attributes -----------------------------------------------------------------------------
    @property
    def mw(self) -> int:
        """Input vector length MW."""
        return int(self.attrs["MW"])

    @property
    def mh(self) -> int:
        """Output vector length MH."""
        return int(self.attrs["MH"])

    @property
    def xnor(self) -> bool:
        """True when the layer computes XNOR popcounts (binary input and weights)."""
        idt, wdt = self.attrs.get("inputDataType"), self.attrs.get("weightDataType")
        return bool(self.attrs.get("binaryXnorMode", 0)) or (idt == "BIPOLAR" and wdt == "BIPOLAR")

    @property
    def bipolar_weights(self) -> bool:
        """True when weights are bipolar in the graph (stored as bits in memory)."""
        return self.attrs.get("weightDataType") == "BIPOLAR" and not self.xnor

    @property
    def no_activation(self) -> bool:
        """True for the last layer (accumulator output, no thresholds)."""
        return bool(self.attrs.get("noActivation", 0))

    @property
    def kind(self) -> str:
        """'xnor', 'int-input' or, with no thresholds, the same suffixed with '-acc'."""
        k = "xnor" if self.xnor else "int-input"
        return k + ("-acc" if self.no_activation else "")

    @property
    def num_input_vectors(self) -> list[int]:
        """numInputVectors attribute (e.g. [1, OH, OW] for a convolution)."""
        return list(self.attrs.get("numInputVectors", [1]))

    @property
    def wmem(self) -> int:
        """Weight memory depth MW * MH / (PE * SIMD)."""
        return self.mw * self.mh // (self.pe * self.simd)

    @property
    def tmem(self) -> int:
        """Threshold memory depth MH / PE (0 without thresholds)."""
        return 0 if self.no_activation else self.mh // self.pe

    # -- construction ---------------------------------------------------------------------------
    def bind(self, node: NodeProto, get_init: Any, memory: dict[str, np.ndarray] | None) -> None:
        """Weights/thresholds from the initializers or a given memory image."""
        if memory is not None and "weights" in memory:
            self.weight_mem = np.asarray(memory["weights"])
        else:
            w = get_init(node.input[1])
            if w is None:
                raise QuantizationError(f"layer {node.name}: MVAU weights are not an initializer")
            self._check_weights(w)
            self.weight_mem = weight_memory(w, self.pe, self.simd, bipolar=self.bipolar_weights)
        if not self.no_activation:
            self.thresh_mem = load_threshold_memory(node, get_init, memory, 2, self.mh, self.pe,
                                                    "MVAU thresholds")
        self._prepare()

    def _check_weights(self, w: np.ndarray) -> None:
        if w.shape != (self.mw, self.mh):
            raise QuantizationError(
                f"layer {self.name}: weight shape {w.shape} != (MW, MH) = {(self.mw, self.mh)}"
            )
        if self.xnor and not np.isin(w, (0, 1)).all() and not np.isin(w, (-1, 1)).all():
            raise QuantizationError(
                f"layer {self.name}: XNOR mode needs binary weights, found values {np.unique(w)[:5]}"
            )
        if not np.all(np.round(w) == w):
            raise QuantizationError(f"layer {self.name}: non-integer weights are not supported")
        lo, hi = datatype_range(str(self.attrs.get("weightDataType", "")))
        if w.min() < lo or w.max() > hi:
            raise QuantizationError(
                f"layer {self.name}: weights outside {self.attrs.get('weightDataType')} range"
            )

    def in_elems_per_beat(self, port: int = 0) -> int:
        """SIMD input elements per beat."""
        self.check_port("in", port)
        return self.simd

    def out_elems_per_beat(self, port: int = 0) -> int:
        """PE outputs per beat."""
        self.check_port("out", port)
        return self.pe

    def memory_images(self) -> dict[str, np.ndarray]:
        """{'weights': (PE, WMEM, SIMD)} and, with thresholds, {'thresholds': (PE, TMEM, n_steps)}."""
        out = {"weights": self.weight_mem}
        if self.thresh_mem is not None:
            out["thresholds"] = self.thresh_mem
        return out

    def _prepare(self) -> None:
        """Derive the compute form of the weights from the memory image."""
        w = weights_from_memory(self.weight_mem, self.mw, self.mh, bipolar=self.bipolar_weights)
        self.weights = w  # (MW, MH) as in the graph (bits in XNOR mode)
        if self.xnor:
            wb = w if np.isin(w, (0, 1)).all() else (w + 1) // 2
            self._wbits = np.asarray(wb, dtype=np.uint8).T  # (MH, MW)
            self._packed_cache: dict[int, np.ndarray] = {}
        else:
            self._wint = np.asarray(w, dtype=np.int64)
        self.thresholds = None if self.thresh_mem is None else thresholds_from_memory(self.thresh_mem)
        # constants of the hot path, read once (attribute lookups add up at batch 1)
        self._is_xnor, self._mw, self._mh = self.xnor, self.mw, self.mh
        self._acc_lo, self._acc_hi = self.accumulator_range()

    # -- execution ------------------------------------------------------------------------------
    def accumulate(self, x: np.ndarray | PackedBits) -> np.ndarray:
        """Accumulator values (N, *vectors, MH): XNOR popcount P or integer dot product (exact integers,
        int32 / float32 / float64 / int64 storage)."""
        native = self._native_rows(x) if self.native_kernels is not None else None
        if native is not None:
            kernel, rows, lead = native
            return kernel.accumulate(rows)[0].reshape(lead + (self.mh,))
        if self.xnor:
            x = self.packed_input(x)
            lead = x.words.shape[:-1]
            xw = x.words.reshape(-1, x.words.shape[-1])
            acc = xnor_popcount_matmul(xw, self.packed_weights(x.seg_bits), self.mw)
            return acc.reshape(lead + (self.mh,))
        if isinstance(x, PackedBits):
            xv = x.to_bits().astype(np.int64)
            if self.attrs.get("inputDataType") == "BIPOLAR":
                xv = 2 * xv - 1
        else:
            xv = np.asarray(x)
        if xv.shape[-1] != self.mw:
            xv = xv.reshape(xv.shape[0], -1)
        lead = xv.shape[:-1]
        acc = exact_int_matmul(xv.reshape(-1, self.mw), self._wint)
        return acc.reshape(lead + (self.mh,))

    def packed_input(self, x: np.ndarray | PackedBits) -> PackedBits:
        """The XNOR input as PackedBits with MW bits per vector; QuantizationError if it has not."""
        if not isinstance(x, PackedBits):
            x = PackedBits.from_bits((np.asarray(x) > 0).astype(np.uint8))
        if x.n_bits != self.mw:
            x = x.flatten_spatial()
        if x.n_bits != self.mw:
            raise QuantizationError(f"layer {self.name}: input has {x.n_bits} bits, MW = {self.mw}")
        return x

    def accumulator_range(self) -> tuple[float, float]:
        """(min, max) the hardware accumulator can hold: `accDataType` (finn-hlslib accumulates in the
        threshold type, at least as wide, or, without thresholds, in the output type, which FINN sets
        equal to accDataType)."""
        return datatype_range(str(self.attrs.get("accDataType", "INT32")))

    def check_overflow(self, acc: np.ndarray) -> None:
        """Record in `self.overflow` accumulator values the hardware accumulator cannot hold.

        FINN sizes the XNOR accumulator from the bipolar weights against {0, 1} inputs, i.e. the range
        of sum_i x_i w_i, while the popcount P = #(x_i == w_i) lies in [0, MW]; P above that range would
        wrap in hardware but not in FINN's Python execution (nor, by default, here).
        """
        if acc.size == 0:
            return
        lo, hi = self.accumulator_range()
        amin, amax = float(acc.min()), float(acc.max())
        if amin < lo or amax > hi:
            self.record_overflow(int(np.count_nonzero((acc < lo) | (acc > hi))), amin, amax)

    def holds_accumulators(self, p_min: float, p_max: float) -> bool:
        """True if accumulators from p_min to p_max fit `accumulator_range()`."""
        return self._acc_lo <= p_min and p_max <= self._acc_hi

    def record_overflow(self, n: int, amin: float, amax: float) -> None:
        """Add `n` out-of-range accumulator values with extremes amin/amax to `self.overflow`."""
        prev = self.overflow or {"values": 0, "min": amin, "max": amax}
        self.overflow = {
            "values": prev["values"] + int(n),
            "min": min(prev["min"], float(amin)),
            "max": max(prev["max"], float(amax)),
            "range": self.accumulator_range(),
            "accDataType": str(self.attrs.get("accDataType")),
        }

    def execute(self, x: np.ndarray | PackedBits) -> np.ndarray | PackedBits:
        """Bit-exact batched execution: accumulator, then thresholds unless noActivation.

        Accumulator values outside `accumulator_range()` are recorded in `self.overflow`.
        """
        native = self._native_rows(x) if self.native_kernels is not None else None
        if native is not None:
            kernel, rows, lead = native
            if self._fused_thresholds is not None:
                bits, (p_min, p_max) = kernel.threshold_bits(rows, self._fused_thresholds)
                if not self.holds_accumulators(p_min, p_max):  # rare: count them exactly
                    self.check_overflow(kernel.accumulate(rows)[0])
                return PackedBits(bits.reshape(lead + bits.shape[-1:]), self._mh)
            acc, (p_min, p_max) = kernel.accumulate(rows)
            acc = acc.reshape(lead + (self._mh,))
            if not self.holds_accumulators(p_min, p_max):
                self.check_overflow(acc)
        else:
            acc = self.accumulate(x)
            self.check_overflow(acc)
        if self.no_activation:
            return acc.astype(np.int64)
        return apply_thresholds(
            acc, self.thresholds, str(self.attrs.get("outputDataType")), int(self.attrs.get("ActVal", 0))
        )

    def exp_cycles(self) -> int:
        """(MH / PE) * (MW / SIMD) * prod(numInputVectors) * TH, as FINN's MVAU.get_exp_cycles."""
        th = int(self.attrs.get("TH", 1))
        return int((self.mh // self.pe) * (self.mw // self.simd) * np.prod(self.num_input_vectors) * th)



__all__ = [
    "MVAU",
    "OP_TYPES",
    "apply_thresholds",
    "check_mvau_folding",
    "compact_int",
    "exact_int_matmul",
    "load_threshold_memory",
    "reference_mvau",
    "threshold_memory",
    "thresholds_from_memory",
    "unpack_bits",
    "unpack_output",
    "weight_memory",
    "weights_from_memory",
]
