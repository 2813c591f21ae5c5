"""Max-pool folding: Pool: PE divides Channels, and a Pool fed by a sliding window is folded with it
(SIMD of the window == PE of the pool, one unit); StreamingMaxPool: PE divides NumChannels."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pcnn_hw.core.datatypes import base_op_type
from pcnn_hw.errors import FoldingError
from pcnn_hw.layers.fold import DivisorRules, Settings, divisors
from pcnn_hw.layers.pool import MaxPool

SWG = "ConvolutionInputGenerator"


class PoolRules(DivisorRules):
    """PE | Channels (Pool) or NumChannels (StreamingMaxPool), as `MaxPool.fold_dims` states; Pool PE ==
    SIMD of its window."""

    def coupled_producer(self, node: Any, model: Any) -> Any | None:
        """A Pool's sliding window (its producer), folded together with it."""
        if base_op_type(node.op_type) != "Pool":
            return None
        prod = model.find_producer(node.input[0])
        return prod if prod is not None and base_op_type(prod.op_type) == SWG else None

    def check(self, node: Any, inst: Any, model: Any, inst_of: Callable[[Any], Any]) -> None:
        """FoldingError when a Pool's PE differs from its sliding window's SIMD."""
        prod = self.coupled_producer(node, model)
        if prod is None:
            return
        simd, pe = inst_of(prod).get_nodeattr("SIMD"), inst.get_nodeattr("PE")
        if simd != pe:
            raise FoldingError(
                f"layer {node.name} ({node.op_type}): PE={pe} must equal SIMD={simd} of its "
                f"sliding window {prod.name}"
            )

    def pair_options(self, producer: Any, node: Any, inst: Any) -> list[Settings]:
        """SIMD of the window == PE of the pool, every divisor of the channels."""
        chans = self.rules(node, inst)["PE"][1]
        return [{producer.name: {"SIMD": p}, node.name: {"PE": p}} for p in divisors(chans)]

    def randomize(self, node: Any, inst: Any, pick: Callable[[int], int]) -> None:
        """Random PE of a Pool (StreamingMaxPool keeps its folding)."""
        if base_op_type(node.op_type) == "Pool":
            super().randomize(node, inst, pick)


FOLD = PoolRules.of(MaxPool, random=("PE",))
