"""Host-side layout ops FINN leaves outside the accelerator (Transpose, Reshape, Flatten), batched.

They run before or after the accelerator's nodes (`DataflowGraph.host_pre` / `host_post`); packed
binary values stay packed where the op only merges the spatial axes (Flatten, Reshape to 2-D).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from onnx import NodeProto

from pcnn_hw.core.bits import PackedBits
from pcnn_hw.errors import GraphError
from pcnn_hw.layers.base import node_attrs


def to_plain(x: np.ndarray | PackedBits) -> np.ndarray:
    """A simulator value as a plain numpy array (packed bits unpacked to {0,1})."""
    if isinstance(x, PackedBits):
        return x.to_bits().astype(np.int64)
    return np.asarray(x)


def host_op(node: NodeProto, get_init: Callable[[str], np.ndarray | None]) -> Callable[[Any], Any]:
    """The batched function of one host op node (batch axis first, kept)."""
    attrs = node_attrs(node)
    if node.op_type == "Transpose":
        perm = list(attrs["perm"])

        def run_t(x: Any) -> Any:
            return np.transpose(to_plain(x), perm)

        return run_t
    if node.op_type == "Flatten":

        def run_f(x: Any) -> Any:
            if isinstance(x, PackedBits):
                return x.flatten_spatial()
            return np.asarray(x).reshape(np.asarray(x).shape[0], -1)

        return run_f
    if node.op_type != "Reshape":
        raise GraphError(f"node {node.name!r}: {node.op_type} is no host op")
    shape = get_init(node.input[1]) if len(node.input) > 1 else None
    tgt = [int(v) for v in (shape if shape is not None else [-1])]

    def run_r(x: Any) -> Any:
        if isinstance(x, PackedBits) and len(tgt) == 2:
            return x.flatten_spatial()
        xv = to_plain(x)
        return xv.reshape([xv.shape[0]] + [v for v in tgt[1:]])

    return run_r
