"""``pcnn-hw report build/NAME``: write build/NAME/report.html and build/NAME/plots/*.png.

The page is rendered from ``templates/report.html.j2`` with Jinja2 (autoescaped); plots are embedded
as base64 PNG, the stylesheet inline, no script and no external reference, so the file opens offline
(also in the browser of a PYNQ board). Sections whose data the build lacks (RTL, timing, verify) are
left out. Only files this module wrote are replaced: report.html carries a generator tag, plots/ a
marker file.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from pcnn_hw.errors import BuildDirError
from pcnn_hw.report import tables
from pcnn_hw.report.data import BuildRecords, load_build
from pcnn_hw.report.plots import FIGURES, png_bytes

PAGE_NAME = "report.html"
PLOTS_DIR = "plots"
GENERATOR = "pcnn-hw report"
_PLOTS_MARKER = ".written-by-pcnn-hw-report"
TEMPLATE = "report.html.j2"


def _env():  # noqa: ANN202 - jinja2 is imported lazily
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".partial")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _check_ours(page: Path, plots: Path) -> None:
    """BuildDirError if report.html or plots/ exist but were not written by this command."""
    if page.exists():
        head = page.read_bytes()[:2000] if page.is_file() else b""
        if f'name="generator" content="{GENERATOR}"'.encode() not in head:
            raise BuildDirError(f"{page}: exists and was not written by `pcnn-hw report`; not overwriting it")
    if plots.exists() and not (plots / _PLOTS_MARKER).is_file():
        raise BuildDirError(f"{plots}: exists and was not written by `pcnn-hw report`; not overwriting it")


def render_plots(rec: BuildRecords) -> dict[str, bytes]:
    """PNG bytes of every chart the build has data for, by name (see plots.FIGURES)."""
    out = {}
    for name, make in FIGURES.items():
        fig = make(rec)
        if fig is not None:
            out[name] = png_bytes(fig)
    return out


def render_html(rec: BuildRecords, pngs: dict[str, bytes]) -> str:
    """The page's HTML text."""
    images = {k: base64.b64encode(v).decode("ascii") for k, v in pngs.items()}
    ctx = {
        "generator": GENERATOR,
        "name": rec.name,
        "summary": tables.summary_rows(rec),
        "layers": tables.layer_rows(rec),
        "has_rtl": bool(rec.rtl),
        "has_yosys": bool(rec.yosys_layers),
        "has_fmax": bool(tables.layer_fmax(rec)),
        "budget": tables.budget_rows(rec),
        "pipeline": tables.pipeline_rows(rec),
        "fifos": tables.fifo_rows(rec),
        "has_occupancy": any(r["occupancy"] != "–" for r in tables.fifo_rows(rec)),
        "ladder": tables.ladder_rows(rec),
        "verify": rec.verify,
        "timing": rec.timing,
        "timing_rows": tables.timing_rows(rec),
        "warnings": [str(w) for w in rec.report.get("warnings") or []],
        "notes": [str(n) for n in rec.report.get("notes") or []],
        "images": images,
    }
    return _env().get_template(TEMPLATE).render(**ctx)


def write_report(build_dir: str | Path) -> Path:
    """Write build_dir/report.html and build_dir/plots/<chart>.png; returns the page's path."""
    rec = load_build(build_dir)
    page, plots = rec.build_dir / PAGE_NAME, rec.build_dir / PLOTS_DIR
    _check_ours(page, plots)
    pngs = render_plots(rec)
    plots.mkdir(exist_ok=True)
    (plots / _PLOTS_MARKER).write_text("charts of report.html, rewritten by `pcnn-hw report`\n")
    for name, data in pngs.items():
        _write_atomic(plots / f"{name}.png", data)
    _write_atomic(page, render_html(rec, pngs).encode("utf-8"))
    return page
