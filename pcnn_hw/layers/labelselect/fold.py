"""LabelSelect folding: PE divides Labels."""

from __future__ import annotations

from pcnn_hw.layers.fold import DivisorRules

FOLD = DivisorRules({"PE": "Labels"}, random=("PE",))
