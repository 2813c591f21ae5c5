"""MVAU folding: SIMD divides MW, PE divides MH; the optimizer also chooses the weight memory style."""

from __future__ import annotations

from typing import Any

from pcnn_hw.layers.fold import DivisorRules, Settings
from pcnn_hw.layers.mvau import MVAU

# Weight-memory styles the optimizer chooses between (FINN default "auto" is costed as BRAM).
MVAU_RAM_STYLES = ("auto", "distributed")


class MvauRules(DivisorRules):
    """SIMD | MW, PE | MH (`MVAU.FOLD_RULES`), and ``ram_style`` among `MVAU_RAM_STYLES`."""

    extra_attrs = ("ram_style",)

    def options(self, node: Any, inst: Any, out: list[Settings]) -> list[Settings]:
        """The divisor grid times the weight-memory styles."""
        if "ram_style" not in inst.get_nodeattr_types():
            return out
        return [{node.name: {**o[node.name], "ram_style": rs}} for o in out for rs in MVAU_RAM_STYLES]

    def reset(self, node: Any, inst: Any) -> None:
        """ram_style back to FINN's default "auto"."""
        if "ram_style" in inst.get_nodeattr_types():
            inst.set_nodeattr("ram_style", "auto")


FOLD = MvauRules.of(MVAU, random=("PE", "SIMD"))
