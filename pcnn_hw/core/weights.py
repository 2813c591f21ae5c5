"""Read a build's memory images back: ``build/NAME/weights/`` (written by `pcnn_hw.compile.weights`).

In the leaf package because every backend reads them (simulator, HLS, RTL, board) and none of those
may import the compiler (#11); `pcnn_hw.compile.weights.load_weights` is this function.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from pcnn_hw.errors import ModelFileError


def load_weights(build_dir: str | Path) -> dict[str, dict[str, np.ndarray]]:
    """Read ``build_dir/weights/`` back: ``{layer: {"weights": ..., "thresholds": ...}}``."""
    wdir = Path(build_dir) / "weights"
    try:
        index = json.loads((wdir / "index.json").read_text())
    except (FileNotFoundError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{wdir / 'index.json'}: missing or corrupt weights index ({exc})") from exc
    out: dict[str, dict[str, np.ndarray]] = {}
    for name, meta in index["layers"].items():
        out[name] = {}
        for key in ("weights", "thresholds"):
            if key in meta:
                out[name][key] = np.load(wdir / meta[key]["file"], allow_pickle=False)
    return out
