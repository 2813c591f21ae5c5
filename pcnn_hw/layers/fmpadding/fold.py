"""Folding of this kind: SIMD divides NumChannels (FINN's cycle model is channels / fold · pixels), the
rule `FMPadding.fold_dims` states."""

from __future__ import annotations

from pcnn_hw.layers.fmpadding import FMPadding
from pcnn_hw.layers.fold import DivisorRules

FOLD = DivisorRules.of(FMPadding)
