"""What every backend hands to `pcnn-hw verify`: the `Level` (one rung of the fidelity ladder) and the
helpers the backends share to build one (image adapter, label extraction, the build's folded graph).

In the leaf package so that the backends (sim, hls, rtl, board) produce levels without importing
`pcnn_hw.verify`, which collects them (#11).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pcnn_hw.errors import ModelFileError


@dataclass
class Level:
    """One rung: `predict(x)` maps NCHW float images in [0, 1] to (labels (N,), raw outputs (N, ...))."""

    name: str
    predict: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]
    layer_probe: Callable[[np.ndarray], str] | None = None  # names the first differing layer, if it can
    notes: Callable[[], list[str]] | None = None  # warnings after predict() (e.g. accumulator overflow)
    about: str = ""  # how this level runs (e.g. the simulator's backend), printed above the table
    # integer class scores (N, C) of a graph ending in LabelSelect (the tensor into it), for the bit-exact
    # levels: the ladder compares them exactly, since labels alone hide wrong scores
    scores: Callable[[np.ndarray], np.ndarray] | None = None


def label_output(y: np.ndarray) -> np.ndarray:
    """Labels from a graph output: TopK indices (N, 1) or scores (N, C)."""
    y = y.reshape(y.shape[0], -1)
    return y[:, 0].astype(np.int64) if y.shape[1] == 1 else y.argmax(1)


def last_folded_step(build_dir: str | Path) -> Path | None:
    """The last steps/NN_*.onnx (or top-level *.onnx) holding *_hls/*_rtl nodes, None if there is none."""
    import onnx

    build_dir = Path(build_dir)
    cands = sorted((build_dir / "steps").glob("*.onnx")) if (build_dir / "steps").is_dir() else []
    cands += sorted(build_dir.glob("*.onnx"))
    for path in reversed(cands):
        try:
            m = onnx.load(str(path), load_external_data=False)
        except Exception:  # noqa: BLE001 - an unreadable candidate is skipped, the next one tried
            continue
        if any(n.domain.endswith((".hls", ".rtl")) for n in m.graph.node):
            return path
    return None


def find_folded_graph(build_dir: str | Path) -> Path:
    """The folded dataflow graph of a build directory: the last steps/NN_*.onnx with *_hls/*_rtl nodes."""
    path = last_folded_step(build_dir)
    if path is None:
        raise ModelFileError(
            f"{build_dir}: no folded dataflow graph (steps/NN_*.onnx with HLS/RTL layers) found"
        )
    return path


def graph_input_adapter(input_shape: list[int], input_dtype: str) -> Callable[[np.ndarray], np.ndarray]:
    """Map NCHW float images in [0, 1] to a graph's input: NHWC if the graph is channels-last, flat
    if it is 2D, and pixel integers 0..255 if its input is UINT8."""

    def adapt(x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float32)
        if (
            len(input_shape) == 4
            and x.ndim == 4
            and input_shape[-1] == x.shape[1]
            and input_shape[1] != x.shape[1]
        ):
            x = np.transpose(x, (0, 2, 3, 1))
        x = x.reshape([x.shape[0]] + list(input_shape[1:]))
        if input_dtype == "UINT8":
            x = np.round(x * 255.0)
        return x

    return adapt
