"""Folding of ElementwiseAdd: PE divides the last (channel) axis of its output."""

from __future__ import annotations

from typing import Any

from pcnn_hw.layers.fold import FoldRules


class AddRules(FoldRules):
    """PE | channels (the last axis of the normal output shape)."""

    def rules(self, node: Any, inst: Any) -> dict[str, tuple[str, int]]:
        """{"PE": ("channels", C)}."""
        return {"PE": ("channels", int(inst.get_normal_output_shape()[-1]))}


FOLD = AddRules()
