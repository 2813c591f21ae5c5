"""Folding of this kind: PE divides NumChannels (FINN's cycle model is channels / fold · pixels)."""

from __future__ import annotations

from pcnn_hw.layers.fold import DivisorRules

FOLD = DivisorRules({"PE": "NumChannels"})
