"""LabelSelect folding: PE divides Labels (the rule `LabelSelect.fold_dims` states)."""

from __future__ import annotations

from pcnn_hw.layers.fold import DivisorRules
from pcnn_hw.layers.labelselect import LabelSelect

FOLD = DivisorRules.of(LabelSelect, random=("PE",))
