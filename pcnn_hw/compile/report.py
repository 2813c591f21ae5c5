"""The build report: per-layer folding, cycles and FINN's resource estimates, totals, FPS, latency.

Written as ``report.json`` (machine-readable) and ``report.md`` (for people) in the build directory.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pcnn_hw.compile.context import BuildContext
from pcnn_hw.compile.folding import base_op, node_estimate
from pcnn_hw.core.buildreport import to_markdown


def _wmem(inst: Any, op: str, node: Any, model: Any) -> dict | None:
    if op != "MVAU":
        return None
    pe, simd = int(inst.get_nodeattr("PE")), int(inst.get_nodeattr("SIMD"))
    wbits = inst.get_input_datatype(1).bitwidth()
    return {"depth": int(inst.calc_wmem()), "width": pe * simd * wbits}


def make_report(model: Any, ctx: BuildContext) -> dict:
    """Collect the report dict of a folded model (FINN's estimates at the board's part and clock)."""
    from finn.analysis.fpgadataflow.dataflow_performance import dataflow_performance
    from qonnx.custom_op.registry import getCustomOp

    layers = []
    for node in model.graph.node:
        inst = getCustomOp(node)
        types = inst.get_nodeattr_types()
        op = base_op(node.op_type)
        est = node_estimate(node, ctx.fpga_part)
        row: dict = {"name": node.name, "op_type": node.op_type}
        for a in ("PE", "SIMD", "MW", "MH"):
            row[a] = int(inst.get_nodeattr(a)) if a in types else None
        if "parallel_window" in types:
            row["parallel_window"] = int(inst.get_nodeattr("parallel_window"))
        row.update(
            cycles=est["cycles"],
            LUT=est["LUT"],
            BRAM36=est["BRAM_18K"] / 2,
            URAM=est["URAM"],
            DSP=est["DSP"],
            weight_mem=_wmem(inst, op, node, model),
        )
        row["modelled"] = op not in ("Pool", "LabelSelect", "StreamingMaxPool")
        layers.append(row)
    from pcnn_hw.resources.columns import model_columns, model_notes  # our model beside FINN's (#12)

    ours = model_columns(model)
    for row in layers:
        row.update(ours.get(row["name"], {}))
    perf = model.analysis(dataflow_performance)
    max_cycles = max(r["cycles"] for r in layers)
    bottleneck = next(r["name"] for r in layers if r["cycles"] == max_cycles)
    tot = {k: sum(r[k] for r in layers) for k in ("LUT", "BRAM36", "URAM", "DSP")}
    b = ctx.board
    hz = ctx.clock_mhz * 1e6
    inp = model.graph.input[0].name
    out = model.graph.output[0].name
    return {
        "board": b.to_dict(),
        "clock_mhz": ctx.clock_mhz,
        "folding": ctx.folding.describe(),
        "input": {
            "shape": list(model.get_tensor_shape(inp)),
            "datatype": str(model.get_tensor_datatype(inp)),
            "layout": ctx.info.get("input_layout", "flat"),
        },
        "output": {
            "shape": list(model.get_tensor_shape(out)),
            "datatype": str(model.get_tensor_datatype(out)),
        },
        "layers": layers,
        "totals": tot,
        "utilization": {
            "LUT": tot["LUT"] / b.lut,
            "BRAM36": tot["BRAM36"] / b.bram36,
            "DSP": tot["DSP"] / b.dsp if b.dsp else 0.0,
        },
        "bottleneck": {"layer": bottleneck, "cycles": max_cycles},
        "fps": hz / max_cycles,
        "latency_cycles": int(perf["critical_path_cycles"]),
        "latency_us": int(perf["critical_path_cycles"]) / ctx.clock_mhz,
        "warnings": list(ctx.warnings),
        "notes": [
            "LUT/BRAM/DSP are FINN+'s analytical estimates; Pool and LabelSelect resources are not "
            "modelled by FINN (counted as 0).",
            "FPS = clock / bottleneck cycles; latency = FINN's critical-path cycles / clock.",
            *model_notes(),
        ],
    }


def write_report(rep: dict, out_dir: Path) -> None:
    """Write ``report.json`` and ``report.md`` into ``out_dir``."""
    (out_dir / "report.json").write_text(json.dumps(rep, indent=2, sort_keys=True) + "\n")
    (out_dir / "report.md").write_text(to_markdown(rep))
