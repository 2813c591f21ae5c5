"""Folding optimizer on our resource model (issue #12, deliverable 2; the default of ``auto`` folding,
``--resource-model finn`` keeps :mod:`pcnn_hw.compile.folding`'s search on FINN's estimates).

Maximises FPS (minimises the bottleneck cycles) subject to LUT / BRAM36 / DSP <= fractions of the board
and estimated fmax >= :data:`FMAX_MARGIN` x the build clock, over the fold units and divisibility rules
of :func:`pcnn_hw.compile.folding._candidate_settings`. Per MVAU the weight-memory style is a decision
variable (:data:`MEMORY_STYLE_CHOICE`; ``ram_style`` = ``block`` or ``distributed`` in
folding_config.json, which the RTL builds: core.hwspec.Rom.style_override): distributed below
BLOCK_MIN_DEPTH words (where the model was fitted on LUT ROMs), block from :data:`BLOCK_STYLE_MIN_DEPTH`.
Each option's LUT / BRAM / DSP come from :mod:`pcnn_hw.resources` (fitted to Yosys on our RTL), its fmax
from :mod:`pcnn_hw.resources.fmax` (the slowest stage of its nodes and FIFOs), cycles from FINN's
``get_exp_cycles`` (our RTL meets them, benchmarks/results/rtl_cnv.md).

Besides the layers, each node is charged the FIFO the stitcher puts in front of it (depth 2, at the
node's input width), and every edge whose producer writes another width than its consumer reads the
width converter(s) the stitcher inserts there (rtl/stitch.py ``_dwc_chain``: one ``pcnn_dwc``, or up to
the LCM and down when neither width divides the other). A DWC depends on two units' foldings, so it is
charged where the sum is checked (:meth:`Limits.fits`), not in the per-unit cost; the RTL step's deeper
FIFOs stay outside the budget.

Search: Pareto options per unit in (cycles, LUT, BRAM, DSP, parallelism, fmax); options below the fmax
limit dropped (a unit with none keeps its fastest-clocking ones, and the build warns); then
:func:`pcnn_hw.compile.folding.smallest_fitting` on the bottleneck cycle target, per target the
cheapest option per unit under a weighted cost LUT/L + w BRAM/B + v DSP/D over a ladder of weights.
"""

from __future__ import annotations

import json
import math
from typing import Any

from pcnn_hw.compile import folding
from pcnn_hw.compile.fold_eval import EvalCache, evaluate, shape_at, shape_bases
from pcnn_hw.compile.fold_limits import Limits, links
from pcnn_hw.compile.folding import Option, Unit, _apply_settings, _candidate_settings, _inst
from pcnn_hw.core.hwspec import BLOCK_MIN_DEPTH

__all__ = ["EvalCache", "Limits", "candidates", "enumerate_units", "fold", "limits_for", "optimize", "pareto",
           "shape_at", "step_folding", "timing_filter", "with_resource_model"]

RESOURCE_MODELS = ("ours", "finn")
DEFAULT_RESOURCE_MODEL = "ours"
BLOCK_STYLE_MIN_DEPTH = 16  # shallower weight ROMs stay logic (1 LUT6 per lane holds 32 words)
# Offer both weight-memory styles per MVAU (True) or only the RTL's depth rule (False); the RTL builds
# the MVAU's ram_style (core/hwspec.Rom.style_override), so the choice is on.
MEMORY_STYLE_CHOICE = True
FMAX_MARGIN = 1.25  # estimated fmax >= 1.25 x the board clock (issue #10's timing goal)
_WEIGHTS = (0.0, *(10 ** (k / 4) for k in range(-8, 13)), 1e6)


def limits_for(ctx: Any) -> Limits:
    """The board's LUT / BRAM36 / DSP times the build's fractions (DSP fraction 1 unless given); fmax at
    least :data:`FMAX_MARGIN` x the build clock."""
    b, f = ctx.board, ctx.folding
    return Limits(b.lut * f.lut_fraction, b.bram36 * f.bram_fraction, b.dsp * getattr(f, "dsp_fraction", 1.0),
                  FMAX_MARGIN * ctx.clock_mhz)


def _styles(node: Any, settings: dict[str, Any], choice: bool) -> list[str]:
    """Weight-memory styles offered for an MVAU at ``settings`` (see the module docstring); only the
    RTL's depth rule unless ``choice``."""
    inst = _inst(node)
    mw, mh = int(inst.get_nodeattr("MW")), int(inst.get_nodeattr("MH"))
    depth = (mw // int(settings.get("SIMD", 1))) * (mh // int(settings.get("PE", 1)))
    if not choice:
        return ["block" if depth >= BLOCK_MIN_DEPTH else "distributed"]
    out = ["distributed"] if depth < BLOCK_MIN_DEPTH else []
    return out + (["block"] if depth >= BLOCK_STYLE_MIN_DEPTH else [])


def candidates(unit: Unit, style_choice: bool = MEMORY_STYLE_CHOICE) -> list[dict[str, dict[str, Any]]]:
    """Every folding of ``unit`` the rules allow, MVAUs with each offered weight-memory style."""
    out, seen = [], set()
    for s in _candidate_settings(unit):
        variants = [{n: {k: v for k, v in a.items() if k != "ram_style"} for n, a in s.items()}]
        for node in unit.nodes:
            if folding.base_op(node.op_type) == "MVAU" and "ram_style" in _inst(node).get_nodeattr_types():
                variants = [{**c, node.name: {**c[node.name], "ram_style": st}}
                            for c in variants for st in _styles(node, c[node.name], style_choice)]
        for c in variants:
            key = json.dumps(c, sort_keys=True)
            if key not in seen:
                seen.add(key)
                out.append(c)
    return out


def pareto(options: list[Option]) -> list[Option]:
    """Options not dominated in (cycles, LUT, BRAM36, DSP, parallelism, fmax); deterministic order."""
    opts = sorted(options, key=lambda o: (o.cycles, o.lut, o.bram, o.dsp, o.par,
                                          json.dumps(o.settings, sort_keys=True)))
    keep: list[Option] = []
    for o in opts:
        if not any(k.cycles <= o.cycles and k.lut <= o.lut and k.bram <= o.bram and k.dsp <= o.dsp
                   and k.par <= o.par and _fmax(k) >= _fmax(o) for k in keep):
            keep.append(o)
    return keep


def _fmax(o: Option) -> float:
    return getattr(o, "fmax", math.inf)


def enumerate_units(model: Any, part: str, style_choice: bool = MEMORY_STYLE_CHOICE,
                    cache: EvalCache | None = None) -> list[Unit]:
    """Fold units with their Pareto-optimal options, resources by our model (node evaluations memoised
    in ``cache``, a fresh :class:`~pcnn_hw.compile.fold_eval.EvalCache` unless given)."""
    cache = cache if cache is not None else EvalCache()
    units = folding._units(model)
    bases = shape_bases(model)
    for unit in units:
        saved = {n.name: {a: _inst(n).get_nodeattr(a) for a in folding.FOLD_ATTRS
                          if a in _inst(n).get_nodeattr_types()} for n in unit.nodes}
        opts = [evaluate(model, unit, s, bases, part, cache) for s in candidates(unit, style_choice)]
        unit.options = pareto(opts)
        _apply_settings(model, saved)
    return units


def _cheapest(options: list[Option], lim: Limits, w: float, v: float) -> Option:
    return min(options, key=lambda o: (o.lut / max(lim.lut, 1e-9) + w * o.bram / max(lim.bram36, 1e-9)
                                       + v * o.dsp / max(lim.dsp, 1e-9), o.par, o.cycles))


def _ladder(units: list[Unit]) -> list[tuple[float, float]]:
    uses_dsp = any(o.dsp for u in units for o in u.options)
    return [(w, v) for w in _WEIGHTS for v in ((0.0, 1.0, 100.0) if uses_dsp else (0.0,))]


def _pick(units: list[Unit], target: int, lim: Limits,
          ladder: list[tuple[float, float]]) -> list[Option] | None:
    """Cheapest fitting picks meeting ``target`` cycles over the weight ladder; None if none fits."""
    ok = [[o for o in u.options if o.cycles <= target] for u in units]
    if any(not k for k in ok):
        return None
    for w, v in ladder:
        picks = [_cheapest(k, lim, w, v) for k in ok]
        if lim.fits(picks):
            return picks
    return None


def timing_filter(units: list[Unit], min_fmax: float) -> tuple[list[Unit], list[str]]:
    """Units with only their options of estimated fmax >= ``min_fmax``; a unit with none keeps the
    options of its highest fmax and is named in the second value (the first node's name)."""
    out, slow = [], []
    for u in units:
        ok = [o for o in u.options if _fmax(o) >= min_fmax]
        if not ok:
            top = max(_fmax(o) for o in u.options)
            ok = [o for o in u.options if _fmax(o) == top]
            slow.append(u.nodes[0].name if u.nodes else "?")
        out.append(Unit(u.nodes, ok))
    return out, slow


def optimize(units: list[Unit], lim: Limits) -> tuple[list[Option], bool]:
    """Smallest bottleneck cycle count whose cheapest folding fits ``lim`` (resources including the
    DWCs, options below ``lim.min_fmax`` dropped as in :func:`timing_filter`): (picks, fits); when
    nothing fits, the weighting that overshoots the limits least (fits=False)."""
    units = timing_filter(units, lim.min_fmax)[0] if lim.min_fmax > 0 else units
    ladder = _ladder(units)
    best = folding.smallest_fitting(units, lambda target: _pick(units, target, lim, ladder))
    if best is not None:
        return best, True
    tries = [[_cheapest(u.options, lim, w, v) for u in units] for w, v in ladder]
    return min(tries, key=lim.over), False


def fold(model: Any, part: str, lim: Limits | folding.Budget, style_choice: bool = MEMORY_STYLE_CHOICE,
         cache: EvalCache | None = None) -> tuple[list[Option], bool]:
    """Reset the folding, enumerate with our model and apply the fastest folding within ``lim`` (its
    DWC edges taken from ``model`` unless given); ``cache`` may be shared by runs on the same graph."""
    if isinstance(lim, folding.Budget):
        lim = Limits(lim.lut, lim.bram36)
    if not lim.links:
        lim = Limits(lim.lut, lim.bram36, lim.dsp, lim.min_fmax, links(model))
    folding._reset(model)
    units = enumerate_units(model, part, style_choice, cache)
    picks, fits = optimize(units, lim)
    for p in picks:
        _apply_settings(model, p.settings)
    return picks, fits


def step_folding(model: Any, ctx: Any) -> Any:
    """Build step "folding" on our model: ``auto`` uses :func:`fold`; other modes are FINN's step."""
    from pcnn_hw.resources.stale import fit_status

    if ctx.folding.mode != "auto":
        return folding.apply_folding(model, ctx)
    status = fit_status()
    if not status.fresh:
        ctx.warn(status.message())
    lim = limits_for(ctx)
    picks, fits = fold(model, ctx.fpga_part, lim)
    if not fits:
        ctx.warn("no folding fits the budget by our resource model; using the cheapest folding")
    for p in picks:
        if _fmax(p) < lim.min_fmax:
            ctx.warn(f"no folding of {', '.join(p.settings) or 'a unit'} reaches the estimated fmax "
                     f"{lim.min_fmax:g} MHz ({FMAX_MARGIN:g} x {ctx.clock_mhz:g} MHz); best "
                     f"{_fmax(p):.1f} MHz (resources/fmax.py)")
    folding.check_folding(model)
    text = json.dumps(folding.folding_config(model), indent=2) + "\n"
    (ctx.work_dir / "folding_config.json").write_text(text)
    return model


def with_resource_model(steps: tuple[Any, ...], which: str) -> tuple[Any, ...]:
    """``steps`` with the folding step on resource model ``which`` ('ours' | 'finn'; the default step
    already dispatches on ``FoldingSpec.resource_model``, kept for callers that pass steps)."""
    if which == "finn":
        return tuple(steps)
    from pcnn_hw.compile.steps import Step

    return tuple(Step(s.name, step_folding, s.doc) if s.name == "folding" else s for s in steps)
