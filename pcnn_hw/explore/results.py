"""Results of a sweep: the table (CSV + Parquet), Pareto sets, two PNG plots and a self-contained HTML page.

Files in OUT/: results.csv, results.parquet (pandas + pyarrow), pareto_accuracy_fps.png,
pareto_fps_lut.png, report.html (from templates/report.html, plots inlined as base64). Each is written
to a temporary file and renamed, so a reader never sees half a file.

The Pareto filter is our own dozen lines: the rows come from a grid as often as from an Optuna study,
and Optuna exposes its front only for its own trials.
"""

from __future__ import annotations

import base64
import html
import io
import os
import string
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pcnn_hw.explore.sweep import OBJECTIVES, Sweep

ROW_METRICS = ("accuracy", "hw_accuracy", "verify_images", "fps", "latency_us", "lut", "bram36", "dsp",
               "lut_util", "rtl_fps", "yosys_lut", "yosys_bram36", "yosys_dsp", "fmax_mhz", "meets_timing",
               "train_s", "build_s", "verify_s", "wall_s", "error_stage", "error_type", "error", "train_key",
               "build_key", "pareto")  # fmt: skip
TEMPLATE = Path(__file__).with_name("templates") / "report.html"
SHOWN = ("trial", "status", "model", "quant", "projections", "lam", "board", "folding", "target_fps",
         "lut_fraction", "rtl", "accuracy", "hw_accuracy", "fps", "latency_us", "lut", "bram36", "dsp",
         "yosys_lut", "fmax_mhz", "wall_s", "error_type", "error")  # fmt: skip


def pareto_mask(rows: Sequence[dict[str, Any]], objectives: Sequence[str]) -> list[bool]:
    """True for the rows no other finished row dominates on `objectives` (directions from OBJECTIVES)."""
    sign = {o: 1.0 if OBJECTIVES[o] == "maximize" else -1.0 for o in objectives}
    points: list[tuple[float, ...] | None] = []
    for r in rows:
        vals = [r.get(o) for o in objectives]
        ok = r.get("status") == "ok" and all(v is not None for v in vals)
        signed = tuple(sign[o] * float(v) for o, v in zip(objectives, vals, strict=True)) if ok else None
        points.append(signed)

    def dominates(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
        return all(x >= y for x, y in zip(a, b, strict=True)) and a != b

    return [p is not None and not any(q is not None and dominates(q, p) for q in points) for p in points]


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    """Table columns in a fixed order (rows read back from JSON come with sorted keys)."""
    from pcnn_hw.explore.sweep import setting_names

    order = ["trial", "status", *setting_names(), *ROW_METRICS]
    seen = {k for r in rows for k in r}
    return [c for c in order if c in seen] + sorted(seen - set(order))


def _replace(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _plot(rows: list[dict[str, Any]], x: str, y: str, labels: tuple[str, str], title: str) -> bytes:
    """Scatter of every finished trial, the 2-D Pareto front of (x, y) highlighted; PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ok = [r for r in rows if r.get("status") == "ok" and r.get(x) is not None and r.get(y) is not None]
    front = [r for r, m in zip(ok, pareto_mask(ok, (x, y)), strict=True) if m]
    fig, ax = plt.subplots(figsize=(6, 4.2), dpi=100)
    ax.scatter([r[x] for r in ok], [r[y] for r in ok], color="0.6", s=24, label="trials")
    front.sort(key=lambda r: r[x])
    ax.plot([r[x] for r in front], [r[y] for r in front], "o-", color="tab:red", label="Pareto front")
    for r in front:
        ax.annotate(f"{r['model']}/{r['board']}", (r[x], r[y]), fontsize=7, xytext=(3, 3),
                    textcoords="offset points")  # fmt: skip
    if ok and min(r[x] for r in ok) > 0:
        ax.set_xscale("log")
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return html.escape("" if value is None else str(value))


def _html_table(rows: list[dict[str, Any]], marks: list[bool]) -> str:
    cols = [c for c in SHOWN if any(r.get(c) is not None for r in rows)] or list(SHOWN[:2])
    lines = ["<tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in cols) + "</tr>"]
    for r, mark in zip(rows, marks, strict=True):
        cls = "pareto" if mark else ("failed" if r.get("status") != "ok" else "")
        cells = "".join(f"<td>{_cell(r.get(c))}</td>" for c in cols)
        lines.append(f'<tr class="{cls}">{cells}</tr>')
    return "\n".join(lines)


def write_results(out: Path, rows: list[dict[str, Any]], sweep: Sweep) -> list[dict]:
    """Write the table, the plots and the page; return the rows with "pareto" set (on sweep.objectives).

    Every file is a function of the rows only (wall times are the stages' recorded ones), so a rerun that
    finds every trial finished rewrites byte-identical files."""
    import pandas as pd

    marks = pareto_mask(rows, sweep.objectives)
    rows = [{**r, "pareto": m} for r, m in zip(rows, marks, strict=True)]
    frame = pd.DataFrame(rows, columns=_columns(rows))
    _replace(out / "results.csv", frame.to_csv(index=False).encode())
    buf = io.BytesIO()
    frame.to_parquet(buf, engine="pyarrow", index=False)
    _replace(out / "results.parquet", buf.getvalue())
    png_acc = _plot(rows, "fps", "accuracy", ("FPS (estimated)", "test accuracy"), "accuracy vs FPS")
    png_lut = _plot(rows, "lut", "fps", ("LUT (estimated)", "FPS (estimated)"), "FPS vs LUT")
    _replace(out / "pareto_accuracy_fps.png", png_acc)
    _replace(out / "pareto_fps_lut.png", png_lut)
    pareto = [r for r in rows if r["pareto"]]
    failed = sum(1 for r in rows if r["status"] != "ok")
    summary = (f"{len(rows)} trials ({failed} failed), {len(pareto)} on the Pareto front; sweep file "
               f"{sweep.path.name}, mode {sweep.mode}.")  # fmt: skip
    page = string.Template(TEMPLATE.read_text()).substitute(
        title=html.escape(sweep.path.stem),
        summary=html.escape(summary),
        objectives=html.escape(", ".join(f"{o} ({OBJECTIVES[o][:3]})" for o in sweep.objectives)),
        png_acc_fps=base64.b64encode(png_acc).decode(),
        png_fps_lut=base64.b64encode(png_lut).decode(),
        pareto_table=_html_table(pareto, [True] * len(pareto)),
        trials_table=_html_table(rows, marks),
    )
    _replace(out / "report.html", page.encode())
    return rows
