"""Folding optimizer on our resource model (issue #12, deliverable 2): the same search as
:mod:`pcnn_hw.compile.folding` (fold units, Pareto options, binary search on the bottleneck cycles under
the LUT/BRAM budget, every divisibility rule of ``_candidate_settings``), with each option's LUT and
BRAM from :mod:`pcnn_hw.resources` (fitted to Yosys on our RTL) instead of FINN's HLS estimates.

Cycles stay FINN's (``get_exp_cycles``; our RTL meets them, benchmarks/results/rtl_cnv.md). Each
layer's RTL view is made once (:func:`pcnn_hw.rtl.spec.rtl_layers` at the reset folding) and re-derived
per candidate by :mod:`pcnn_hw.resources.shapes`, so no ROM is regenerated per option. The weight
memory style follows the RTL's rule (block from 128 words), so FINN's ``ram_style`` choices collapse.
FIFOs and width converters are not part of any unit (the stitcher sizes them after folding).
"""

from __future__ import annotations

import math
from typing import Any

from pcnn_hw.compile import folding
from pcnn_hw.compile.folding import Budget, Option, Unit, _apply_settings, _candidate_settings, _inst, _pareto
from pcnn_hw.core.hwspec import RtlLayer
from pcnn_hw.resources import Resources, estimate_parts
from pcnn_hw.resources.columns import rtl_bases
from pcnn_hw.resources.shapes import Shape, mvau_shape, simple_shape, swg_shape, thresholding_shape

RESOURCE_MODELS = ("ours", "finn")


def _swg_par_shape(base: RtlLayer, node: Any) -> Shape:
    inst = _inst(node)
    geo = {k: base.params[k] for k in ("IH", "IW", "KH", "KW", "SH", "SW", "DH", "DW")}
    return "pcnn_swg_par", {"PIX": int(inst.get_nodeattr("IFMChannels")) * base.inp.fmt.bits, **geo}, []


def _swg_std_shape(base: RtlLayer, node: Any, simd: int) -> Shape:
    inst = _inst(node)
    oh, ow = (int(v) for v in inst.get_nodeattr("OFMDim"))
    geo = {k: base.params[k] for k in ("IH", "IW", "KH", "KW", "SH", "SW", "DH", "DW")}
    p = {"OH": oh, "OW": ow, "DEPTHWISE": int(inst.get_nodeattr("depthwise")), "BEAT": 1, "CF": 1, "AW": 2,
         **geo}
    return swg_shape(p, base.inp.fmt.bits, int(inst.get_nodeattr("IFMChannels")), simd)


def shape_at(base: RtlLayer, node: Any) -> Shape | None:
    """Module, parameters and ROM shapes of ``node`` at its current attributes (None: not modelled)."""
    inst = _inst(node)
    types = inst.get_nodeattr_types()
    attr = {a: int(inst.get_nodeattr(a)) for a in ("PE", "SIMD", "parallel_window") if a in types}
    m = base.module
    if m == "pcnn_mvau":
        return mvau_shape(base.params, attr["PE"], attr["SIMD"])
    if m == "pcnn_thresholding":
        return thresholding_shape(base.params, attr["PE"])
    if m in ("pcnn_swg", "pcnn_swg_par"):
        if attr.get("parallel_window", 0) and not int(inst.get_nodeattr("depthwise")):
            return _swg_par_shape(base, node)
        return _swg_std_shape(base, node, attr["SIMD"])
    if m in ("pcnn_pool", "pcnn_labelselect"):
        return simple_shape(m, base.params, attr["PE"])
    return None


def _evaluate(model: Any, unit: Unit, settings: dict[str, dict[str, Any]], bases: dict[str, RtlLayer],
              part: str) -> Option:
    _apply_settings(model, settings)
    cyc = 0
    res = Resources()
    for node in unit.nodes:
        cyc = max(cyc, int(_inst(node).get_exp_cycles()))
        base = bases.get(node.name)
        shape = shape_at(base, node) if base is not None else None
        if shape is None:  # no RTL of ours for this node: FINN's estimate
            est = folding.node_estimate(node, part)
            res = res + Resources(est["LUT"], 0.0, int(est["BRAM_18K"]), 0, est["DSP"])
        else:
            res = res + estimate_parts(*shape)
    par = math.prod(int(v) for a in settings.values() for k, v in a.items() if k in ("PE", "SIMD"))
    return Option(settings, cyc, res.lut, res.bram36, 0.0, res.dsp, max(par, 1))


def enumerate_units(model: Any, part: str) -> list[Unit]:
    """Fold units with their Pareto-optimal options, resources by our model (``ram_style`` left as is)."""
    units = folding._units(model)
    bases = rtl_bases(model)
    for unit in units:
        saved = {n.name: {a: _inst(n).get_nodeattr(a) for a in folding.FOLD_ATTRS
                          if a in _inst(n).get_nodeattr_types()} for n in unit.nodes}
        cands = []
        seen = set()
        for s in _candidate_settings(unit):
            s = {n: {k: v for k, v in a.items() if k != "ram_style"} for n, a in s.items()}
            key = repr(sorted((n, sorted(a.items())) for n, a in s.items()))
            if key not in seen:
                seen.add(key)
                cands.append(_evaluate(model, unit, s, bases, part))
        unit.options = _pareto(cands)
        _apply_settings(model, saved)
    return units


def fold(model: Any, part: str, budget: Budget) -> tuple[list[Option], bool]:
    """Reset the folding, enumerate with our model and pick the fastest folding within ``budget``."""
    folding._reset(model)
    units = enumerate_units(model, part)
    picks, fits = folding.optimize(units, budget)
    for p in picks:
        _apply_settings(model, p.settings)
    return picks, fits


def step_folding(model: Any, ctx: Any) -> Any:
    """Build step "folding" on our model: ``auto`` uses :func:`fold`; other modes are FINN's step."""
    import json

    if ctx.folding.mode != "auto":
        return folding.apply_folding(model, ctx)
    _picks, fits = fold(model, ctx.fpga_part, folding.budget_for(ctx))
    if not fits:
        ctx.warn("no folding fits the budget by our resource model; using the cheapest folding")
    folding.check_folding(model)
    text = json.dumps(folding.folding_config(model), indent=2) + "\n"
    (ctx.work_dir / "folding_config.json").write_text(text)
    return model


def with_resource_model(steps: tuple[Any, ...], which: str) -> tuple[Any, ...]:
    """``steps`` with the folding step on resource model ``which`` ('ours' | 'finn')."""
    if which == "finn":
        return tuple(steps)
    from pcnn_hw.compile.steps import Step

    return tuple(Step(s.name, step_folding, s.doc) if s.name == "folding" else s for s in steps)
