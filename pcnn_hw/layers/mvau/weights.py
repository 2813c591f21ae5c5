"""MVAU memory images for ``build/NAME/weights/`` from FINN's own layout functions (the custom op's
``get_hw_compatible_weight_tensor`` / ``get_hw_compatible_threshold_tensor``, see memory.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def memory_images(node: Any, inst: Any, get_init: Callable[[str], Any]) -> dict[str, np.ndarray]:
    """{"weights": (PE, WMEM, SIMD)} and, with an activation, {"thresholds": (PE, TMEM, n_steps)}."""
    images = {"weights": inst.get_hw_compatible_weight_tensor(get_init(node.input[1]))[0]}
    if len(node.input) > 2 and not inst.get_nodeattr("noActivation"):
        images["thresholds"] = inst.get_hw_compatible_threshold_tensor(get_init(node.input[2]))[0]
    return images
