"""The build report: per-layer folding, cycles and FINN's resource estimates, totals, FPS, latency.

Written as ``report.json`` (machine-readable) and ``report.md`` (for people) in the build directory.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pcnn_hw.compile.context import BuildContext
from pcnn_hw.compile.folding import base_op, node_estimate


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
    from pcnn_hw.resources.columns import model_columns  # our model of our RTL beside FINN's (#12)

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
        ],
    }


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:,.1f}" if v % 1 else f"{v:,.0f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def to_markdown(rep: dict) -> str:
    """Render the report dict as Markdown."""
    b = rep["board"]
    lines = [
        f"# Build report — {b['name']} ({b['part']}) at {rep['clock_mhz']:g} MHz",
        "",
        f"Folding: {rep['folding']}",
        f"Input: {rep['input']['datatype']} {rep['input']['shape']} ({rep['input']['layout']}); "
        f"output: {rep['output']['datatype']} {rep['output']['shape']}",
        "",
        f"**{rep['fps']:,.0f} FPS**, latency {rep['latency_us']:,.1f} µs ({rep['latency_cycles']:,} cycles); "
        f"bottleneck {rep['bottleneck']['layer']} ({rep['bottleneck']['cycles']:,} cycles)",
        "",
        "| layer | op | PE | SIMD | MW | MH | cycles | LUT | BRAM36 | DSP | weight mem (depth × width) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rep["layers"]:
        wm = f"{r['weight_mem']['depth']} × {r['weight_mem']['width']}" if r["weight_mem"] else "-"
        star = "" if r["modelled"] else " *"
        lines.append(
            f"| {r['name']} | {r['op_type']} | {_fmt(r['PE'])} | {_fmt(r['SIMD'])} | {_fmt(r['MW'])} | "
            f"{_fmt(r['MH'])} | {_fmt(r['cycles'])} | {_fmt(r['LUT'])}{star} | {_fmt(r['BRAM36'])}{star} | "
            f"{_fmt(r['DSP'])} | {wm} |"
        )
    t, u = rep["totals"], rep["utilization"]
    lines += [
        f"| **total** | | | | | | | {_fmt(t['LUT'])} ({u['LUT']:.0%}) | {_fmt(t['BRAM36'])} "
        f"({u['BRAM36']:.0%}) | {_fmt(t['DSP'])} | |",
        "",
        f"Board: {b['lut']:,} LUT, {b['ff']:,} FF, {b['bram36']:g} BRAM36, {b['dsp']:,} DSP, PS {b['ps']}.",
        "",
        "\\* not modelled by FINN's estimator.",
    ]
    lines += [f"- {n}" for n in rep["notes"]]
    if rep["warnings"]:
        lines += ["", "## Warnings", *[f"- {w}" for w in rep["warnings"]]]
    return "\n".join(lines) + "\n"


def write_report(rep: dict, out_dir: Path) -> None:
    """Write ``report.json`` and ``report.md`` into ``out_dir``."""
    (out_dir / "report.json").write_text(json.dumps(rep, indent=2, sort_keys=True) + "\n")
    (out_dir / "report.md").write_text(to_markdown(rep))
