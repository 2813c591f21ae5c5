"""The report page's tables as plain rows (lists of dicts of already-formatted cells).

Numbers are formatted here once, so the HTML template only lays them out and a test can compare a
page cell with the value in report.json through the same formatter (:func:`fmt_num`).
"""

from __future__ import annotations

from typing import Any

from pcnn_hw.report.data import BuildRecords

BUDGET_KEYS = (("LUT", "lut"), ("FF", "ff"), ("BRAM36", "bram36"), ("DSP", "dsp"), ("URAM", "uram"))


def fmt_num(v: Any, digits: int = 1) -> str:
    """A cell: integers with thousands separators, floats with `digits` decimals, '–' for missing."""
    if v is None or isinstance(v, bool) or not isinstance(v, (int, float)):
        return "–" if v is None else str(v)
    if float(v).is_integer():
        return f"{int(v):,}"
    return f"{v:,.{digits}f}"


def layer_fmax(rec: BuildRecords) -> dict[str, float]:
    """Lowest estimated fmax (MHz) of each layer's instances from report.json["timing"]."""
    out: dict[str, float] = {}
    inst = rec.timing.get("instances")
    if not isinstance(inst, dict):
        return out
    for v in inst.values():
        if not isinstance(v, dict):
            continue
        if isinstance(v.get("layer"), str) and isinstance(v.get("fmax_mhz"), (int, float)):
            out[v["layer"]] = min(out.get(v["layer"], float("inf")), float(v["fmax_mhz"]))
    return out


def memory_style(row: dict[str, Any], attrs: dict[str, str], yosys: dict[str, Any] | None) -> str:
    """How a layer holds its parameters: FINN's attributes, the weight image shape, what Yosys mapped."""
    parts = [f"{k}={v}" for k, v in sorted(attrs.items())]
    wm = row.get("weight_mem")
    if isinstance(wm, dict) and "depth" in wm and "width" in wm:
        parts.append(f"{wm['depth']}×{wm['width']} b")
    if yosys:
        if (yosys.get("RAMB36") or 0) + (yosys.get("RAMB18") or 0) > 0:
            parts.append("Yosys: BRAM")
        elif (yosys.get("LUT_mem") or 0) > 0:
            parts.append("Yosys: LUTRAM")
        elif wm:
            parts.append("Yosys: logic")
    return ", ".join(parts) or "–"


def layer_rows(rec: BuildRecords) -> list[dict[str, Any]]:
    """One row per report.json layer, in order, with the Yosys numbers and fmax when present."""
    ys, fmax, bott = rec.yosys_layers, layer_fmax(rec), rec.bottleneck
    rows = []
    for i, r in enumerate(rec.layers):
        y = ys.get(r["name"]) if isinstance(ys.get(r["name"]), dict) else None
        rows.append(
            {
                "index": i,
                "name": r["name"],
                "op": r.get("op_type", "–"),
                "pe": fmt_num(r.get("PE")),
                "simd": fmt_num(r.get("SIMD")),
                "cycles": fmt_num(r.get("cycles")),
                "lut": fmt_num(r.get("LUT")),
                "bram": fmt_num(r.get("BRAM36")),
                "dsp": fmt_num(r.get("DSP")),
                "modelled": r.get("modelled", True) is not False,
                "y_lut": fmt_num(y.get("LUT")) if y else "–",
                "y_ff": fmt_num(y.get("FF")) if y else "–",
                "y_bram": fmt_num(y.get("BRAM36")) if y else "–",
                "y_dsp": fmt_num(y.get("DSP")) if y else "–",
                "memory": memory_style(r, rec.node_attrs.get(r["name"], {}), y),
                "fmax": fmt_num(fmax.get(r["name"])) if r["name"] in fmax else "–",
                "bottleneck": r["name"] == bott,
            }
        )
    return rows


def summary_rows(rec: BuildRecords) -> list[tuple[str, str]]:
    """Key/value lines of the design summary (only those present)."""
    rep, rtl, tim = rec.report, rec.rtl, rec.timing
    board = rep.get("board") if isinstance(rep.get("board"), dict) else {}
    items: list[tuple[str, Any]] = [
        ("board", f"{board.get('name', '–')} ({board.get('part', '–')})" if board else None),
        ("clock (MHz)", rep.get("clock_mhz")),
        ("folding", rep.get("folding")),
        ("estimated FPS", rep.get("fps")),
        ("bottleneck (estimate)", rec.bottleneck),
        ("estimated latency (cycles)", rep.get("latency_cycles")),
        ("RTL cycles / frame (Verilator)", rtl.get("cycles_per_frame")),
        ("RTL FPS", rtl.get("fps")),
        ("RTL first-frame latency (cycles)", rtl.get("first_frame_latency_cycles")),
        ("RTL bit-exact frames", rtl.get("bit_exact_frames")),
        ("est. fmax (MHz)", tim.get("fmax_mhz")),
        ("meets target clock", tim.get("meets_target")),
    ]
    return [(k, v if isinstance(v, str) else fmt_num(v)) for k, v in items if v is not None]


def budget_rows(rec: BuildRecords) -> list[dict[str, str]]:
    """Board resources available, used by the estimate and by Yosys (with percentages)."""
    board = rec.report.get("board") if isinstance(rec.report.get("board"), dict) else {}
    totals = rec.report.get("totals") if isinstance(rec.report.get("totals"), dict) else {}
    ytot = rec.rtl.get("yosys", {}).get("total", {}) if isinstance(rec.rtl.get("yosys"), dict) else {}
    rows = []
    for key, bkey in BUDGET_KEYS:
        avail = board.get(bkey)
        if not isinstance(avail, (int, float)) or avail <= 0:
            continue
        est, yos = totals.get(key), ytot.get(key)

        def pct(v: Any, avail: float = avail) -> str:
            return f"{fmt_num(v)} ({100 * v / avail:.1f} %)" if isinstance(v, (int, float)) else "–"

        rows.append({"resource": key, "available": fmt_num(avail), "estimate": pct(est), "yosys": pct(yos)})
    return rows


def fifo_rows(rec: BuildRecords) -> list[dict[str, str]]:
    """One row per stitched FIFO: consumer layer, depth, max occupancy when recorded, Yosys cost."""
    depths = rec.rtl.get("fifo_depths")
    if not isinstance(depths, list):
        return []
    occ = rec.rtl.get("fifo_occupancy") or rec.rtl_run.get("fifo_occupancy")
    occ = occ if isinstance(occ, list) and len(occ) == len(depths) else None
    ys = rec.rtl.get("yosys", {}) if isinstance(rec.rtl.get("yosys"), dict) else {}
    inst = {i.get("name"): i for i in ys.get("instances", []) if isinstance(i, dict)}
    n_layers = len(rec.layers)
    rows = []
    for q, depth in enumerate(depths):
        y = inst.get(f"fifo_{q}", {})
        feeds = y.get("layer") or (rec.layers[q]["name"] if q < n_layers else "output")
        rows.append(
            {
                "index": str(q),
                "feeds": feeds,
                "depth": fmt_num(depth),
                "occupancy": fmt_num(occ[q]) if occ else "–",
                "lut": fmt_num(y.get("LUT")) if y else "–",
                "bram": fmt_num(y.get("BRAM36")) if y else "–",
            }
        )
    return rows


def pipeline_rows(rec: BuildRecords) -> list[dict[str, str]]:
    """Per-layer Verilator handshake counters per frame: busy, output stalled, input starved."""
    frames = rec.rtl_run.get("frames") or rec.rtl.get("frames") or 1
    rows = []
    for r in rec.pipeline:
        rows.append(
            {
                "layer": str(r["layer"]),
                "busy": fmt_num(r["busy"] / frames),
                "stall": fmt_num(r["out_stall"] / frames),
                "starve": fmt_num(r["in_starve"] / frames),
                "beats": f"{fmt_num(r.get('in_beats'))} → {fmt_num(r.get('out_beats'))}",
            }
        )
    return rows


def ladder_rows(rec: BuildRecords) -> list[dict[str, str]]:
    """The last verify run's levels (verify.json), [] when verify has not been run."""
    levels = rec.verify.get("levels")
    if not isinstance(levels, list):
        return []
    rows = []
    for lv in levels:
        if not isinstance(lv, dict):
            continue
        acc, agr = lv.get("accuracy"), lv.get("agreement")
        rows.append(
            {
                "level": str(lv.get("name", "?")),
                "accuracy": f"{100 * acc:.2f} %" if isinstance(acc, (int, float)) else "–",
                "agreement": f"{100 * agr:.2f} %" if isinstance(agr, (int, float)) else "–",
                "mismatches": fmt_num(lv.get("mismatches")),
                "ties": fmt_num(lv.get("ties")),
                "detail": str(lv.get("detail") or ""),
                "ok": not lv.get("mismatches"),
            }
        )
    return rows


def timing_rows(rec: BuildRecords) -> list[dict[str, str]]:
    """Per-instance timing estimates (report.json["timing"]["instances"]), slowest first."""
    inst = rec.timing.get("instances")
    if not isinstance(inst, dict):
        return []
    items = [(k, v) for k, v in inst.items() if isinstance(v, dict)]
    items.sort(key=lambda kv: (kv[1].get("ns") is None, -(kv[1].get("ns") or 0), kv[0]))
    return [
        {
            "instance": k,
            "layer": str(v.get("layer", "–")),
            "levels": fmt_num(v.get("lut_levels")),
            "carry": fmt_num(v.get("carry_cells")),
            "ns": fmt_num(v.get("ns"), 2),
            "fmax": fmt_num(v.get("fmax_mhz")),
        }
        for k, v in items
    ]
