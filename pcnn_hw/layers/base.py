"""Shared pieces of the hardware layer definitions: node attribute access and the layer base class.

A layer object is built from one node of the folded FINN dataflow graph (a `*_hls` / `*_rtl` node or
its generic HW op) plus the graph's initializers. It knows its folding rules, its memory layout, its
bit-exact execution on batched (packed) data and its cycle model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from onnx import NodeProto, helper

from pcnn_hw.errors import FoldingError, GraphError


def base_op_type(op_type: str) -> str:
    """Generic HW op type of a specialized node: 'MVAU_hls' -> 'MVAU', 'Pool_rtl' -> 'Pool'."""
    for suffix in ("_hls", "_rtl"):
        if op_type.endswith(suffix):
            return op_type[: -len(suffix)]
    return op_type


def node_attrs(node: NodeProto) -> dict[str, Any]:
    """All attributes of an ONNX node as plain Python values (bytes decoded to str)."""
    out: dict[str, Any] = {}
    for a in node.attribute:
        v = helper.get_attribute_value(a)
        if isinstance(v, bytes):
            v = v.decode()
        out[a.name] = v
    return out


def datatype_range(name: str) -> tuple[float, float]:
    """(min, max) of a FINN/QONNX datatype name such as INT8, UINT4, BINARY, BIPOLAR."""
    if name == "BINARY":
        return 0, 1
    if name == "BIPOLAR":
        return -1, 1
    if name.startswith("UINT"):
        return 0, 2 ** int(name[4:]) - 1
    if name.startswith("INT"):
        b = int(name[3:])
        return -(2 ** (b - 1)), 2 ** (b - 1) - 1
    return -np.inf, np.inf


def datatype_bits(name: str) -> int:
    """Bit width of a FINN/QONNX datatype name (32 for FLOAT32)."""
    if name in ("BINARY", "BIPOLAR"):
        return 1
    for p in ("UINT", "INT"):
        if name.startswith(p):
            return int(name[len(p) :])
    return 32


def check_divisible(layer: str, what: str, total: int, fold_name: str, fold: int) -> None:
    """Raise FoldingError unless `fold` >= 1 divides `total` (names the layer and the values)."""
    if fold < 1 or total % fold != 0:
        raise FoldingError(f"layer {layer}: {what} ({total}) must be divisible by {fold_name} ({fold})")


@dataclass
class HwLayer:
    """Base class of one hardware layer: `name`, `op_type` (as in the graph) and its attributes."""

    name: str
    op_type: str
    attrs: dict[str, Any]

    @property
    def pe(self) -> int:
        """PE: output elements (channels, rows, scores) produced in parallel; 1 if the node has none."""
        return int(self.attrs.get("PE", 1))

    @property
    def simd(self) -> int:
        """SIMD: input elements consumed in parallel; 1 if the node has none."""
        return int(self.attrs.get("SIMD", 1))

    n_inputs = 1  # stream input ports (a join has more)
    n_outputs = 1  # stream output ports (a fork has more)

    def check_port(self, side: str, port: int) -> int:
        """`port` if the layer has that input ('in') / output ('out') port, else GraphError."""
        n = self.n_inputs if side == "in" else self.n_outputs
        if not 0 <= port < n:
            raise GraphError(f"layer {self.name}: no {side}put port {port} ({self.op_type} has {n})")
        return port

    def in_elems_per_beat(self, port: int = 0) -> int:
        """Elements per beat read on input stream `port` (FINN's get_instream_width / element bits)."""
        raise NotImplementedError(f"layer {self.name}: {self.op_type} declares no stream widths")

    def out_elems_per_beat(self, port: int = 0) -> int:
        """Elements per beat written on output stream `port` (FINN's get_outstream_width / element bits)."""
        raise NotImplementedError(f"layer {self.name}: {self.op_type} declares no stream widths")

    def check_folding(self) -> None:
        """Raise FoldingError if the folding attributes break a divisibility rule."""

    def exp_cycles(self) -> int:
        """Cycles per frame as FINN counts them (`get_exp_cycles`)."""
        raise NotImplementedError

    def execute(self, x: Any) -> Any:
        """Bit-exact execution on a batch (numpy int array or `PackedBits`)."""
        raise NotImplementedError

    def memory_images(self) -> dict[str, np.ndarray]:
        """Memory contents in hardware layout (name -> array); empty if the layer has none."""
        return {}


LayerFactory = Callable[[NodeProto, Callable[[str], "np.ndarray | None"]], HwLayer]
