"""Shared pieces of the hardware layer definitions: node attribute access and the layer base class.

A layer object is built from one node of the folded FINN dataflow graph (a `*_hls` / `*_rtl` node or
its generic HW op) plus the graph's initializers. It knows its folding rules, its memory layout, its
bit-exact execution on batched (packed) data and its cycle model.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
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


FoldDims = dict[str, tuple[str, int]]  # folding attribute -> (dimension name, dimension value)


def table_dims(table: Mapping[str, str], get: Callable[[str], Any]) -> FoldDims:
    """{attr: (dim, get(dim))} for a rule table {folding attribute: dimension attribute it divides}."""
    return {attr: (dim, int(get(dim))) for attr, dim in table.items()}


def check_fold_dims(layer: str, dims: FoldDims, folds: Mapping[str, Any]) -> None:
    """FoldingError for the first folding attribute (in `folds`, 1 if absent) not dividing its dimension."""
    for attr, (dim, total) in dims.items():
        check_divisible(layer, dim, total, attr, int(folds.get(attr, 1)))


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

    FOLD_RULES: ClassVar[Mapping[str, str]] = {}  # folding attribute -> the dimension attribute it divides

    @classmethod
    def fold_dims(cls, op_type: str, get: Callable[[str], Any]) -> FoldDims:
        """The kind's divisibility rules, {folding attribute: (dimension name, value)}: each folding
        attribute must divide its dimension. `get(name)` reads a node attribute (the layer's ``attrs``
        here, a FINN custom op's ``get_nodeattr`` in the kind's ``fold.py``): the one statement of the
        rules, used by `check_folding` and by the compile stage's checks and candidates
        (`pcnn_hw.layers.fold.DivisorRules.of`). Default: the table `FOLD_RULES`."""
        return table_dims(cls.FOLD_RULES, get)

    def check_folding(self) -> None:
        """Raise FoldingError if the folding attributes break a divisibility rule (`fold_dims`)."""
        check_fold_dims(self.name, self.fold_dims(self.op_type, self.attrs.__getitem__), self.attrs)

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

    CHANNELS_ATTR: ClassVar[str] = "NumChannels"  # the channel count's attribute (and name in errors)
    FOLD_ATTR: ClassVar[str] = "PE"  # the folding attribute: "PE" or "SIMD"

    @classmethod
    def fold_dims(cls, op_type: str, get: Callable[[str], Any]) -> FoldDims:
        """{FOLD_ATTR: (CHANNELS_ATTR, channels)}: FOLD_ATTR divides the channels (a kind whose channel
        count is not one attribute overrides this)."""
        return {cls.FOLD_ATTR: (cls.CHANNELS_ATTR, int(get(cls.CHANNELS_ATTR)))}

    @property
    def channels(self) -> int:
        """The channel count: the dimension FOLD_ATTR divides (`fold_dims`)."""
        return self.fold_dims(self.op_type, self.attrs.__getitem__)[self.FOLD_ATTR][1]

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


@dataclass
class PeChannelLayer(ChannelFoldLayer):
    """PE channels per beat, channels % PE == 0 (thresholding, max-pool, global pool, fork, join)."""

    FOLD_ATTR: ClassVar[str] = "PE"


@dataclass
class SimdChannelLayer(ChannelFoldLayer):
    """SIMD channels per beat, channels % SIMD == 0 (feature-map padding, sliding window)."""

    FOLD_ATTR: ClassVar[str] = "SIMD"
