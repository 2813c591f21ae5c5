"""Helpers for simulator tests: random valid foldings of a folded FINN graph."""

from __future__ import annotations

from typing import Any

import numpy as np


def randomize_folding(model: Any, seed: int) -> Any:
    """Set random valid PE/SIMD on every node whose kind's folding rules (``pcnn_hw/layers/<kind>/fold.py``)
    randomize: MVAU, Thresholding, dense sliding window, Pool and LabelSelect."""
    from qonnx.custom_op.registry import getCustomOp

    from pcnn_hw.layers.fold import divisors
    from pcnn_hw.layers.registry import find_backend

    rng = np.random.default_rng(seed)

    def pick(n: int) -> int:
        return int(rng.choice(divisors(n)))

    for node in model.graph.node:
        rules = find_backend(node.op_type, "fold")
        if rules is not None:
            rules.randomize(node, getCustomOp(node), pick)
    return model
