"""Sliding-window folding: SIMD divides IFMChannels; the RTL variant may also use ``parallel_window``
(a whole window per cycle), only with SIMD == IFMChannels and not depthwise. A depthwise window
feeding a Pool is folded with it (see :mod:`pcnn_hw.layers.pool.fold`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pcnn_hw.errors import FoldingError
from pcnn_hw.layers.fold import DivisorRules, Settings
from pcnn_hw.layers.swg import SlidingWindow


class SwgRules(DivisorRules):
    """SIMD | IFMChannels (`SlidingWindow.fold_dims`); parallel_window only with SIMD == IFMChannels."""

    def check(self, node: Any, inst: Any, model: Any, inst_of: Callable[[Any], Any]) -> None:
        """FoldingError for parallel_window=1 with SIMD != IFMChannels."""
        if "parallel_window" not in inst.get_nodeattr_types():
            return
        if inst.get_nodeattr("parallel_window") and inst.get_nodeattr("SIMD") != inst.get_nodeattr(
            "IFMChannels"
        ):
            raise FoldingError(
                f"layer {node.name} ({node.op_type}): parallel_window=1 needs SIMD == IFMChannels "
                f"(SIMD={inst.get_nodeattr('SIMD')}, IFMChannels={inst.get_nodeattr('IFMChannels')})"
            )

    def options(self, node: Any, inst: Any, out: list[Settings]) -> list[Settings]:
        """The SIMD divisors with parallel_window=0, plus SIMD = channels with parallel_window=1
        (not depthwise), where the op has the attribute."""
        if "parallel_window" not in inst.get_nodeattr_types():
            return out
        ch = self.rules(node, inst)["SIMD"][1]
        for o in out:
            o[node.name]["parallel_window"] = 0
        if not inst.get_nodeattr("depthwise"):
            out.append({node.name: {"SIMD": ch, "parallel_window": 1}})
        return out

    def reset(self, node: Any, inst: Any) -> None:
        """parallel_window off."""
        if "parallel_window" in inst.get_nodeattr_types():
            inst.set_nodeattr("parallel_window", 0)

    def randomize(self, node: Any, inst: Any, pick: Callable[[int], int]) -> None:
        """Random SIMD unless depthwise (a depthwise window's SIMD is its pool's PE)."""
        if not inst.get_nodeattr("depthwise"):
            super().randomize(node, inst, pick)


FOLD = SwgRules.of(SlidingWindow, random=("SIMD",))
