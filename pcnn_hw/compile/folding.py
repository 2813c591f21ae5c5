"""Folding (PE/SIMD per layer): FINN's SetFolding, our budget optimizer, maximum, or a config file.

The folding rules are written once per layer kind, in ``pcnn_hw/layers/<kind>/fold.py`` (a
`pcnn_hw.layers.fold.FoldRules` object, found through :mod:`pcnn_hw.layers.registry` by op type):
what PE/SIMD must divide (e.g. MVAU: SIMD | MW, PE | MH), the rules beyond divisibility (a sliding
window's ``parallel_window`` needs SIMD == IFMChannels; a Pool's PE equals its sliding window's SIMD,
the two folded as one unit), the optimizer's extra options (MVAU ``ram_style``) and resets. An op type
with no registered kind has no folding attributes.
"""

from __future__ import annotations

import bisect
import json
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from pcnn_hw.compile.context import BuildContext
from pcnn_hw.compile.folding_file import apply_config_file  # noqa: F401 - --folding FILE (re-exported)
from pcnn_hw.core.datatypes import base_op_type as base_op  # noqa: F401 - the one _hls/_rtl stripper (#11)
from pcnn_hw.errors import ConfigError, FoldingError
from pcnn_hw.layers.fold import FoldRules, divisors
from pcnn_hw.layers.registry import find_backend

FOLD_ATTRS = ("PE", "SIMD", "parallel_window", "ram_style")
_NO_RULES = FoldRules()


def _divisors(n: int) -> list[int]:
    return divisors(n)


def kind_fold(node: Any) -> FoldRules:
    """The folding rules of ``node``'s layer kind (none for an op type with no registered kind)."""
    return find_backend(node.op_type, "fold") or _NO_RULES


_WRAPPERS: OrderedDict[int, tuple[Any, tuple[str, str], Any]] = OrderedDict()
_WRAPPERS_MAX = 4096


def _inst(node: Any) -> Any:
    """qonnx's custom-op wrapper of ``node``, made once per node object (an LRU of the last
    :data:`_WRAPPERS_MAX`; a node whose op type or domain changed gets a new one). The wrapper's
    ``get_nodeattr_types`` (a static dict that FINN rebuilds through its class chain on every
    ``get_nodeattr``) is computed once and served read-only: the folding search reads attributes tens of
    thousands of times (benchmarks/results/fold_opt.md)."""
    from qonnx.custom_op.registry import getCustomOp

    kind = (node.op_type, node.domain)
    hit = _WRAPPERS.get(id(node))
    if hit is not None and hit[0] is node and hit[1] == kind:
        _WRAPPERS.move_to_end(id(node))
        return hit[2]
    inst = getCustomOp(node)
    types = MappingProxyType(inst.get_nodeattr_types())
    inst.get_nodeattr_types = lambda: types
    _WRAPPERS[id(node)] = (node, kind, inst)
    if len(_WRAPPERS) > _WRAPPERS_MAX:
        _WRAPPERS.popitem(last=False)
    return inst


def fold_rules(node: Any) -> dict[str, tuple[str, int]]:
    """The folding attributes of ``node`` and what each must divide: {attr: (dimension name, value)}."""
    return kind_fold(node).rules(node, _inst(node))


def check_folding(model: Any) -> None:
    """Raise FoldingError naming the layer and values for the first broken divisibility rule."""
    for node in model.graph.node:
        inst = _inst(node)
        for attr, (dim, value) in fold_rules(node).items():
            f = int(inst.get_nodeattr(attr))
            if f < 1 or value % f != 0:
                raise FoldingError(
                    f"layer {node.name} ({node.op_type}): {dim} % {attr} != 0 ({dim}={value}, {attr}={f}); "
                    f"valid {attr} values: {_divisors(value)}"
                )
        kind_fold(node).check(node, inst, model, _inst)


# ----------------------------------------------------------------------------- estimates


def node_estimate(node: Any, fpga_part: str) -> dict[str, float]:
    """FINN's own cycle and resource estimates of one HW node with its current folding."""
    inst = _inst(node)
    res = inst.node_res_estimation(fpga_part)
    return {
        "cycles": int(inst.get_exp_cycles()),
        "LUT": float(res.get("LUT", 0)),
        "BRAM_18K": float(res.get("BRAM_18K", 0)),
        "URAM": float(res.get("URAM", 0)),
        "DSP": float(res.get("DSP", 0)),
    }


def totals(model: Any, fpga_part: str) -> dict[str, float]:
    """Sum of FINN's estimates over all nodes, plus the maximum cycles (the bottleneck)."""
    tot = {"LUT": 0.0, "BRAM_18K": 0.0, "URAM": 0.0, "DSP": 0.0, "max_cycles": 0}
    for node in model.graph.node:
        est = node_estimate(node, fpga_part)
        for k in ("LUT", "BRAM_18K", "URAM", "DSP"):
            tot[k] += est[k]
        tot["max_cycles"] = max(tot["max_cycles"], est["cycles"])
    return tot


# ----------------------------------------------------------------------------- optimizer


@dataclass
class Option:
    """One folding choice of a unit: attribute settings per node, with its estimates."""

    settings: dict[str, dict[str, int]]
    cycles: int
    lut: float
    bram: float  # BRAM36 equivalents
    uram: float
    dsp: float
    par: int = 1  # total parallelism (PE*SIMD); tie-breaker where FINN models no resources


@dataclass
class Unit:
    """Nodes folded together (a Pool and the sliding window feeding it), with their options."""

    nodes: list[Any]
    options: list[Option] = field(default_factory=list)


def _units(model: Any) -> list[Unit]:
    coupled: dict[str, Any] = {}
    for node in model.graph.node:
        prod = kind_fold(node).coupled_producer(node, model)
        if prod is not None:
            coupled[prod.name] = node
    units, seen = [], set()
    for node in model.graph.node:
        if node.name in seen:
            continue
        if node.name in coupled:
            pool = coupled[node.name]
            units.append(Unit([node, pool]))
            seen.update({node.name, pool.name})
        elif fold_rules(node) or node.name not in seen:
            units.append(Unit([node]))
            seen.add(node.name)
    return units


def _candidate_settings(unit: Unit) -> list[dict[str, dict[str, int]]]:
    nodes = unit.nodes
    if len(nodes) == 2:  # a producer folded with its consumer (sliding window + pool)
        prod, node = nodes
        return kind_fold(node).pair_options(prod, node, _inst(node))
    node = nodes[0]
    rules = fold_rules(node)
    if not rules:
        return [{}]
    out: list[dict[str, dict[str, int]]] = [{}]
    for attr, (_, value) in rules.items():
        out = [{node.name: {**o.get(node.name, {}), attr: d}} for o in out for d in _divisors(value)]
    return kind_fold(node).options(node, _inst(node), out)


def _apply_settings(model: Any, settings: dict[str, dict[str, int]]) -> None:
    for name, attrs in settings.items():
        inst = _inst(model.get_node_from_name(name))
        for attr, v in attrs.items():
            inst.set_nodeattr(attr, v if isinstance(v, str) else int(v))


def _evaluate(model: Any, unit: Unit, settings: dict[str, dict[str, int]], part: str) -> Option:
    _apply_settings(model, settings)
    cyc, lut, bram, uram, dsp = 0, 0.0, 0.0, 0.0, 0.0
    for node in unit.nodes:
        est = node_estimate(node, part)
        cyc = max(cyc, est["cycles"])
        lut += est["LUT"]
        bram += est["BRAM_18K"] / 2
        uram += est["URAM"]
        dsp += est["DSP"]
    par = 1
    for attrs in settings.values():
        for v in attrs.values():
            par *= max(1, int(v)) if isinstance(v, int) and v else 1
    return Option(settings, cyc, lut, bram, uram, dsp, par)


def _pareto(options: list[Option]) -> list[Option]:
    """Keep options not dominated in (cycles, LUT, BRAM); sorted by cycles, deterministic."""
    opts = sorted(
        options, key=lambda o: (o.cycles, o.lut, o.bram, o.par, json.dumps(o.settings, sort_keys=True))
    )
    keep: list[Option] = []
    for o in opts:
        if any(k.cycles <= o.cycles and k.lut <= o.lut and k.bram <= o.bram and k.par <= o.par for k in keep):
            continue
        keep.append(o)
    return keep


def enumerate_units(model: Any, part: str) -> list[Unit]:
    """All fold units of ``model`` with their Pareto-optimal options (FINN's estimates)."""
    units = _units(model)
    for unit in units:
        saved = {
            n.name: {a: _inst(n).get_nodeattr(a) for a in FOLD_ATTRS if a in _inst(n).get_nodeattr_types()}
            for n in unit.nodes
        }
        unit.options = _pareto([_evaluate(model, unit, s, part) for s in _candidate_settings(unit)])
        _apply_settings(model, saved)
    return units


@dataclass(frozen=True)
class Budget:
    """Resource limits for the optimizer (LUTs and BRAM36)."""

    lut: float
    bram36: float


# Weights of BRAM against LUT in the per-unit cost; several are tried for every cycle target.
_BRAM_WEIGHTS = (0.0, *(10 ** (k / 4) for k in range(-8, 13)), 1e6)


def _pick(units: list[Unit], target: int, budget: Budget, w: float = 1.0) -> list[Option] | None:
    """Per unit the cheapest option meeting ``target`` cycles; None if a unit cannot meet it.

    Cost = LUT/LUT budget + w * BRAM/BRAM budget; ties go to less parallelism, then fewer cycles.
    """
    picks = []
    for u in units:
        ok = [o for o in u.options if o.cycles <= target]
        if not ok:
            return None
        picks.append(
            min(
                ok,
                key=lambda o: (o.lut / budget.lut + w * o.bram / max(budget.bram36, 1e-9), o.par, o.cycles),
            )
        )
    return picks


def _pick_fitting(units: list[Unit], target: int, budget: Budget) -> list[Option] | None:
    for w in _BRAM_WEIGHTS:
        picks = _pick(units, target, budget, w)
        if picks is None:
            return None
        if _fits(picks, budget):
            return picks
    return None


def _fits(picks: list[Option], budget: Budget) -> bool:
    return sum(o.lut for o in picks) <= budget.lut and sum(o.bram for o in picks) <= budget.bram36


def smallest_fitting(units: list[Unit], pick_at: Callable[[int], list[Option] | None]) -> list[Option] | None:
    """Binary search for the smallest achievable bottleneck cycle count whose picks fit: the targets are
    the units' option cycle counts from the largest per-unit minimum up, ``pick_at(target)`` returns
    the picks meeting ``target`` within the limits or None (assumed monotone in the target); None when
    no target fits. Shared by this module's and :mod:`pcnn_hw.compile.fold_opt`'s optimizers."""
    targets = sorted({o.cycles for u in units for o in u.options})
    lo_bound = max(min(o.cycles for o in u.options) for u in units)
    targets = targets[bisect.bisect_left(targets, lo_bound) :]
    best: list[Option] | None = None
    lo, hi = 0, len(targets) - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        picks = pick_at(targets[mid])
        if picks is not None:
            best, hi = picks, mid - 1
        else:
            lo = mid + 1
    return best


def optimize(units: list[Unit], budget: Budget) -> tuple[list[Option], bool]:
    """Smallest achievable bottleneck cycle count whose cheapest folding fits ``budget``.

    Binary search over the achievable cycle counts (:func:`smallest_fitting`); returns (picks, fits).
    When nothing fits, the cheapest (slowest) folding is returned with fits=False.
    """
    best = smallest_fitting(units, lambda target: _pick_fitting(units, target, budget))
    if best is not None:
        return best, True
    return _least_over(units, budget), False


def _least_over(units: list[Unit], budget: Budget) -> list[Option]:
    """When nothing fits: the weighting whose cheapest folding overshoots the budget the least."""
    best, best_over = None, float("inf")
    for w in _BRAM_WEIGHTS:
        picks = [_cheapest(u.options, budget, w) for u in units]
        lut = sum(o.lut for o in picks) / budget.lut
        over = max(lut, sum(o.bram for o in picks) / max(budget.bram36, 1e-9))
        if over < best_over:
            best, best_over = picks, over
    assert best is not None
    return best


def _cheapest(options: list[Option], budget: Budget, w: float) -> Option:
    return min(
        options, key=lambda o: (o.lut / budget.lut + w * o.bram / max(budget.bram36, 1e-9), o.par, o.cycles)
    )


# ----------------------------------------------------------------------------- entry point


def budget_for(ctx: BuildContext) -> Budget:
    """The optimizer's budget on ``ctx``'s board."""
    return Budget(ctx.board.lut * ctx.folding.lut_fraction, ctx.board.bram36 * ctx.folding.bram_fraction)


def _reset(model: Any) -> None:
    for node in model.graph.node:
        inst = _inst(node)
        types = inst.get_nodeattr_types()
        for attr in ("PE", "SIMD"):
            if attr in types:
                inst.set_nodeattr(attr, 1)
        kind_fold(node).reset(node, inst)


def folding_config(model: Any) -> dict:
    """The folding of ``model`` in FINN's folding-config format (loadable with --folding FILE)."""
    cfg: dict = {"Defaults": {}}
    for node in model.graph.node:
        inst = _inst(node)
        types = inst.get_nodeattr_types()
        extra = kind_fold(node).extra_attrs
        attrs = [a for a in FOLD_ATTRS if a in types and (a != "ram_style" or a in extra)]
        entry = {a: inst.get_nodeattr(a) for a in attrs}
        entry = {a: v if isinstance(v, str) else int(v) for a, v in entry.items()}
        if entry:
            cfg[node.name] = entry
    return cfg


def apply_folding(model: Any, ctx: BuildContext) -> Any:
    """Fold ``model`` as ``ctx.folding`` asks; validate divisibility; warn when over the budget."""
    spec = ctx.folding
    part = ctx.fpga_part
    if spec.mode == "target_fps":
        from finn.transformation.fpgadataflow.set_folding import SetFolding

        target_cycles = max(1, int(ctx.clock_mhz * 1e6 / spec.target_fps))
        model = model.transform(SetFolding(target_cycles, mvau_wwidth_max=36, two_pass_relaxation=True))
    elif spec.mode == "file":
        model = apply_config_file(model, spec.path)
    elif spec.mode in ("auto", "max"):
        _reset(model)
        units = enumerate_units(model, part)
        if spec.mode == "max":
            picks = [min(u.options, key=lambda o: (o.cycles, o.lut, o.bram)) for u in units]
        else:
            picks, fits = optimize(units, budget_for(ctx))
            if not fits:
                ctx.warn("no folding fits the budget; using the cheapest folding")
        for p in picks:
            _apply_settings(model, p.settings)
    else:
        raise ConfigError(f"--folding: unknown mode {spec.mode!r}; use auto, max, FILE.json or --target-fps")
    check_folding(model)
    _warn_budget(model, ctx)
    (ctx.work_dir / "folding_config.json").write_text(json.dumps(folding_config(model), indent=2) + "\n")
    return model


def _warn_budget(model: Any, ctx: BuildContext) -> None:
    tot = totals(model, ctx.fpga_part)
    b = ctx.board
    lut_lim = b.lut * ctx.folding.lut_fraction
    for what, used, limit, full in (
        ("LUT", tot["LUT"], lut_lim, b.lut),
        ("BRAM36", tot["BRAM_18K"] / 2, b.bram36 * ctx.folding.bram_fraction, b.bram36),
    ):
        if used > limit:
            ctx.warn(
                f"folding is over the {b.name} budget: {what} {used:,.0f} of {limit:,.0f} allowed "
                f"({used / limit - 1:+.0%}; {used / full:.0%} of the device's {full:,.0f})"
            )
