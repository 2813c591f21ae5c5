"""Folding of ElementwiseAdd: PE divides the last (channel) axis of its output (the rule
`AddStreams.fold_dims` states)."""

from __future__ import annotations

from pcnn_hw.layers.addstreams import AddStreams
from pcnn_hw.layers.fold import DivisorRules

FOLD = DivisorRules.of(AddStreams)
