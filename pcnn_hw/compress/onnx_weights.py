"""Binary weight tensors of an exported QONNX model, for Huffman coding."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper

from pcnn_hw.errors import ModelFileError


def binary_weights(onnx_path: str | Path) -> list[tuple[str, np.ndarray, bool]]:
    """(consumer node name, ±1 weights, is_conv) for every BipolarQuant weight initializer.

    Conv weights are (O, I, kh, kw); MatMul weights are stored (in, out) and returned as (out, in).
    """
    try:
        model = onnx.load(str(onnx_path))
    except Exception as exc:  # noqa: BLE001 - onnx raises several types for unreadable files
        raise ModelFileError(f"{onnx_path}: not a readable ONNX file ({exc})") from exc
    inits = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    consumers = {i: n for n in model.graph.node for i in n.input}
    out = []
    for node in model.graph.node:
        if node.op_type != "BipolarQuant" or node.input[0] not in inits:
            continue
        user = consumers.get(node.output[0])
        if user is None:
            continue
        signs = np.where(inits[node.input[0]] >= 0, 1, -1).astype(np.int8)
        conv = user.op_type == "Conv"
        out.append((user.name or user.output[0], signs if conv else signs.T, conv))
    return out
