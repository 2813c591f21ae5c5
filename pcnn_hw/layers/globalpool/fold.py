"""Folding of this kind: PE divides NumChannels (FINN's cycle model is channels / fold · pixels), the
rule `GlobalAccPool.fold_dims` states."""

from __future__ import annotations

from pcnn_hw.layers.fold import DivisorRules
from pcnn_hw.layers.globalpool import GlobalAccPool

FOLD = DivisorRules.of(GlobalAccPool)
