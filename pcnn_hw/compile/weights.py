"""Per-layer memory images in the hardware layout, written to ``build/NAME/weights/``.

Layout (FINN's own functions, the same the generated HLS/RTL uses; see pcnn_hw/layers/mvau/memory.py; each
kind's ``weights.py``, found through the layer registry, reads them):

- ``<layer>.weights.npy``: MVAU weights, shape (PE, WMEM, SIMD), from the MVAU custom op's
  ``get_hw_compatible_weight_tensor`` (bipolar weights stored as bits (w + 1) / 2, SIMD lanes reversed).
- ``<layer>.thresholds.npy``: thresholds, shape (PE, TMEM, n_steps), from
  ``get_hw_compatible_threshold_tensor`` (MVAU with activation, Thresholding).
- ``index.json``: per layer the op type, folding, files, shapes, dtypes and FINN datatypes.

The simulator reads them with :func:`load_weights` (``{layer: {"weights": ..., "thresholds": ...}}``).
``.npy`` files (not ``.npz``, whose zip entries carry timestamps) keep builds byte-identical.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from pcnn_hw.core.weights import load_weights  # noqa: F401 - moved to the leaf package (#11)
from pcnn_hw.layers.registry import find_backend


def _as_int(arr: np.ndarray) -> np.ndarray:
    """Integer copy of ``arr`` in the smallest of int8/int16/int32/int64 holding it (if integral)."""
    arr = np.ascontiguousarray(arr)
    if arr.size and not np.array_equal(arr, np.round(arr)):
        return arr.astype(np.float64)
    lo, hi = (arr.min(), arr.max()) if arr.size else (0, 0)
    for dt in (np.int8, np.int16, np.int32, np.int64):
        if np.iinfo(dt).min <= lo and hi <= np.iinfo(dt).max:
            return arr.astype(dt)
    return arr.astype(np.float64)  # pragma: no cover - beyond int64


def memory_images(model: Any) -> dict[str, dict[str, np.ndarray]]:
    """``{layer: {"weights": (PE, WMEM, SIMD), "thresholds": (PE, TMEM, n_steps)}}`` of ``model``."""
    from qonnx.custom_op.registry import getCustomOp

    out: dict[str, dict[str, np.ndarray]] = {}
    for node in model.graph.node:
        images_of = find_backend(node.op_type, "weights")  # the kind's weights.py (MVAU, Thresholding)
        if images_of is None:
            continue
        images = images_of(node, getCustomOp(node), model.get_initializer)
        if images:
            out[node.name] = {key: _as_int(arr) for key, arr in images.items()}
    return out


def _layer_meta(model: Any, node: Any, images: dict[str, np.ndarray]) -> dict:
    from qonnx.custom_op.registry import getCustomOp

    inst = getCustomOp(node)
    types = inst.get_nodeattr_types()
    meta: dict = {"op_type": node.op_type}
    for a in ("PE", "SIMD", "MW", "MH", "NumChannels", "binaryXnorMode", "noActivation", "ActVal"):
        if a in types:
            meta[a] = int(inst.get_nodeattr(a))
    for a in ("inputDataType", "weightDataType", "outputDataType", "accDataType"):
        if a in types:
            meta[a] = str(inst.get_nodeattr(a))
    for key, arr in images.items():
        meta[key] = {"file": f"{node.name}.{key}.npy", "shape": list(arr.shape), "dtype": str(arr.dtype)}
    return meta


def write_weights(model: Any, out_dir: Path) -> dict[str, dict[str, np.ndarray]]:
    """Write every layer's memory images and ``index.json`` into ``out_dir``; return the images."""
    out_dir.mkdir(parents=True, exist_ok=True)
    images = memory_images(model)
    index = {"format": "pcnn-hw weights v1", "layout": "FINN hw-compatible (PE, MEM, SIMD|steps)",
             "layers": {}}
    for node in model.graph.node:
        if node.name not in images:
            continue
        for key, arr in images[node.name].items():
            np.save(out_dir / f"{node.name}.{key}.npy", arr, allow_pickle=False)
        index["layers"][node.name] = _layer_meta(model, node, images[node.name])
    (out_dir / "index.json").write_text(json.dumps(index, indent=2, sort_keys=True) + "\n")
    return images
