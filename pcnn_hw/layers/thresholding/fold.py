"""Thresholding folding: PE divides NumChannels."""

from __future__ import annotations

from pcnn_hw.layers.fold import DivisorRules

FOLD = DivisorRules({"PE": "NumChannels"}, random=("PE",))
