"""Per-option evaluation of the folding optimizer (:mod:`pcnn_hw.compile.fold_opt`) on our resource model,
memoised per node.

A node's cycles, resources (the layer by :mod:`pcnn_hw.resources`, FINN's estimate where we have no RTL,
plus the stitcher's depth-2 FIFO in front of it), estimated fmax and stream ends depend only on the
node's attributes (its folding and ``ram_style`` included), its RTL view and the FPGA part, so
:class:`EvalCache` keys them by (part, the node's serialized NodeProto after the candidate's settings are
applied, the RTL view's module / parameters / stream bits): equal keys are the same node at the same
folding and style, and re-use is exact (the unit's sum is re-formed in the same order as without the
cache, so every float is the same). One cache may serve several optimizer runs on the same graph
(e.g. a budget sweep): the enumeration does not depend on the budget.

:func:`shape_bases` is :func:`pcnn_hw.resources.columns.rtl_bases` without the ROM texts (the optimizer
needs the module, parameters and ROM shapes only; rendering the ROM contents was most of its time).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from pcnn_hw.compile import folding
from pcnn_hw.compile.fold_limits import Choice
from pcnn_hw.compile.folding import Unit, _apply_settings, _inst
from pcnn_hw.core.hwspec import Rom, RtlLayer
from pcnn_hw.resources import Resources, estimate_parts
from pcnn_hw.resources.fmax import fmax_mhz
from pcnn_hw.resources.shapes import (
    Shape,
    in_width,
    mvau_shape,
    residual_shape,
    simple_shape,
    swg_shape,
    thresholding_shape,
)


def shape_rom(layer: str, port: str, what: str, fields: np.ndarray, field_bits: int,
              style: str = "auto") -> tuple[Rom, str]:
    """:func:`pcnn_hw.rtl.spec.make_rom` without the Verilog text (the ROM's shape and style only)."""
    from pcnn_hw.rtl.rom import rom_module_name

    rows, n = np.asarray(fields).shape
    return Rom(rom_module_name(layer, port), port, n * field_bits, rows, style), ""


def shape_bases(model: Any) -> dict[str, RtlLayer]:
    """RTL view of every HW node by name, as :func:`pcnn_hw.resources.columns.rtl_bases` but with ROMs
    made by :func:`shape_rom` on chains (a graph with forks and joins takes ``rtl_bases`` itself)."""
    from pcnn_hw.core.streams import fmt_of_datatype
    from pcnn_hw.graph import DataflowGraph
    from pcnn_hw.resources.columns import rtl_bases
    from pcnn_hw.rtl.spec import rtl_layers
    from pcnn_hw.sim.executor import Simulator

    proto = model.model if hasattr(model, "model") else model
    sim = Simulator(proto)
    if not DataflowGraph.from_model(proto, memory=sim.memory or None).is_chain:
        return rtl_bases(model)
    return {r.name: r for r in rtl_layers(sim.layers, fmt_of_datatype(sim.input_dtype), rom_maker=shape_rom)}


def _swg_geo(base: RtlLayer) -> dict[str, Any]:
    return {k: base.params[k] for k in ("IH", "IW", "KH", "KW", "SH", "SW", "DH", "DW")}


def shape_at(base: RtlLayer, node: Any) -> Shape | None:
    """Module, parameters and ROM shapes of ``node`` at its current attributes (None: not modelled);
    an MVAU's ``ram_style`` block/distributed overrides the depth rule of its weight ROM."""
    inst = _inst(node)
    types = inst.get_nodeattr_types()
    attr = {a: int(inst.get_nodeattr(a)) for a in ("PE", "SIMD", "parallel_window") if a in types}
    m = base.module
    if m == "pcnn_mvau":
        m, p, roms = mvau_shape(base.params, attr["PE"], attr["SIMD"])
        style = inst.get_nodeattr("ram_style") if "ram_style" in types else "auto"
        if style in ("block", "distributed"):
            roms[0] = (roms[0][0], roms[0][1], style)
        return m, p, roms
    if m == "pcnn_thresholding":
        return thresholding_shape(base.params, attr["PE"])
    if m in ("pcnn_swg", "pcnn_swg_par"):
        chans = int(inst.get_nodeattr("IFMChannels"))
        if attr.get("parallel_window", 0) and not int(inst.get_nodeattr("depthwise")):
            return "pcnn_swg_par", {"PIX": chans * base.inp.fmt.bits, **_swg_geo(base)}, []
        oh, ow = (int(v) for v in inst.get_nodeattr("OFMDim"))
        p = {"OH": oh, "OW": ow, "DEPTHWISE": int(inst.get_nodeattr("depthwise")), "BEAT": 1, "CF": 1,
             "AW": 2, **_swg_geo(base)}
        return swg_shape(p, base.inp.fmt.bits, chans, attr["SIMD"])
    if m in ("pcnn_pool", "pcnn_labelselect"):
        return simple_shape(m, base.params, attr["PE"])
    if m in ("pcnn_duplicate", "pcnn_addstreams", "pcnn_globalpool"):
        return residual_shape(m, base.params, base.inp.fmt.bits, attr["PE"])
    if m == "pcnn_fmpadding":
        return residual_shape(m, base.params, base.inp.fmt.bits, attr["SIMD"])
    return None


def _ends(node: Any, base: RtlLayer | None, shape: Shape | None) -> tuple[int, int, int]:
    """(input elements per beat, output elements per beat, output element bits) of ``node`` as our RTL
    streams it: FINN's folded shapes, our RTL's element width (an MVAU without activation writes its
    accumulator, whose width follows SIMD)."""
    inst = _inst(node)
    try:
        ie, oe = int(inst.get_folded_input_shape()[-1]), int(inst.get_folded_output_shape()[-1])
    except (AttributeError, NotImplementedError, KeyError, IndexError):  # not a streaming HW node
        return 0, 0, 0
    bits = base.out.fmt.bits if base is not None else int(inst.get_output_datatype().bitwidth())
    if shape is not None and shape[0] == "pcnn_mvau":
        bits = int(shape[1]["OUT_BITS"])
    return ie, oe, bits


@dataclass(frozen=True)
class NodeEval:
    """One node at one folding: its cycles, the resource parts in the order they are summed (the layer,
    then its input FIFO), the least fmax of its parts (inf: none modelled) and its stream ends."""

    cycles: int
    parts: tuple[Resources, ...]
    fmax: float
    ends: tuple[int, int, int]


def node_eval(node: Any, base: RtlLayer | None, part: str) -> NodeEval:
    """Evaluate ``node`` at its current attributes (see the module docstring)."""
    cyc = int(_inst(node).get_exp_cycles())
    shape = shape_at(base, node) if base is not None else None
    ends = _ends(node, base, shape)
    if shape is None:  # no RTL of ours for this node: FINN's estimate
        est = folding.node_estimate(node, part)
        res = Resources(est["LUT"], 0.0, int(est["BRAM_18K"]), 0, est["DSP"])
        return NodeEval(cyc, (res,), math.inf, ends)
    parts, fmax = [estimate_parts(*shape)], fmax_mhz(*shape, part)
    w = in_width(shape[0], shape[1])
    if w:  # the stitcher's FIFO in front of the node (depth 2 before the RTL step sizes it)
        fifo = ("pcnn_fifo", {"WIDTH": w, "DEPTH": 2}, [])
        parts.append(estimate_parts(*fifo))
        fmax = min(fmax, fmax_mhz(*fifo, part))
    return NodeEval(cyc, tuple(parts), fmax, ends)


class EvalCache:
    """Memo of :func:`node_eval` by (part, node, RTL view); ``hits`` / ``misses`` count look-ups."""

    def __init__(self) -> None:
        self._memo: dict[tuple[str, bytes, str], NodeEval] = {}
        self._base_keys: dict[int, tuple[RtlLayer | None, str]] = {}
        self.hits = self.misses = 0

    def _base_key(self, base: RtlLayer | None) -> str:
        got = self._base_keys.get(id(base))
        if got is not None and got[0] is base:
            return got[1]
        key = "-" if base is None else json.dumps(
            [base.module, base.params, base.inp.fmt.bits, base.out.fmt.bits], sort_keys=True, default=str)
        self._base_keys[id(base)] = (base, key)
        return key

    def get(self, node: Any, base: RtlLayer | None, part: str) -> NodeEval:
        """``node_eval(node, base, part)``, computed once per key."""
        key = (part, node.SerializeToString(deterministic=True), self._base_key(base))
        got = self._memo.get(key)
        if got is None:
            self.misses += 1
            got = self._memo[key] = node_eval(node, base, part)
        else:
            self.hits += 1
        return got


def evaluate(model: Any, unit: Unit, settings: dict[str, dict[str, Any]], bases: dict[str, RtlLayer],
             part: str, cache: EvalCache) -> Choice:
    """The :class:`Choice` of ``unit`` at ``settings`` (applied to ``model``): bottleneck cycles, summed
    resources, least fmax, parallelism and stream ends."""
    _apply_settings(model, settings)
    cyc, fmax = 0, math.inf
    res = Resources()
    ends = {}
    for node in unit.nodes:
        ev = cache.get(node, bases.get(node.name), part)
        cyc = max(cyc, ev.cycles)
        ends[node.name] = ev.ends
        for p in ev.parts:
            res = res + p
        fmax = min(fmax, ev.fmax)
    par = math.prod(int(v) for a in settings.values() for k, v in a.items() if k in ("PE", "SIMD"))
    return Choice(settings, cyc, res.lut, res.bram36, 0.0, res.dsp, max(par, 1), fmax, ends)
