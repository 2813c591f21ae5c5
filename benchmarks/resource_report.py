"""Fit the resource model to the stored Yosys runs and write fit.json + results/resource_fit.md.

Called by ``benchmarks/resource_fit.py --stage fit`` (see there); reads only the stored run tables
(``results/resource_fit_runs.json``: calibration grid, ``results/resource_heldout_runs.json``: every
instance of real builds), so re-fitting takes a second.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import numpy as np

from pcnn_hw.resources.features import (
    FF_FEATURES,
    FF_FIXED,
    LUT_EXCLUDE,
    LUT_FIXED,
    brams,
    features,
    kind_of,
)
from pcnn_hw.resources.model import TARGETS, estimate_parts, fit_kind, rom_shapes
from pcnn_hw.resources.stale import fit_status, kind_record, kind_sha256, yosys_package_version

ROOT = Path(__file__).resolve().parents[1]
FIT_PATH = ROOT / "pcnn_hw" / "resources" / "fit.json"
MD = ROOT / "benchmarks" / "results" / "resource_fit.md"
LAYER_GOAL, TOTAL_GOAL = 0.15, 0.10


class _Row:
    """A stored run as the model sees it (module, params, roms)."""

    def __init__(self, r: dict) -> None:
        self.module, self.params, self.roms, self.label, self.y = (
            r["module"], r["params"], r["roms"], r["label"], r["yosys"])

    @property
    def kind(self) -> str:
        return kind_of(self.module, self.params)

    def feats(self) -> dict[str, float]:
        return features(self.module, self.params, rom_shapes(self))


def current(r: dict) -> bool:
    """Whether stored run ``r`` ran on the current RTL files of its kind."""
    return r.get("kind_rtl_sha256") == kind_sha256(kind_of(r["module"], r["params"]))


def _load(path: Path, fresh_only: bool = True) -> list[_Row]:
    """The finished runs of ``path`` made on the current RTL of their kind (others are skipped)."""
    if not path.is_file():
        return []
    runs = [r for r in json.loads(path.read_text())["runs"] if r["yosys"] is not None]
    keep = [r for r in runs if not fresh_only or current(r)]
    if len(keep) < len(runs):
        print(f"{path.name}: {len(runs) - len(keep)} runs on other RTL of their kind skipped", flush=True)
    return [_Row(r) for r in keep]


def missing(path: Path) -> list[str]:
    """Per design, the instances of ``path`` without a result on the current RTL of their kind (failed,
    timed out, stale): ['design: n (name, ...)']."""
    if not path.is_file():
        return []
    by: dict[str, list[str]] = defaultdict(list)
    for r in json.loads(path.read_text())["runs"]:
        if r["yosys"] is None or not current(r):
            design, name = r["label"].split("/", 1)
            by[design].append(f"{name} ({'failed / timed out' if r['yosys'] is None else 'other RTL'})")
    return [f"{d}: {len(v)} ({', '.join(sorted(v))})" for d, v in sorted(by.items())]


def fit_all(rows: list[_Row], yosys: str, previous: dict | None = None) -> dict:
    """Coefficients per kind and target, each kind with its RTL files and their hash; a kind of
    ``previous`` (the old fit.json) without current runs keeps its old coefficients (and old record, so
    it reports stale)."""
    by: dict[str, list[_Row]] = defaultdict(list)
    for r in rows:
        by[r.kind].append(r)
    kinds = {k: v for k, v in (previous or {}).get("kinds", {}).items() if k not in by}
    for kind, rs in sorted(by.items()):
        data = [{"features": r.feats(), "yosys": r.y} for r in rs]
        names = sorted({k for d in data for k in d["features"]})
        lfix = LUT_FIXED.get(kind, {})
        lut_names = tuple(k for k in names if k not in LUT_EXCLUDE.get(kind, ()) and k not in lfix)
        kinds[kind] = {t: fit_kind(data, t, only=lut_names) for t in TARGETS if t not in ("FF", "LUT")}
        lut_data = [{"features": d["features"], "yosys": {"LUT": d["yosys"]["LUT"] - sum(
            c * d["features"].get(k, 0.0) for k, c in lfix.items())}} for d in data]
        kinds[kind]["LUT"] = {**fit_kind(lut_data, "LUT", only=lut_names), **lfix}
        fixed = FF_FIXED.get(kind, {})
        ff_data = [{"features": d["features"], "yosys": {"FF": d["yosys"]["FF"] - sum(
            c * d["features"].get(k, 0.0) for k, c in fixed.items())}} for d in data]
        free = tuple(k for k in FF_FEATURES.get(kind, names) if k not in fixed)
        kinds[kind]["FF"] = {**fit_kind(ff_data, "FF", only=free), **fixed}
        kinds[kind]["runs"] = len(rs)
        kinds[kind]["rtl"] = kind_record(kind)
    return {"format": "pcnn-hw resource model v2 (per-kind RTL hashes)", "yosys": yosys,
            "yosys_package": yosys_package_version(), "family": "xc7", "kinds": dict(sorted(kinds.items()))}


def kinds_table(fit: dict) -> list[str]:
    """Per kind: the RTL files it was fitted on, their hash and whether they still match."""
    st = fit_status(fit)
    out = ["| kind | RTL files | sha256 | status |", "|---|---|---|---|"]
    for kind, c in sorted(fit["kinds"].items()):
        rec = c.get("rtl") or {}
        files = ", ".join(Path(f).name for f in rec.get("rtl_files", []))
        out.append(f"| {kind} | {files or '-'} | `{rec.get('rtl_sha256', '-')}` | "
                   f"{'STALE: ' + st.stale[kind] if kind in st.stale else 'current'} |")
    return out


def _loo(rows: list[_Row], target: str) -> list[float]:
    """Leave-one-out relative errors of ``target`` (each run predicted by a fit without it)."""
    out = []
    data = [{"features": r.feats(), "yosys": r.y} for r in rows]
    for i, r in enumerate(rows):
        if len(rows) < 3:
            return []
        coefs = fit_kind(data[:i] + data[i + 1:], target)
        f = r.feats()
        pred = sum(c * f.get(k, 0.0) for k, c in coefs.items())
        out.append(abs(pred - r.y[target]) / max(r.y[target], 1))
    return out


def _rel(pred: float, y: float) -> float:
    return abs(pred - y) / max(y, 1)


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def fit_table(rows: list[_Row], fit: dict) -> list[str]:
    """Per-kind error of the fit on its own grid (in-sample and leave-one-out)."""
    out = ["| kind | runs | LUT err mean / max | LUT leave-one-out mean / max | FF err mean / max | "
           "BRAM36 exact | DSP exact |", "|---|---:|---|---|---|---|---|"]
    by: dict[str, list[_Row]] = defaultdict(list)
    for r in rows:
        by[r.kind].append(r)
    for kind, rs in sorted(by.items()):
        est = [estimate_parts(r.module, r.params, rom_shapes(r), fit) for r in rs]
        le = [_rel(e.lut, r.y["LUT"]) for e, r in zip(est, rs, strict=True)]
        fe = [_rel(e.ff, r.y["FF"]) for e, r in zip(est, rs, strict=True)]
        loo = _loo(rs, "LUT")
        bram = sum(e.bram36 == r.y["BRAM36"] for e, r in zip(est, rs, strict=True))
        dsp = sum(round(e.dsp) == r.y["DSP"] for e, r in zip(est, rs, strict=True))
        loo_s = f"{_pct(float(np.mean(loo)))} / {_pct(max(loo))}" if loo else "-"
        out.append(f"| {kind} | {len(rs)} | {_pct(float(np.mean(le)))} / {_pct(max(le))} | {loo_s} | "
                   f"{_pct(float(np.mean(fe)))} / {_pct(max(fe))} | {bram}/{len(rs)} | {dsp}/{len(rs)} |")
    return out


def finn_luts(designs: set[str]) -> dict[str, float]:
    """FINN's per-layer LUT estimate from the held-out builds' report.json ({'design/layer': LUT})."""
    out = {}
    for d in designs:
        rep = ROOT / "build" / "bench" / "resource_fit" / d / "report.json"
        if rep.is_file():
            out.update({f"{d}/{r['name']}": float(r["LUT"]) for r in json.loads(rep.read_text())["layers"]})
    return out


def heldout_tables(rows: list[_Row], fit: dict) -> tuple[list[str], list[str], dict]:
    """Per-layer table of the held-out builds and the per-design totals."""
    finn = finn_luts({r.label.split("/", 1)[0] for r in rows})
    layer = ["| design / layer | kind | Yosys LUT | model LUT | err | FINN est. LUT | Yosys FF | model FF | "
             "err | Yosys BRAM36 | model BRAM36 |", "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    stats = {"layers": 0, "lut_ok": 0, "ff_ok": 0}
    for r in sorted(rows, key=lambda r: r.label):
        design, name = r.label.split("/", 1)
        e = estimate_parts(r.module, r.params, rom_shapes(r), fit)
        t = totals[design]
        for k, v in (("yLUT", r.y["LUT"]), ("mLUT", e.lut), ("yFF", r.y["FF"]), ("mFF", e.ff),
                     ("yBRAM", r.y["BRAM36"]), ("mBRAM", e.bram36), ("n", 1)):
            t[k] += v
        if r.module in ("pcnn_fifo", "pcnn_dwc"):
            continue
        le, fe = _rel(e.lut, r.y["LUT"]), _rel(e.ff, r.y["FF"])
        stats["layers"] += 1
        if le > LAYER_GOAL:
            stats.setdefault("misses", []).append(f"{r.label} ({r.kind}, {r.y['LUT']:,} LUT, {_pct(le)})")
        stats["lut_ok"] += le <= LAYER_GOAL
        stats["ff_ok"] += fe <= LAYER_GOAL
        fl = f"{finn[r.label]:,.0f}" if r.label in finn else "-"
        layer.append(f"| {design} / {name} | {r.kind} | {r.y['LUT']:,} | {e.lut:,.0f} | {_pct(le)} | {fl} | "
                     f"{r.y['FF']:,} | {e.ff:,.0f} | {_pct(fe)} | {r.y['BRAM36']:g} | {e.bram36:g} |")
    tot = ["| design | instances | Yosys LUT | model LUT | err | Yosys FF | model FF | err | Yosys BRAM36 | "
           "model BRAM36 |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for d, t in sorted(totals.items()):
        tot.append(f"| {d} | {t['n']:.0f} | {t['yLUT']:,.0f} | {t['mLUT']:,.0f} | "
                   f"{_pct(_rel(t['mLUT'], t['yLUT']))} | {t['yFF']:,.0f} | {t['mFF']:,.0f} | "
                   f"{_pct(_rel(t['mFF'], t['yFF']))} | {t['yBRAM']:g} | {t['mBRAM']:g} |")
    stats["totals"] = {d: dict(t) for d, t in totals.items()}
    return layer, tot, stats


def rtl_commit() -> str:
    """The git commit of the RTL measured: the last commit changing an RTL source, and HEAD."""
    import subprocess

    def git(*a: str) -> str:
        return subprocess.run(["git", "-C", str(ROOT), *a], capture_output=True, text=True,
                              timeout=60).stdout.strip()

    paths = ("pcnn_hw/rtl/verilog", "pcnn_hw/rtl/rom.py", ":(glob)pcnn_hw/layers/*/*.v")
    dirty = git("status", "--porcelain", "--", *paths)
    last = git("log", "-1", "--format=%h", "--", *paths)
    head = git("rev-parse", "--short", "HEAD")
    return f"{last} (last RTL change; tree at {head}{', RTL modified' if dirty else ''})"


def fit_and_report(runs: Path, heldout: Path, yosys: str) -> dict:
    """Fit on ``runs``, write fit.json, evaluate on ``heldout``, write the Markdown report."""
    rows = _load(runs)
    previous = json.loads(FIT_PATH.read_text()) if FIT_PATH.is_file() else None
    fit = fit_all(rows, yosys, previous)
    FIT_PATH.write_text(json.dumps(fit, indent=1, sort_keys=True) + "\n")
    held = _load(heldout)
    layer, tot, stats = heldout_tables(held, fit)
    n = stats["layers"]
    st = fit_status(fit)
    gaps = missing(heldout)
    stale_line = (f"**WARNING: {st.message()}**" if not st.fresh else
                  "Every kind's coefficients match the current RTL files of that kind.")
    md = [
        "# Resource model of our RTL vs Yosys synth_xilinx (xc7)", "",
        f"Yosys: `{yosys}`; RTL commit `{rtl_commit()}`. Regenerate: "
        "`XDG_CACHE_HOME=/work/cache nice -n 15 .venv/bin/python benchmarks/resource_fit.py`.", "",
        "## Staleness per kind", "",
        "Each kind is fitted on, and hashed over, exactly the RTL files its module is synthesized from "
        "(pcnn_hw/resources/stale.py); an RTL change stales only the kinds using the changed file.", "",
        stale_line, "", *kinds_table(fit), "",
        "Yosys runs: one instance at a time, nice 10, on a loaded machine (2 cores shared by ~7 "
        "sessions); the run tables keep each run's seconds.", "",
        "Model: per kind, LUT / FF / DSP linear in physically motivated features "
        "(pcnn_hw/resources/features.py), non-negative least squares on relative residuals over a grid "
        "of random single-layer configurations (benchmarks/resource_grid.py); BRAM (not fitted) from "
        "Yosys' memory_libmap tiling of each block memory (features.bram_tiles: depth slices side by "
        "side in the RAMB18/RAMB36 width, parity bits included, libmap's cell costs); one-word ROMs are "
        "constants, 2-deep FIFOs flip-flops.", "",
        "## Fit on the calibration grid", "", *fit_table(rows, fit), "",
        "## Held-out: every instance of real builds (random weights, pynq-z2, folding on FINN's "
        "estimates)", "",
        f"Goal: <= {LAYER_GOAL:.0%} per layer, <= {TOTAL_GOAL:.0%} on the design total. Layers within "
        f"{LAYER_GOAL:.0%}: LUT {stats['lut_ok']}/{n}, FF {stats['ff_ok']}/{n}.", "",
        "Layers over the LUT goal: " + ("; ".join(stats.get("misses", [])) or "none") + ".", "",
        "Not synthesized on the current RTL of their kind (failed, timed out or not run; not in the "
        "totals): " + ("; ".join(gaps) or "none") + ".", "",
        "### Design totals (layers + FIFOs + width converters)", "",
        "Over the instances synthesized on the current RTL (column instances): a run stopped early "
        "(`--stage heldout` is resumable) leaves the rest out of both sides.", "", *tot, "",
        "### Per layer", "", *layer, "",
    ]
    MD.write_text("\n".join(md))
    print("\n".join(md))
    return stats


__all__ = ["brams", "fit_and_report"]
