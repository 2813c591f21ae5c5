"""Thresholding memory image for ``build/NAME/weights/`` (FINN's ``get_hw_compatible_threshold_tensor``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def memory_images(node: Any, inst: Any, get_init: Callable[[str], Any]) -> dict[str, np.ndarray]:
    """{"thresholds": (PE, TMEM, n_steps)}."""
    return {"thresholds": inst.get_hw_compatible_threshold_tensor(get_init(node.input[1]))[0]}
