"""Folding of this kind: PE divides NumChannels (FINN's cycle model is channels / fold · pixels), the
rule `DuplicateStreams.fold_dims` states."""

from __future__ import annotations

from pcnn_hw.layers.duplicate import DuplicateStreams
from pcnn_hw.layers.fold import DivisorRules

FOLD = DivisorRules.of(DuplicateStreams)
