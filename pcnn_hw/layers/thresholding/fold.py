"""Thresholding folding: PE divides NumChannels (the rule `Thresholding.fold_dims` states)."""

from __future__ import annotations

from pcnn_hw.layers.fold import DivisorRules
from pcnn_hw.layers.thresholding import Thresholding

FOLD = DivisorRules.of(Thresholding, random=("PE",))
