"""Folding rules of a layer kind for the compile stage (registry target ``"fold"``).

Each kind's ``fold.py`` holds one `FoldRules` object (``FOLD``) that :mod:`pcnn_hw.compile.folding`
(checks, the budget optimizer, folding configs) and :func:`pcnn_hw.sim.testing.randomize_folding` look up
through :func:`pcnn_hw.layers.registry.backend`; they work on the node's FINN custom-op instance
``inst`` (``get_nodeattr`` / ``set_nodeattr``), so this module needs neither FINN nor the compiler.
The layer objects check the same divisibility again when they are built (``check_folding``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pcnn_hw.core.datatypes import base_op_type

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
    """Each of `attrs` (attribute -> dimension attribute) divides its dimension; `random` lists the
    attributes (in order) :meth:`randomize` sets."""

    def __init__(
        self, attrs: dict[str, str], random: tuple[str, ...] = (), ops: tuple[str, ...] = ()
    ) -> None:
        self.attrs, self.random, self.ops = attrs, random, ops

    def rules(self, node: Any, inst: Any) -> dict[str, tuple[str, int]]:
        """{attr: (dimension attribute, its value)} (for the base op types `ops`, or every one)."""
        if self.ops and base_op_type(node.op_type) not in self.ops:
            return {}
        return {a: (dim, inst.get_nodeattr(dim)) for a, dim in self.attrs.items()}

    def randomize(self, node: Any, inst: Any, pick: Callable[[int], int]) -> None:
        """Each attribute of `random` set to a random divisor of its dimension."""
        if self.ops and base_op_type(node.op_type) not in self.ops:
            return
        for a in self.random:
            inst.set_nodeattr(a, pick(inst.get_nodeattr(self.attrs[a])))
