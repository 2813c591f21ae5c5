"""Folding optimizer on our resource model (compile/fold_opt.py): every budget and divisibility rule on
synthetic problems, the mini CNN and random chain graphs; optimal where the cost is one resource; the
default of ``auto`` folding, ``--resource-model finn`` the old search."""

from __future__ import annotations

import io
import json
import math
from itertools import product
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pcnn_hw.compile import finn_compat, fold_opt, folding
from pcnn_hw.compile.build import load_model, step_path
from pcnn_hw.compile.context import BuildContext, FoldingSpec
from pcnn_hw.core.boards import get_board
from pcnn_hw.core.hwspec import BLOCK_MIN_DEPTH
from pcnn_hw.resources import estimate_parts
from pcnn_hw.resources.columns import rtl_bases

opt_st = st.tuples(st.integers(1, 50), st.floats(0, 100), st.floats(0, 10), st.integers(0, 3))
units_st = st.lists(st.lists(opt_st, min_size=1, max_size=4), min_size=1, max_size=4)


def _units(raw: list[list[tuple[int, float, float, int]]]) -> list[folding.Unit]:
    return [folding.Unit([], fold_opt.pareto([folding.Option({f"u{i}": {"PE": j}}, c, lut, bram, 0.0, dsp)
                                               for j, (c, lut, bram, dsp) in enumerate(opts)]))
            for i, opts in enumerate(raw)]


@settings(max_examples=150, deadline=None)
@given(raw=units_st, lut=st.floats(1, 400), bram=st.floats(0.5, 40), dsp=st.integers(0, 12))
def test_optimize_respects_every_limit(raw, lut: float, bram: float, dsp: int) -> None:
    """Whenever the optimizer says it fits, the picks' LUT, BRAM36 and DSP sums are within the limits;
    one pick per unit, each among that unit's options."""
    units = _units(raw)
    lim = fold_opt.Limits(lut, bram, dsp)
    picks, fits = fold_opt.optimize(units, lim)
    assert len(picks) == len(units) and all(p in u.options for p, u in zip(picks, units, strict=True))
    if fits:
        assert sum(p.lut for p in picks) <= lut and sum(p.bram for p in picks) <= bram
        assert sum(p.dsp for p in picks) <= dsp


@settings(max_examples=150, deadline=None)
@given(raw=units_st, lut=st.floats(1, 400))
def test_optimize_optimal_for_lut_only(raw, lut: float) -> None:
    """With LUT the only limit the result is the brute-force optimum, and fits iff any folding fits."""
    units = _units(raw)
    picks, fits = fold_opt.optimize(units, fold_opt.Limits(lut, math.inf, math.inf))
    feasible = [c for c in product(*(u.options for u in units)) if sum(o.lut for o in c) <= lut]
    assert fits == bool(feasible)
    if feasible:
        assert max(p.cycles for p in picks) == min(max(o.cycles for o in c) for c in feasible)


def _ctx(tmp_path: Path, lut_frac: float, bram_frac: float = 1.0) -> BuildContext:
    spec = FoldingSpec("auto", lut_fraction=lut_frac, bram_fraction=bram_frac)
    return BuildContext(get_board("pynq-z2"), 100.0, spec, tmp_path, stream=io.StringIO())


def _check_folded(model, ctx: BuildContext, choice: bool = False) -> None:
    """Divisibility rules, memory styles (the RTL's depth rule unless ``choice``) and (when it fits) our
    model's totals within the limits."""
    folding.check_folding(model)
    total_lut = total_bram = total_dsp = 0.0
    bases = rtl_bases(model)
    for node in model.graph.node:
        inst = folding._inst(node)
        for attr, (_, value) in folding.fold_rules(node).items():
            assert value % inst.get_nodeattr(attr) == 0, (node.name, attr)
        if folding.base_op(node.op_type) == "MVAU":
            style = inst.get_nodeattr("ram_style")
            depth = int(inst.calc_wmem())
            if choice:
                assert style == "block" or (style == "distributed" and depth < BLOCK_MIN_DEPTH), node.name
            else:
                assert style == ("block" if depth >= BLOCK_MIN_DEPTH else "distributed"), node.name
        shape = fold_opt.shape_at(bases[node.name], node) if node.name in bases else None
        if shape is not None:
            e = estimate_parts(*shape)
            total_lut, total_bram, total_dsp = total_lut + e.lut, total_bram + e.bram36, total_dsp + e.dsp
    lim = fold_opt.limits_for(ctx)
    fits = total_lut <= lim.lut and total_bram <= lim.bram36 and total_dsp <= lim.dsp
    assert fits or any("no folding fits" in w for w in ctx.warnings)


@pytest.fixture(scope="module")
def cnn_specialized(cnn_build) -> Path:
    """The mini CNN's graph before folding."""
    return step_path(cnn_build.out_dir, "specialize_layers")


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lut=st.floats(0.002, 1.0), bram=st.floats(0.0, 1.0))
def test_mini_cnn_respects_budget_and_rules(cnn_specialized, tmp_path, lut: float, bram: float) -> None:
    """For any LUT / BRAM share the folding of the mini CNN obeys every rule and fits (or warns)."""
    finn_compat.prepare_finn(tmp_path / "finn")
    ctx = _ctx(tmp_path, lut, bram)
    _check_folded(fold_opt.step_folding(load_model(cnn_specialized, check=False), ctx), ctx,
                  choice=fold_opt.MEMORY_STYLE_CHOICE)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lut=st.floats(0.002, 0.3), bram=st.floats(0.0, 0.2))
def test_memory_style_choice_respects_budget(cnn_specialized, tmp_path, lut: float, bram: float) -> None:
    """With the weight-memory style as a decision variable: every rule, styles only where offered
    (distributed below BLOCK_MIN_DEPTH words), and the model's totals within the limits when it fits."""
    finn_compat.prepare_finn(tmp_path / "finn")
    ctx = _ctx(tmp_path, lut, bram)
    m = load_model(cnn_specialized, check=False)
    _picks, fits = fold_opt.fold(m, ctx.fpga_part, fold_opt.limits_for(ctx), style_choice=True)
    if not fits:
        ctx.warn("no folding fits")
    _check_folded(m, ctx, choice=True)


def test_more_budget_never_slower(cnn_specialized, tmp_path) -> None:
    """More LUT budget never gives more bottleneck cycles."""
    finn_compat.prepare_finn(tmp_path / "finn")
    cycles = []
    for frac in (0.01, 0.05, 0.3, 1.0):
        m = fold_opt.step_folding(load_model(cnn_specialized, check=False), _ctx(tmp_path, frac))
        cycles.append(folding.totals(m, "xc7z020clg400-1")["max_cycles"])
    assert cycles == sorted(cycles, reverse=True) and cycles[0] > cycles[-1]


def test_auto_default_is_ours_and_finn_keeps_old(cnn_build, mlp_onnx, tmp_path, build_fn) -> None:
    """build() folds on our model by default (build.json says so); resource_model="finn" gives the
    folding of FINN's search (folding.apply_folding) exactly; the CLI default is ours."""
    from pcnn_hw.compile.cli import register

    state = json.loads((cnn_build.out_dir / "build.json").read_text())
    assert state["folding"]["resource_model"] == "ours"
    res = build_fn(mlp_onnx, tmp_path / "finn", resource_model="finn")
    assert json.loads((res.out_dir / "build.json").read_text())["folding"]["resource_model"] == "finn"
    finn_compat.prepare_finn(tmp_path / "f2")
    ctx = BuildContext(get_board("pynq-z2"), 100.0, FoldingSpec("auto"), tmp_path, stream=io.StringIO())
    old = folding.apply_folding(load_model(step_path(res.out_dir, "specialize_layers"), check=False), ctx)
    got = json.loads((res.out_dir / "folding_config.json").read_text())
    assert got == folding.folding_config(old)
    import argparse

    p = argparse.ArgumentParser()
    register(p.add_subparsers())
    assert p.parse_args(["build", "m.onnx", "-o", "x"]).resource_model == "ours"


@pytest.mark.slow
@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), lut=st.floats(0.005, 0.9))
def test_random_chains_respect_budget_and_rules(tmp_path_factory, seed: int, lut: float) -> None:
    """Random chain nets (compile/randnets.py): the folding obeys every rule and fits (or warns)."""
    from pcnn_hw.compile import randnets
    from pcnn_hw.compile.build import build
    from pcnn_hw.compile.steps import DEFAULT_STEPS

    work = tmp_path_factory.mktemp(f"chain{seed}")
    _, onnx = randnets.export(randnets.random_spec(seed, "chain"), work / "m.onnx")
    upto = DEFAULT_STEPS[: [s.name for s in DEFAULT_STEPS].index("folding")]
    res = build(onnx, work / "b", "pynq-z2", steps=upto, stream=io.StringIO())
    ctx = _ctx(work, lut)
    finn_compat.prepare_finn(work / "finn")
    _check_folded(fold_opt.step_folding(load_model(res.model_path, check=False), ctx), ctx,
                  choice=fold_opt.MEMORY_STYLE_CHOICE)
