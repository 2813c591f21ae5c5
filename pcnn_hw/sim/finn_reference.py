"""FINN+'s own Python execution of a folded dataflow graph, used as the simulator's reference.

The specialized graph (`*_hls` / `*_rtl` nodes) cannot execute in Python here (cppsim/rtlsim need
Xilinx headers or tools), so every specialized node is mapped back to its generic HW op (drop the
`_hls`/`_rtl` suffix and the `.hls`/`.rtl` domain part) with the same attributes and folding, and the
graph is run with FINN's `execute_onnx`, one image at a time (FINN rejects batch > 1).
qonnx's quant-tensor sanitizing is switched off for the duration of the call (it only re-rounds values
that are already integers and costs ~80 % of the run time).
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from pcnn_hw.layers.base import base_op_type


@contextmanager
def sanitize_off() -> Iterator[None]:
    """Temporarily set SANITIZE_QUANT_TENSORS=0 (qonnx reads it per call), restoring the old value."""
    old = os.environ.get("SANITIZE_QUANT_TENSORS")
    os.environ["SANITIZE_QUANT_TENSORS"] = "0"
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("SANITIZE_QUANT_TENSORS", None)
        else:
            os.environ["SANITIZE_QUANT_TENSORS"] = old


def to_generic(model: Any) -> Any:
    """A copy of a qonnx ModelWrapper with every specialized HW node mapped to its generic HW op."""
    from qonnx.core.modelwrapper import ModelWrapper

    m = ModelWrapper(copy.deepcopy(model.model))
    for node in m.graph.node:
        if node.domain.endswith(".hls") or node.domain.endswith(".rtl"):
            node.domain = node.domain.rsplit(".", 1)[0]
            node.op_type = base_op_type(node.op_type)
        if node.op_type == "StreamingDataflowPartition":
            from qonnx.custom_op.registry import getCustomOp

            inst = getCustomOp(node)
            child = to_generic(ModelWrapper(str(inst.get_nodeattr("model"))))
            path = Path(str(inst.get_nodeattr("model"))).with_suffix(".generic.onnx")
            child.save(str(path))
            inst.set_nodeattr("model", str(path))
    return m


class FinnReference:
    """Executes a folded FINN graph with FINN's Python execution (generic HW ops), image by image."""

    def __init__(self, model: Any) -> None:
        from qonnx.core.modelwrapper import ModelWrapper

        if isinstance(model, (str, Path)):
            model = ModelWrapper(str(model))
        self.model = to_generic(model)
        self.input_name = self.model.graph.input[0].name
        self.output_name = self.model.graph.output[0].name
        self.input_shape = list(self.model.get_tensor_shape(self.input_name))

    def run_one(self, x: np.ndarray, all_tensors: bool = False) -> Any:
        """Run one image (without batch axis or with batch 1); the output, or the whole context."""
        from finn.core.onnx_exec import execute_onnx

        inp = np.asarray(x, dtype=np.float32).reshape(self.input_shape)
        with sanitize_off():
            ctx = execute_onnx(self.model, {self.input_name: inp}, return_full_exec_context=all_tensors)
        return ctx if all_tensors else ctx[self.output_name]

    def run(self, x: np.ndarray) -> np.ndarray:
        """Run a batch (N, ...) image by image; outputs stacked along a new batch axis (N, ...)."""
        outs = [np.asarray(self.run_one(xi[None])) for xi in np.asarray(x)]
        return np.concatenate(outs, axis=0)
