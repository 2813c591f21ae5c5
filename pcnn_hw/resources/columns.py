"""Our model's numbers beside FINN's estimate in the build report (``report.json`` layers get
``model_LUT``, ``model_FF``, ``model_BRAM36``, ``model_DSP``; :func:`model_notes` adds the stale-fit
note when fit.json was made on other RTL)."""

from __future__ import annotations

from typing import Any

from pcnn_hw.core.hwspec import RtlLayer
from pcnn_hw.resources.model import estimate, load_fit


def rtl_bases(model: Any) -> dict[str, RtlLayer]:
    """RTL view (pcnn_hw.rtl.spec) of every HW node of a folded ModelWrapper / ModelProto, by node name;
    chains through `rtl_layers`, graphs with forks and joins through the dataflow graph's edges
    (`pcnn_hw.rtl.graphrtl.graph_rtl`, which gives a join both input formats)."""
    from pcnn_hw.core.streams import fmt_of_datatype
    from pcnn_hw.graph import DataflowGraph
    from pcnn_hw.rtl.graphrtl import graph_rtl
    from pcnn_hw.rtl.spec import rtl_layers
    from pcnn_hw.sim.executor import Simulator

    proto = model.model if hasattr(model, "model") else model
    sim = Simulator(proto)
    fin = fmt_of_datatype(sim.input_dtype)
    graph = DataflowGraph.from_model(proto, memory=sim.memory or None)
    layers = rtl_layers(sim.layers, fin) if graph.is_chain else graph_rtl(graph, fin)[0]
    return {r.name: r for r in layers}


def model_columns(model: Any) -> dict[str, dict[str, float]]:
    """{node name: {model_LUT, model_FF, model_BRAM36, model_DSP}} for every node with an RTL template;
    {} when the graph has no RTL view (a layer without template: the report keeps FINN's numbers only)."""
    from pcnn_hw.errors import PcnnHwError

    try:
        bases = rtl_bases(model)
        fit = load_fit()
    except (PcnnHwError, KeyError, ValueError):  # a report column must never fail a build
        return {}
    out = {}
    for name, r in bases.items():
        try:
            e = estimate(r, fit)
        except PcnnHwError:  # a kind the fit does not cover: FINN's numbers only
            continue
        out[name] = {"model_LUT": round(e.lut), "model_FF": round(e.ff), "model_BRAM36": e.bram36,
                     "model_DSP": round(e.dsp)}
    return out


def model_notes() -> list[str]:
    """Report notes of the resource model: the stale-fit line when fit.json no longer matches the RTL
    (:func:`pcnn_hw.resources.stale.fit_status`), else nothing."""
    from pcnn_hw.errors import PcnnHwError
    from pcnn_hw.resources.stale import fit_status

    try:
        status = fit_status()
    except (PcnnHwError, OSError, ValueError):  # a report note must never fail a build
        return []
    return [] if status.fresh else [status.message()]
