"""Hardware layer definitions: one module (or folder) per layer kind, each THE definition of what the
layer computes (folding rules, memory layout, bit-exact batched execution, stream widths, cycle model).

The kinds are listed in `pcnn_hw.layers.registry` (op types, layer class, backends by name);
`layer_from_node(node, get_init)` builds the layer object for one node of a folded FINN dataflow graph.
RTL/HLS backends should check their output against these objects. The class names below are
re-exported for convenience; a new kind needs no line here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from onnx import NodeProto

from pcnn_hw.errors import UnsupportedOpError
from pcnn_hw.layers import registry
from pcnn_hw.layers.addstreams import AddStreams
from pcnn_hw.layers.base import HwLayer, base_op_type
from pcnn_hw.layers.duplicate import DuplicateStreams
from pcnn_hw.layers.fmpadding import FMPadding
from pcnn_hw.layers.globalpool import GlobalAccPool
from pcnn_hw.layers.labelselect import LabelSelect
from pcnn_hw.layers.mvau import MVAU
from pcnn_hw.layers.passthrough import PassThrough
from pcnn_hw.layers.pool import MaxPool
from pcnn_hw.layers.swg import SlidingWindow
from pcnn_hw.layers.thresholding import Thresholding

LAYER_CLASSES: dict[str, Any] = registry.layer_classes()  # op type -> class, from the kind registry
SUPPORTED_OPS = tuple(sorted({base_op_type(o) for o in LAYER_CLASSES}))


def layer_from_node(
    node: NodeProto, get_init: Callable[[str], np.ndarray | None], memory: dict[str, np.ndarray] | None = None
) -> HwLayer:
    """The layer object for one graph node; UnsupportedOpError (naming node, op, supported ops) if none."""
    cls = LAYER_CLASSES.get(node.op_type)
    if cls is None:
        raise UnsupportedOpError(
            f"node {node.name!r}: op {node.op_type!r} (domain {node.domain or 'ai.onnx'}) "
            "is not supported by "
            f"the bit-exact simulator; supported: {', '.join(SUPPORTED_OPS)} (and their _hls/_rtl variants)"
        )
    return cls.from_node(node, get_init, memory)


__all__ = [
    "AddStreams",
    "DuplicateStreams",
    "FMPadding",
    "GlobalAccPool",
    "HwLayer",
    "LAYER_CLASSES",
    "LabelSelect",
    "MVAU",
    "MaxPool",
    "PassThrough",
    "SUPPORTED_OPS",
    "SlidingWindow",
    "Thresholding",
    "layer_from_node",
]
