"""The report's charts (matplotlib, Agg canvas, no display): PNG bytes, byte-identical across runs.

Each ``*_figure`` returns a matplotlib Figure or None when the build lacks the data it draws (e.g. no
RTL run), so the page leaves the section out. :func:`png_bytes` strips the PNG metadata that would
otherwise change between matplotlib versions or runs.
"""

from __future__ import annotations

import io
import re
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from pcnn_hw.report.data import BuildRecords

EST_COLOR, YOSYS_COLOR, HOT_COLOR = "#4a7ab5", "#e0913a", "#c0392b"
_SHORT = (
    ("ConvolutionInputGenerator", "SWG"),
    ("LabelSelect", "LabelSel"),
    ("StreamingDataWidthConverter", "DWC"),
)


def short_name(layer: str) -> str:
    """A compact axis label: 'ConvolutionInputGenerator_rtl_3' -> 'SWG_3', 'MVAU_hls_0' -> 'MVAU_0'."""
    for long, short in _SHORT:
        layer = layer.replace(long, short)
    return re.sub(r"_(hls|rtl)_", "_", layer)


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def png_bytes(fig: Figure, dpi: int = 100) -> bytes:
    """The figure as PNG without metadata (deterministic bytes)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()


def _mark_bottleneck(ax: Any, labels: list[str], names: list[str], bott: str | None) -> None:
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontsize=8)
    for tick, name in zip(ax.get_xticklabels(), names, strict=True):
        if name == bott:
            tick.set_color(HOT_COLOR)
            tick.set_fontweight("bold")


def cycles_figure(rec: BuildRecords) -> Figure | None:
    """Estimated cycles per frame of each layer, the bottleneck in red, the Verilator period dashed."""
    rows = [r for r in rec.layers if isinstance(r.get("cycles"), (int, float))]
    if not rows:
        return None
    names = [r["name"] for r in rows]
    bott = rec.bottleneck
    fig = _figure(8.5, 3.4)
    ax = fig.subplots()
    colors = [HOT_COLOR if n == bott else EST_COLOR for n in names]
    ax.bar(range(len(rows)), [r["cycles"] for r in rows], color=colors)
    period = rec.rtl.get("cycles_per_frame")
    if isinstance(period, (int, float)):
        ax.axhline(period, color="black", ls="--", lw=1, label=f"Verilator: {period:,.0f} cycles/frame")
        ax.legend(loc="upper right", fontsize=8)
    if bott in names:
        i = names.index(bott)
        ax.annotate("bottleneck", (i, rows[i]["cycles"]), xytext=(0, 4), textcoords="offset points",
                    ha="center", fontsize=8, color=HOT_COLOR)
    _mark_bottleneck(ax, [short_name(n) for n in names], names, bott)
    ax.set_ylabel("cycles / frame (estimate)")
    ax.grid(axis="y", alpha=0.3)
    ax.set_title("Per-layer cycles", fontsize=10)
    return fig


def resources_figure(rec: BuildRecords) -> Figure | None:
    """LUT and BRAM36 per layer: FINN's estimate next to Yosys when the RTL was synthesised."""
    rows = rec.layers
    if not rows:
        return None
    names = [r["name"] for r in rows]
    ys = rec.yosys_layers
    fig = _figure(8.5, 5.2)
    axes = fig.subplots(2, 1, sharex=True)
    width = 0.4 if ys else 0.8
    xs = range(len(rows))
    for ax, key in zip(axes, ("LUT", "BRAM36"), strict=True):
        est = [float(r.get(key) or 0) for r in rows]
        shift = width / 2 if ys else 0
        ax.bar([x - shift for x in xs], est, width, color=EST_COLOR, label="estimate (FINN)")
        if ys:
            yv = [float((ys.get(n) or {}).get(key) or 0) for n in names]
            ax.bar([x + width / 2 for x in xs], yv, width, color=YOSYS_COLOR, label="Yosys")
        ax.set_ylabel(key)
        ax.grid(axis="y", alpha=0.3)
        ax.legend(loc="upper right", fontsize=8)
    _mark_bottleneck(axes[1], [short_name(n) for n in names], names, rec.bottleneck)
    axes[0].set_title("Per-layer resources (bottleneck label in red)", fontsize=10)
    return fig


def pipeline_figure(rec: BuildRecords) -> Figure | None:
    """Verilator handshake counters per frame and layer: busy, output stalled, input starved."""
    rows = rec.pipeline
    if not rows:
        return None
    frames = rec.rtl_run.get("frames") or rec.rtl.get("frames") or 1
    fig = _figure(8.5, 0.32 * len(rows) + 1.4)
    ax = fig.subplots()
    h = 0.27
    ys = list(range(len(rows)))
    for k, (key, color, label) in enumerate(
        (("busy", "#2e8b57", "busy (a beat in or out)"), ("out_stall", HOT_COLOR, "output stalled"),
         ("in_starve", "#9aa5b1", "input starved"))
    ):
        ax.barh([y + (k - 1) * h for y in ys], [r[key] / frames for r in rows], h, color=color, label=label)
    period = rec.rtl_run.get("cycles_per_frame") or rec.rtl.get("cycles_per_frame")
    if isinstance(period, (int, float)):
        ax.axvline(period, color="black", ls="--", lw=1, label=f"period {period:,.0f} cycles")
    ax.set_yticks(ys, [short_name(str(r["layer"])) for r in rows], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(f"cycles per frame (run of {frames} frames / {frames}, pipeline fill and drain included)")
    ax.legend(loc="lower right", fontsize=7)
    ax.grid(axis="x", alpha=0.3)
    ax.set_title("Pipeline activity (Verilator)", fontsize=10)
    return fig


def timeline_figure(rec: BuildRecords) -> Figure | None:
    """Per-layer busy/stall/starve intervals over the Verilator run's cycles (rtl_report.json timeline)."""
    tl = rec.rtl_run.get("timeline")
    if not isinstance(tl, dict) or not isinstance(tl.get("layers"), list) or not tl["layers"]:
        return None
    rows = tl["layers"]
    fig = _figure(8.5, 0.28 * len(rows) + 1.4)
    ax = fig.subplots()
    colors = {"busy": "#2e8b57", "stall": HOT_COLOR, "starve": "#9aa5b1"}
    for y, row in enumerate(rows):
        for state, color in colors.items():
            spans = [(float(a), float(n)) for a, n in row.get(state) or []]
            if spans:
                ax.broken_barh(spans, (y - 0.4, 0.8), facecolors=color)
    ax.set_yticks(range(len(rows)), [short_name(str(r.get("layer"))) for r in rows], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, float(tl.get("cycles") or 1))
    ax.set_xlabel(f"cycle (bins of {tl.get('bin_cycles', 1)} cycles, each drawn in its majority state; "
                  "white = idle)")
    handles = [Rectangle((0, 0), 1, 1, color=c) for c in colors.values()]
    ax.legend(handles, ["busy", "output stalled", "input starved"], loc="lower right", fontsize=7)
    ax.set_title("Pipeline timeline (Verilator)", fontsize=10)
    return fig


def fifo_figure(rec: BuildRecords) -> Figure | None:
    """Depth of each stitched FIFO (and its maximum occupancy when the run recorded it)."""
    depths = rec.rtl.get("fifo_depths")
    if not isinstance(depths, list) or not depths:
        return None
    occ = rec.rtl.get("fifo_occupancy") or rec.rtl_run.get("fifo_occupancy")
    fig = _figure(8.5, 2.8)
    ax = fig.subplots()
    xs = range(len(depths))
    ax.bar(xs, depths, color=EST_COLOR, label="depth")
    if isinstance(occ, list) and len(occ) == len(depths):
        ax.bar(xs, occ, 0.45, color=YOSYS_COLOR, label="max occupancy")
    ax.set_xticks(xs, [str(q) for q in xs], fontsize=8)
    ax.set_xlabel("FIFO (before layer i; the last one before the output)")
    ax.set_ylabel("entries")
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    ax.set_title("FIFO depths", fontsize=10)
    return fig


def budget_figure(rec: BuildRecords) -> Figure | None:
    """Share of the board's resources the design uses: estimate and Yosys, with the 100 % line."""
    board = rec.report.get("board") if isinstance(rec.report.get("board"), dict) else {}
    totals = rec.report.get("totals") if isinstance(rec.report.get("totals"), dict) else {}
    ytot = (rec.rtl.get("yosys") or {}).get("total", {}) if isinstance(rec.rtl.get("yosys"), dict) else {}
    keys = [(k, b) for k, b in (("LUT", "lut"), ("BRAM36", "bram36"), ("DSP", "dsp"))
            if isinstance(board.get(b), (int, float)) and board[b] > 0]
    if not keys or not totals:
        return None
    fig = _figure(6.0, 2.4)
    ax = fig.subplots()
    ys = list(range(len(keys)))
    h = 0.38 if ytot else 0.7
    est = [100 * float(totals.get(k) or 0) / board[b] for k, b in keys]
    ax.barh([y - (h / 2 if ytot else 0) for y in ys], est, h, color=EST_COLOR, label="estimate")
    if ytot:
        ax.barh([y + h / 2 for y in ys], [100 * float(ytot.get(k) or 0) / board[b] for k, b in keys], h,
                color=YOSYS_COLOR, label="Yosys")
    ax.axvline(100, color=HOT_COLOR, lw=1)
    ax.set_yticks(ys, [k for k, _ in keys])
    ax.invert_yaxis()
    ax.set_xlabel(f"% of {board.get('name', 'board')}")
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    return fig


FIGURES = {
    "cycles": cycles_figure,
    "resources": resources_figure,
    "budget": budget_figure,
    "pipeline": pipeline_figure,
    "timeline": timeline_figure,
    "fifos": fifo_figure,
}
