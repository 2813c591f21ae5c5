"""Shared pieces of the hardware layer definitions: node attribute access and the layer base class.

A layer object is built from one node of the folded FINN dataflow graph (a `*_hls` / `*_rtl` node or
its generic HW op) plus the graph's initializers. It knows its folding rules, its memory layout, its
bit-exact execution on batched (packed) data and its cycle model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

import numpy as np
from onnx import NodeProto, helper

from pcnn_hw.core.datatypes import base_op_type, datatype_bits, datatype_range  # noqa: F401 - moved (#11)
from pcnn_hw.errors import FoldingError, GraphError


def node_attrs(node: NodeProto) -> dict[str, Any]:
    """All attributes of an ONNX node as plain Python values (bytes decoded to str)."""
    out: dict[str, Any] = {}
    for a in node.attribute:
        v = helper.get_attribute_value(a)
        if isinstance(v, bytes):
            v = v.decode()
        out[a.name] = v
    return out


def check_divisible(layer: str, what: str, total: int, fold_name: str, fold: int) -> None:
    """Raise FoldingError unless `fold` >= 1 divides `total` (names the layer and the values)."""
    if fold < 1 or total % fold != 0:
        raise FoldingError(f"layer {layer}: {what} ({total}) must be divisible by {fold_name} ({fold})")


_L = TypeVar("_L", bound="HwLayer")


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

    @classmethod
    def from_node(cls: type[_L], node: NodeProto, get_init: Callable[[str], np.ndarray | None],
                  memory: dict[str, np.ndarray] | None = None) -> _L:  # fmt: skip
        """Build from a graph node, in this order for every kind: the node's attributes,
        `check_supported` (UnsupportedOpError), `check_folding` (FoldingError), then `bind` (memory
        images from `memory` or the initializers via `get_init`; checks that need the folding)."""
        layer = cls(name=node.name, op_type=node.op_type, attrs=node_attrs(node))
        layer.check_supported()
        layer.check_folding()
        layer.bind(node, get_init, memory)
        return layer

    def check_supported(self) -> None:
        """Raise UnsupportedOpError for a node variant the kind does not implement (none by default)."""

    def bind(self, node: NodeProto, get_init: Callable[[str], np.ndarray | None],
             memory: dict[str, np.ndarray] | None) -> None:  # fmt: skip
        """Read what the kind needs beyond the attributes (memory images); nothing by default."""

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


@dataclass
class ChannelFoldLayer(HwLayer):
    """A layer streaming FOLD_ATTR (PE or SIMD) channels per beat on every port, folded by
    channels % FOLD_ATTR == 0: the stream widths and the fold rule written once for both twins."""

    CHANNELS_ATTR: ClassVar[str] = "NumChannels"  # the channel count's name in the folding error
    FOLD_ATTR: ClassVar[str] = "PE"  # the folding attribute: "PE" or "SIMD"

    @property
    def channels(self) -> int:
        """The channel count (node attribute CHANNELS_ATTR unless a kind says otherwise)."""
        return int(self.attrs[self.CHANNELS_ATTR])

    @property
    def parallelism(self) -> int:
        """The value of FOLD_ATTR (1 if the node has none)."""
        return self.pe if self.FOLD_ATTR == "PE" else self.simd

    def in_elems_per_beat(self, port: int = 0) -> int:
        """FOLD_ATTR elements per beat on every input."""
        self.check_port("in", port)
        return self.parallelism

    def out_elems_per_beat(self, port: int = 0) -> int:
        """FOLD_ATTR elements per beat on every output."""
        self.check_port("out", port)
        return self.parallelism

    def check_folding(self) -> None:
        """channels % FOLD_ATTR == 0."""
        check_divisible(self.name, self.CHANNELS_ATTR, self.channels, self.FOLD_ATTR, self.parallelism)


@dataclass
class PeChannelLayer(ChannelFoldLayer):
    """PE channels per beat, channels % PE == 0 (thresholding, max-pool, global pool, fork, join)."""

    FOLD_ATTR: ClassVar[str] = "PE"


@dataclass
class SimdChannelLayer(ChannelFoldLayer):
    """SIMD channels per beat, channels % SIMD == 0 (feature-map padding, sliding window)."""

    FOLD_ATTR: ClassVar[str] = "SIMD"
