"""Folding optimizer: budget and divisibility respected; optimal on synthetic problems."""

from __future__ import annotations

import io
from itertools import product

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pcnn_hw.compile import finn_compat, folding
from pcnn_hw.compile.build import load_model, step_path
from pcnn_hw.compile.context import BuildContext, FoldingSpec
from pcnn_hw.core.boards import get_board


def _ctx(tmp_path, frac: float, mode: str = "auto") -> BuildContext:
    return BuildContext(
        get_board("pynq-z2"), 100.0, FoldingSpec(mode, lut_fraction=frac), tmp_path, stream=io.StringIO()
    )


@pytest.fixture(scope="module")
def cnn_specialized(cnn_build) -> object:
    """Path of the mini CNN's graph before folding."""
    return step_path(cnn_build.out_dir, "specialize_layers")


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(frac=st.floats(min_value=0.002, max_value=1.0))
def test_auto_respects_budget_and_divisibility(cnn_specialized, tmp_path, frac: float) -> None:
    """For any LUT share the auto folding fits the budget (or warns) and obeys every rule."""
    ctx = _ctx(tmp_path, frac)
    finn_compat.prepare_finn(tmp_path / "finn")
    model = folding.apply_folding(load_model(cnn_specialized, check=False), ctx)
    folding.check_folding(model)
    for node in model.graph.node:
        inst = folding._inst(node)
        for attr, (_, value) in folding.fold_rules(node).items():
            assert value % inst.get_nodeattr(attr) == 0
    tot = folding.totals(model, ctx.fpga_part)
    budget = folding.budget_for(ctx)
    fits = tot["LUT"] <= budget.lut and tot["BRAM_18K"] / 2 <= budget.bram36
    assert fits or any("no folding fits" in w for w in ctx.warnings)


def test_auto_beats_or_equals_more_constrained(cnn_specialized, tmp_path) -> None:
    """More budget never gives fewer FPS; max is at least as fast as auto."""
    finn_compat.prepare_finn(tmp_path / "finn")
    cycles = []
    for frac in (0.02, 0.1, 0.5):
        m = folding.apply_folding(load_model(cnn_specialized, check=False), _ctx(tmp_path, frac))
        cycles.append(folding.totals(m, "xc7z020clg400-1")["max_cycles"])
    m = folding.apply_folding(load_model(cnn_specialized, check=False), _ctx(tmp_path, 1.0, "max"))
    cycles.append(folding.totals(m, "xc7z020clg400-1")["max_cycles"])
    assert cycles == sorted(cycles, reverse=True)


def _opt(cyc: int, lut: float, par: int = 1) -> folding.Option:
    return folding.Option({}, cyc, lut, 0.0, 0.0, 0.0, par)


@settings(max_examples=200, deadline=None)
@given(
    units=st.lists(
        st.lists(st.tuples(st.integers(1, 1000), st.integers(0, 500)), min_size=1, max_size=4),
        min_size=1,
        max_size=4,
    ),
    lut_budget=st.integers(1, 2000),
)
def test_optimize_is_optimal_for_lut_budget(units, lut_budget: int) -> None:
    """On synthetic units the optimizer finds the brute-force best bottleneck within the LUT budget."""
    us = [folding.Unit([], folding._pareto([_opt(c, float(lut)) for c, lut in u])) for u in units]
    budget = folding.Budget(float(lut_budget), 1e9)
    picks, fits = folding.optimize(us, budget)
    best = None
    for combo in product(*[u.options for u in us]):
        if sum(o.lut for o in combo) <= lut_budget:
            c = max(o.cycles for o in combo)
            best = c if best is None else min(best, c)
    assert fits == (best is not None)
    if fits:
        assert sum(o.lut for o in picks) <= lut_budget
        assert max(o.cycles for o in picks) == best
