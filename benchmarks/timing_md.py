"""timing.md from benchmarks/results/timing.json (:mod:`timing`): the summary (model x board, latest
run, slowest instance, est. fmax, goal met?), the before/after table per (model, board) measured under
more than one label, one section per label, and the hand-written marked blocks kept from the old file."""

from __future__ import annotations

import re
from pathlib import Path

MODEL_ORDER = ("tfc", "sfc", "lfc", "cnv", "mini-cnv")
VERDICT = {True: "meets", False: "BELOW", None: "UNKNOWN vs"}  # report.json timing["meets_target"]


def _rank(model: str) -> tuple[int, str]:
    """Sort key: models in MODEL_ORDER, a zoo model (``tfc_1w1a``) next to its base model (``tfc``)."""
    base = model.split("_")[0]
    return (MODEL_ORDER.index(base) if base in MODEL_ORDER else len(MODEL_ORDER), model)


def to_markdown(results: dict) -> str:
    """timing.md: one section per label, one table per (model, board)."""
    out = [
        "# Timing estimate per layer (Yosys synth_xilinx logic depth -> ns, rtl/delay_models.json)",
        "",
        "Random-weight models, auto folding. Estimates only: Vivado place-and-route is the judge. "
        "`python benchmarks/timing.py` (label = RTL git commit).",
    ]
    out += summary_markdown(results)
    out += compare_markdown(results)
    for label, runs in results.items():
        out += ["", f"## {label}", ""]
        for key in sorted(runs):
            r = runs[key]
            w = r["worst"] or {}
            fl = r["flattened"]
            out += [
                f"### {r['model']} on {r['board']} ({r['family']}, target {r['target_mhz']:g} MHz"
                + (f", RTL {r['rtl']})" if r.get("rtl") else ")"),
                "",
                *([r["note"], ""] if r.get("note") else []),
                f"Design fmax {r['fmax_mhz']} MHz ({VERDICT[r['meets_target']]} target); "
                f"worst {w.get('layer')} ({w.get('lut_levels')} LUT + {w.get('carry_cells')} carry, "
                f"{w.get('ns')} ns, {w.get('from')} -> {w.get('to')}); flattened: "
                + (
                    f"{fl['lut_levels']} LUT + {fl['carry_cells']} carry, {fl['ns']} ns"
                    if fl
                    else str(r["flattened_note"])
                )
                + f"; LUT {r['total_LUT']:,}, FF {r['total_FF']:,}; {r['seconds']} s",
                "",
                *([missing_line(r), ""] if r["missing"] else []),
                "| layer | LUT levels | carry cells | est. ns | est. fmax MHz | LUT | FF | worst path |",
                "|---|---:|---:|---:|---:|---:|---:|---|",
            ]
            for x in r["layers"]:
                out.append(
                    f"| {x['layer']} | {x['lut_levels']} | {x['carry_cells']} | {x['ns']:.2f} | "
                    f"{x['fmax_mhz']:g} | {x['LUT']:,} | {x['FF']:,} | {x['from']} -> {x['to']} |"
                )
            out.append("")
    return "\n".join(out) + "\n"


def missing_line(r: dict) -> str:
    """The instances of run ``r`` without a per-instance estimate, each with why (older runs: timeout)."""
    why = r.get("missing_why", {})
    names = ", ".join(f"{n} ({why.get(n, 'Yosys timeout')})" for n in r["missing"])
    cover = "inside the flattened run" if r["flattened"] else "no flattened run: unverified"
    return f"Per-instance Yosys run missing ({cover}): {names}"


def verdict(r: dict) -> str:
    """Goal (1.25 x the board's default clock) met by run ``r``: yes / **no** / unverified (why)."""
    unverified = r.get("unverified", r["missing"] if r["flattened"] is None else [])
    if r["fmax_mhz"] is None:
        return "unverified (no instance synthesized)"
    if r["fmax_mhz"] < 1.25 * r["target_mhz"]:
        return "**no**"
    if unverified:
        return f"unverified: no estimate for {', '.join(unverified)}"
    return "yes" if r["flattened"] else "yes (instances; flattened not run)"


def summary_markdown(results: dict) -> list[str]:
    """One row per (model, board): its latest run (last label measuring it), slowest instance, goal met?"""
    latest: dict[str, tuple[str, dict]] = {}
    for label, runs in results.items():
        for key, r in runs.items():
            latest[key] = (label, r)
    keys = sorted(latest, key=lambda k: (_rank(k.split("/")[0]), k))
    out = [
        "",
        "## Summary: model x board, latest run (goal: est. fmax >= 1.25 x the board's default clock)",
        "",
        "| model | board | run (RTL) | slowest instance (layer) | est. fmax MHz | goal MHz | goal met? |",
        "|---|---|---|---|---:|---:|---|",
    ]
    for key in keys:
        label, r = latest[key]
        w = r["worst"] or {}
        where = w.get("instance", "-")
        if w.get("layer") not in (None, where):
            where += f" ({w['layer']})"
        fmax = "-" if r["fmax_mhz"] is None else f"{r['fmax_mhz']:g}"
        goal = f"{1.25 * r['target_mhz']:g}"
        run = label if r.get("rtl", label) in label else f"{label}, rtl@{r['rtl']}"
        out.append(f"| {r['model']} | {r['board']} | {run} | {where} | {fmax} | {goal} | {verdict(r)} |")
    return out


def compare_markdown(results: dict) -> list[str]:
    """Per-layer est. fmax side by side for every (model, board) measured under more than one label."""
    out = ["", "## Before / after: est. fmax (MHz) per layer and of the design", ""]
    keys = sorted({k for runs in results.values() for k in runs})
    for key in keys:
        labels = [lab for lab in results if key in results[lab]]
        if len(labels) < 2:
            continue
        runs = [results[lab][key] for lab in labels]
        out += [
            f"### {key} (target {runs[0]['target_mhz']:g} MHz; goal {1.25 * runs[0]['target_mhz']:g} MHz)",
            "",
            "| layer | " + " | ".join(labels) + " |",
            "|---|" + "---:|" * len(labels),
        ]
        layers = sorted(
            {x["layer"] for r in runs for x in r["layers"]} | {m for r in runs for m in r["missing"] or []}
        )
        for layer in layers:
            cells = []
            for r in runs:
                x = next((x for x in r["layers"] if x["layer"] == layer), None)
                missing = layer in (r["missing"] or [])
                cells.append(
                    f"{x['fmax_mhz']:g} ({x['lut_levels']} LUT + {x['carry_cells']} c)"
                    if x
                    else ("Yosys timeout" if missing else "-")
                )
            out.append(f"| {layer} | " + " | ".join(cells) + " |")
        flat = [
            f"{r['flattened']['fmax_mhz']:g}" if r["flattened"] else str(r["flattened_note"] or "-")[:40]
            for r in runs
        ]
        out.append("| flattened top | " + " | ".join(flat) + " |")
        out.append("| **design** | " + " | ".join(f"**{r['fmax_mhz']}**" for r in runs) + " |")
        out.append(
            "| LUT / FF (sum of instances) | "
            + " | ".join(f"{r['total_LUT']:,} / {r['total_FF']:,}" for r in runs)
            + " |"
        )
        out.append("")
    return out


BLOCK = re.compile(r"<!-- (?P<name>[\w.-]+): begin -->\n.*?<!-- (?P=name): end -->\n", re.S)


def kept_blocks(text: str) -> list[str]:
    """The ``<!-- NAME: begin --> ... <!-- NAME: end -->`` blocks of an existing timing.md, in order."""
    return [m.group(0) for m in BLOCK.finditer(text)]


def write_markdown(results: dict, path: Path) -> None:
    """Rewrite ``path`` from ``results``, keeping its marked blocks (appended after the generated part)."""
    old = path.read_text() if path.is_file() else ""
    blocks = kept_blocks(old)
    path.write_text(to_markdown(results) + "".join("\n" + b for b in blocks))
