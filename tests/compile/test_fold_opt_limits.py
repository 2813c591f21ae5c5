"""Limits of the folding optimizer beyond the per-unit resources (compile/fold_opt.py, fold_limits.py):
the fmax >= 1.25 x clock constraint, the width converters between units charged in the budget (as the
stitcher inserts them), and the one binary search both optimizers share (folding.smallest_fitting)."""

from __future__ import annotations

import io
import math
from itertools import product
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pcnn_hw.compile import finn_compat, fold_opt, folding
from pcnn_hw.compile.build import load_model, step_path
from pcnn_hw.compile.context import BuildContext, FoldingSpec
from pcnn_hw.compile.fold_limits import Choice, Limits, dwc_cost, edge_fifo_extra
from pcnn_hw.core.boards import get_board
from pcnn_hw.resources import Resources, estimate

opt_st = st.tuples(st.integers(1, 50), st.floats(0, 100), st.sampled_from([80.0, 120.0, 130.0, 200.0]))
units_st = st.lists(st.lists(opt_st, min_size=1, max_size=4), min_size=1, max_size=4)


def _units(raw: list[list[tuple[int, float, float]]]) -> list[folding.Unit]:
    return [folding.Unit([], fold_opt.pareto([Choice({f"u{i}": {"PE": j}}, c, lut, 0.0, 0.0, 0.0, 1, f)
                                               for j, (c, lut, f) in enumerate(opts)]))
            for i, opts in enumerate(raw)]


@settings(max_examples=150, deadline=None)
@given(raw=units_st, lut=st.floats(1, 400))
def test_fmax_limit_is_respected_and_optimal(raw, lut: float) -> None:
    """Limit 125 MHz: each pick meets it whenever its unit has an option that does (else it is one of
    the unit's fastest-clocking options), and with LUT the only resource the bottleneck is the brute-
    force optimum over the options that meet it."""
    units = _units(raw)
    picks, fits = fold_opt.optimize(units, Limits(lut, math.inf, math.inf, 125.0))
    for p, u in zip(picks, units, strict=True):
        top = max(o.fmax for o in u.options)
        assert p.fmax >= 125.0 if top >= 125.0 else p.fmax == top
    allowed = [[o for o in u.options if o.fmax >= 125.0] or [o for o in u.options if o.fmax == max(
        x.fmax for x in u.options)] for u in units]
    feasible = [c for c in product(*allowed) if sum(o.lut for o in c) <= lut]
    assert fits == bool(feasible)
    if feasible:
        assert max(p.cycles for p in picks) == min(max(o.cycles for o in c) for c in feasible)


def test_pareto_keeps_a_slower_but_faster_clocking_option() -> None:
    """An option dominated in cycles and LUT but with a higher fmax survives the Pareto filter."""
    a = Choice({"n": {"PE": 2}}, 10, 10.0, 0.0, 0.0, 0.0, 1, 100.0)
    b = Choice({"n": {"PE": 1}}, 20, 20.0, 0.0, 0.0, 0.0, 1, 150.0)
    assert fold_opt.pareto([a, b]) == [a, b]
    assert fold_opt.pareto([a, Choice({"n": {"PE": 1}}, 20, 20.0, 0.0, 0.0, 0.0, 1, 90.0)]) == [a]


@pytest.mark.parametrize(("pw", "cw"), [(64, 8), (8, 64), (24, 64), (216, 72), (16, 16)])
def test_dwc_cost_is_the_stitchers_chain(pw: int, cw: int) -> None:
    """dwc_cost = our model's estimate of the converters rtl/stitch.py inserts between the widths."""
    from pcnn_hw.rtl.stitch import _dwc_chain

    chain = _dwc_chain("d", pw, cw, "x")
    want = Resources()
    for inst in chain:
        want = want + estimate(inst)
    assert dwc_cost(pw, cw) == want
    assert (pw == cw) == (not chain)


@pytest.mark.parametrize(("pw", "cw"), [(144, 36), (64, 8), (8, 64), (16, 16)])
def test_edge_fifo_extra_is_the_wider_fifo(pw: int, cw: int) -> None:
    """On a narrowing edge the stitcher's FIFO is producer-wide: the extra is its estimate minus the
    consumer-wide depth-2 FIFO the consumer's evaluation charges; widening or equal edges add nothing."""
    from pcnn_hw.rtl.stitch import Instance

    def fifo(w: int) -> Resources:
        return estimate(Instance("f", "fifo", "pcnn_fifo", {"WIDTH": w, "DEPTH": 2}, w, w))

    got = edge_fifo_extra(pw, cw)
    if pw > cw:
        assert got.lut == pytest.approx(fifo(pw).lut - fifo(cw).lut) and got.lut > 0
        assert got.ff == pytest.approx(fifo(pw).ff - fifo(cw).ff) and got.ff > 0
    else:
        assert got == Resources()


def test_dwc_counts_against_the_budget() -> None:
    """Two nodes whose widths differ on their edge: the layers alone fit, with the converter (and the
    producer-wide FIFO of the narrowing edge) they do not; equal widths cost nothing."""
    a = Choice({"a": {}}, 1, 100.0, 0.0, 0.0, 0.0, 1, math.inf, {"a": (8, 256, 1)})
    b = Choice({"b": {}}, 1, 100.0, 0.0, 0.0, 0.0, 1, math.inf, {"b": (8, 8, 1)})
    c = Choice({"b": {}}, 1, 100.0, 0.0, 0.0, 0.0, 1, math.inf, {"b": (256, 8, 1)})
    conv = dwc_cost(256, 8).lut + edge_fifo_extra(256, 8).lut
    assert conv > 5 and edge_fifo_extra(256, 8).lut > 200
    lim = Limits(200.0 + conv / 2, math.inf, math.inf, 0.0, (("a", "b"),))
    assert lim.extra([a, c]) == Resources() and lim.fits([a, c])
    assert lim.extra([a, b]).lut == conv and not lim.fits([a, b])
    assert Limits(200.0 + conv / 2, math.inf).fits([a, b])  # no edges given: not charged


def test_both_optimizers_use_smallest_fitting(monkeypatch) -> None:
    """folding.optimize and fold_opt.optimize run their binary search through folding.smallest_fitting."""
    calls = []
    orig = folding.smallest_fitting

    def spy(units, pick_at):
        calls.append(len(units))
        return orig(units, pick_at)

    monkeypatch.setattr(folding, "smallest_fitting", spy)
    units = _units([[(5, 10.0, 200.0), (10, 5.0, 200.0)], [(3, 1.0, 200.0)]])
    fold_opt.optimize(units, Limits(100.0, math.inf))
    folding.optimize(units, folding.Budget(100.0, 1.0))
    assert calls == [2, 2]


@settings(max_examples=100, deadline=None)
@given(cycles=st.lists(st.lists(st.integers(1, 40), min_size=1, max_size=4), min_size=1, max_size=4),
       cut=st.integers(0, 45))
def test_smallest_fitting_is_the_smallest_monotone_target(cycles: list[list[int]], cut: int) -> None:
    """With pick_at(t) fitting exactly for t >= cut, the search returns the smallest achievable target
    >= max(cut, largest per-unit minimum), or None when there is none."""
    units = [folding.Unit([], [folding.Option({}, c, 0.0, 0.0, 0.0, 0.0) for c in cs]) for cs in cycles]
    seen = []

    def pick_at(t: int):
        seen.append(t)
        return [folding.Option({}, t, 0.0, 0.0, 0.0, 0.0)] if t >= cut else None

    got = folding.smallest_fitting(units, pick_at)
    lo = max(min(cs) for cs in cycles)
    want = min((c for cs in cycles for c in cs if c >= max(lo, cut)), default=None)
    assert (got[0].cycles if got else None) == want


def _ctx(tmp_path: Path, lut: float, clock: float = 100.0) -> BuildContext:
    return BuildContext(get_board("pynq-z2"), clock, FoldingSpec("auto", lut_fraction=lut), tmp_path,
                        stream=io.StringIO())


@pytest.fixture(scope="module")
def cnn_specialized(cnn_build) -> Path:
    """The mini CNN's graph before folding."""
    return step_path(cnn_build.out_dir, "specialize_layers")


@pytest.mark.parametrize("lut", [0.02, 0.1])
def test_mini_cnn_dwc_charge_matches_the_stitched_design(cnn_specialized, tmp_path, lut: float) -> None:
    """The optimizer's edge charge of its own folding equals our model's estimate of what the stitcher
    puts on the edges of that folding's RTL (rtl_layers + stitch) beyond the consumer-wide depth-2 FIFO
    each node's evaluation already charges: the converters, and the wider FIFO of a narrowing edge."""
    from pcnn_hw.core.streams import fmt_of_datatype
    from pcnn_hw.rtl.spec import rtl_layers
    from pcnn_hw.rtl.stitch import Instance, stitch
    from pcnn_hw.sim.executor import Simulator

    finn_compat.prepare_finn(tmp_path / "finn")
    ctx = _ctx(tmp_path, lut)
    m = load_model(cnn_specialized, check=False)
    picks, _ = fold_opt.fold(m, ctx.fpga_part, fold_opt.limits_for(ctx))
    charged = Limits(0, 0, 0, 0.0, fold_opt.links(m)).extra(picks)
    sim = Simulator(m.model)
    rl = rtl_layers(sim.layers, fmt_of_datatype(sim.input_dtype))
    shape = m.get_tensor_shape(m.graph.input[0].name)
    design = stitch(rl, math.prod(shape[1:]))
    want, wider = Resources(), 0
    for inst in design.instances:
        if inst.kind == "dwc":
            want = want + estimate(inst)
    for f in design.fifos():
        cw = f.out_width
        convs = [x for x in design.instances if x.kind == "dwc" and x.name.split("_")[1] == str(f.edge)]
        if convs and convs[0].in_width == f.out_width:  # FIFO first: the chain's last converter is cw
            cw, wider = convs[-1].out_width, wider + 1
        base = Instance("b", "fifo", "pcnn_fifo", {"WIDTH": cw, "DEPTH": 2}, cw, cw)
        got = estimate(f)
        want = Resources(want.lut + got.lut - estimate(base).lut, want.ff + got.ff - estimate(base).ff)
    assert wider > 0  # this folding has narrowing edges
    assert charged.lut == pytest.approx(want.lut) and charged.ff == pytest.approx(want.ff)


def test_unreachable_clock_warns_naming_the_unit(cnn_specialized, tmp_path) -> None:
    """At a 400 MHz clock (500 MHz needed) no folding meets the estimate: the build warns, naming a
    layer and the limit, and still folds."""
    finn_compat.prepare_finn(tmp_path / "finn")
    ctx = _ctx(tmp_path, 0.5, clock=400.0)
    fold_opt.step_folding(load_model(cnn_specialized, check=False), ctx)
    msgs = [w for w in ctx.warnings if "estimated fmax 500 MHz" in w]
    assert msgs and any("MVAU" in w or "Convolution" in w for w in msgs)
