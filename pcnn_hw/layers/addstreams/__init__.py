"""Stream join by addition (FINN+ `ElementwiseAdd`, `_hls`; FINN's AddStreams): the single definition.

y = lhs + rhs elementwise, both dynamic streams of the same shape (N, ..., C), exact integer sum; the
output type out_dtype (after MinimizeAccumulatorWidth) holds every sum of the two input ranges, so no
wrap-around can occur: out ⊇ [lhs.min + rhs.min, lhs.max + rhs.max] is checked when the layer is built.
In the residual nets this is the residual stream u' = u + b (models/resnet.py).
Folding: C % PE == 0. Stream: PE elements per beat on both inputs and the output.
Cycles per frame (FINN's get_exp_cycles) = prod(out_shape[:-1]) · C / PE.
Constant operands (lhs_style/rhs_style "const") are not supported here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from onnx import NodeProto

from pcnn_hw.core.bits import PackedBits
from pcnn_hw.errors import UnsupportedOpError
from pcnn_hw.layers.base import FoldDims, PeChannelLayer, datatype_range

OP_TYPES = ("ElementwiseAdd", "ElementwiseAdd_hls")


def _plain(x: np.ndarray | PackedBits) -> np.ndarray:
    return x.to_bits().astype(np.int64) if isinstance(x, PackedBits) else np.asarray(x, dtype=np.int64)


@dataclass
class AddStreams(PeChannelLayer):
    """One ElementwiseAdd node with two stream inputs."""

    CHANNELS_ATTR: ClassVar[str] = "channels"  # name in the folding error (the last axis of out_shape)

    @classmethod
    def fold_dims(cls, op_type: str, get: Callable[[str], Any]) -> FoldDims:
        """{"PE": ("channels", C)}: PE divides C, the last axis of ``out_shape`` (FINN's output shape)."""
        return {"PE": (cls.CHANNELS_ATTR, int(list(get("out_shape"))[-1]))}

    def check_supported(self) -> None:
        """UnsupportedOpError for a constant or broadcast operand (only the join of two equal streams)."""
        styles = (self.attrs.get("lhs_style", "input"), self.attrs.get("rhs_style", "input"))
        if styles != ("input", "input") or list(self.attrs["lhs_shape"]) != list(self.attrs["rhs_shape"]):
            raise UnsupportedOpError(
                f"node {self.name!r}: ElementwiseAdd with a constant or broadcast operand is not supported "
                f"(styles {styles}); only the join of two equal streams")

    def bind(self, node: NodeProto, get_init: Any, memory: dict | None) -> None:
        """UnsupportedOpError if out_dtype cannot hold every sum of the input types (no memory)."""
        (llo, lhi), (rlo, rhi) = (datatype_range(self.attrs[k]) for k in ("lhs_dtype", "rhs_dtype"))
        olo, ohi = datatype_range(self.attrs["out_dtype"])
        if llo + rlo < olo or lhi + rhi > ohi:
            raise UnsupportedOpError(
                f"node {node.name!r}: out_dtype {self.attrs['out_dtype']} cannot hold every sum of "
                f"{self.attrs['lhs_dtype']} + {self.attrs['rhs_dtype']}")

    n_inputs = 2  # lhs, rhs

    def execute(self, lhs: np.ndarray | PackedBits, rhs: np.ndarray | PackedBits) -> np.ndarray:
        """Exact int64 sum (packed bits are unpacked to {0, 1} first)."""
        return _plain(lhs) + _plain(rhs)

    def exp_cycles(self) -> int:
        """prod(out_shape[:-1]) · C / PE."""
        shape = [int(v) for v in self.attrs["out_shape"]]
        return int(np.prod(shape[:-1])) * self.channels // self.pe
