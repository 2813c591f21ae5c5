"""Helpers for simulator tests: random valid foldings of a folded FINN graph."""

from __future__ import annotations

from typing import Any

import numpy as np


def randomize_folding(model: Any, seed: int) -> Any:
    """Set random valid PE/SIMD on every MVAU, Thresholding, sliding window, Pool and LabelSelect."""
    from qonnx.custom_op.registry import getCustomOp

    from pcnn_hw.layers.base import base_op_type

    rng = np.random.default_rng(seed)

    def pick(n: int) -> int:
        divs = [d for d in range(1, n + 1) if n % d == 0]
        return int(rng.choice(divs))

    for node in model.graph.node:
        op = base_op_type(node.op_type)
        inst = getCustomOp(node)
        if op == "MVAU":
            inst.set_nodeattr("PE", pick(inst.get_nodeattr("MH")))
            inst.set_nodeattr("SIMD", pick(inst.get_nodeattr("MW")))
        elif op == "Thresholding":
            inst.set_nodeattr("PE", pick(inst.get_nodeattr("NumChannels")))
        elif op == "ConvolutionInputGenerator" and not inst.get_nodeattr("depthwise"):
            inst.set_nodeattr("SIMD", pick(inst.get_nodeattr("IFMChannels")))
        elif op == "Pool":
            inst.set_nodeattr("PE", pick(inst.get_nodeattr("Channels")))
        elif op == "LabelSelect":
            inst.set_nodeattr("PE", pick(inst.get_nodeattr("Labels")))
    return model
