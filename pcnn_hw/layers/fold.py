"""Folding rules of a layer kind for the compile stage (registry target ``"fold"``).

Each kind's ``fold.py`` holds one `FoldRules` object (``FOLD``) that :mod:`pcnn_hw.compile.folding`
(checks, the budget optimizer, folding configs) and :func:`pcnn_hw.sim.testing.randomize_folding` look up
through :func:`pcnn_hw.layers.registry.backend`; they work on the node's FINN custom-op instance
``inst`` (``get_nodeattr`` / ``set_nodeattr``), so this module needs neither FINN nor the compiler.
A kind's divisibility rules are stated once, by its layer class (``HwLayer.fold_dims``): the layer
objects check them when they are built (``check_folding``), and `DivisorRules.of` hands the same rules
to the compile stage's checks and candidate generator.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Self

from pcnn_hw.core.datatypes import base_op_type
from pcnn_hw.layers.base import table_dims

if TYPE_CHECKING:
    from pcnn_hw.layers.base import HwLayer

Settings = dict[str, dict[str, Any]]  # node name -> {attribute: value}


def divisors(n: int) -> list[int]:
    """Every divisor of n, ascending."""
    return [d for d in range(1, n + 1) if n % d == 0]


class FoldRules:
    """A kind without folding attributes; kinds override what applies to them."""

    extra_attrs: tuple[str, ...] = ()  # attributes besides PE/SIMD/parallel_window in folding configs

    def rules(self, node: Any, inst: Any) -> dict[str, tuple[str, int]]:
        """The folding attributes of ``node`` and what each must divide: {attr: (dimension, value)}."""
        return {}

    def check(self, node: Any, inst: Any, model: Any, inst_of: Callable[[Any], Any]) -> None:
        """FoldingError for a broken rule beyond divisibility (checked after `rules`)."""

    def options(self, node: Any, inst: Any, out: list[Settings]) -> list[Settings]:
        """Candidate settings of a unit of this node alone, from the divisor grid ``out``."""
        return out

    def reset(self, node: Any, inst: Any) -> None:
        """Reset kind-specific attributes to the unfolded default (PE/SIMD are reset by the caller)."""

    def coupled_producer(self, node: Any, model: Any) -> Any | None:
        """The producer folded together with ``node`` (one unit), or None."""
        return None

    def pair_options(self, producer: Any, node: Any, inst: Any) -> list[Settings]:
        """Candidate settings of the unit (``coupled_producer(node)``, ``node``)."""
        return [{}]

    def randomize(self, node: Any, inst: Any, pick: Callable[[int], int]) -> None:
        """Set a random valid folding (``pick(n)``: a random divisor of n) for simulator tests."""


class DivisorRules(FoldRules):
    """Each folding attribute divides its dimension; `random` lists the attributes (in order)
    :meth:`randomize` sets. The rules come from the kind's layer class (:meth:`of`, the one statement of
    them, `pcnn_hw.layers.base.HwLayer.fold_dims`) or, for a kind without one, from a table `attrs`
    (folding attribute -> dimension attribute); `ops`: the base op types they apply to (default all)."""

    def __init__(
        self, attrs: Mapping[str, str] | None = None, random: tuple[str, ...] = (), ops: tuple[str, ...] = ()
    ) -> None:
        self.attrs, self.random, self.ops = dict(attrs or {}), random, ops
        self.layer: type[HwLayer] | None = None

    @classmethod
    def of(cls, layer: type[HwLayer], random: tuple[str, ...] = ()) -> Self:
        """The rules `layer.fold_dims` states, read from the FINN node (``inst.get_nodeattr``)."""
        rules = cls(random=random)
        rules.layer = layer
        return rules

    def rules(self, node: Any, inst: Any) -> dict[str, tuple[str, int]]:
        """{attr: (dimension name, its value)} (for the base op types `ops`, or every one)."""
        if self.ops and base_op_type(node.op_type) not in self.ops:
            return {}
        if self.layer is not None:
            return self.layer.fold_dims(node.op_type, inst.get_nodeattr)
        return table_dims(self.attrs, inst.get_nodeattr)

    def randomize(self, node: Any, inst: Any, pick: Callable[[int], int]) -> None:
        """Each attribute of `random` set to a random divisor of its dimension."""
        dims = self.rules(node, inst)
        for a in self.random:
            inst.set_nodeattr(a, pick(dims[a][1]))
