"""The build report (``report.json``'s dict) rendered as ``report.md``.

Shared by the compiler, which writes the report (`pcnn_hw.compile.report`), and the RTL backend, which
rewrites report.md with its timing table (`pcnn_hw.rtl.flow`) without importing the compiler (#11).
"""

from __future__ import annotations

from typing import Any


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
