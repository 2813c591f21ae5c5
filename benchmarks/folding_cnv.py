"""Folding of a CNV-1W1A-shaped network (Brevitas cnv_1w1a, random weights) on Pynq-Z2.

Compares FINN's SetFolding at several target FPS with our budget optimizer (--folding auto, 85 % of
the LUTs) and the fully parallel folding, all by FINN+'s own estimates at 100 MHz. Writes
benchmarks/results/folding_cnv_pynq_z2.json.

Usage: .venv/bin/python benchmarks/folding_cnv.py [--targets 3000 8000 10000] [--work build/bench_folding_cnv]
"""

from __future__ import annotations

import argparse
import io
import json
import time
from pathlib import Path

from pcnn_hw.compile.build import build
from pcnn_hw.compile.testmodels import export_bnn_pynq

RESULT = Path(__file__).parent / "results" / "folding_cnv_pynq_z2.json"


def _row(label: str, rep: dict, seconds: float) -> dict:
    return {
        "folding": label,
        "fps": round(rep["fps"], 1),
        "bottleneck": rep["bottleneck"],
        "LUT": rep["totals"]["LUT"],
        "LUT_util": round(rep["utilization"]["LUT"], 4),
        "BRAM36": rep["totals"]["BRAM36"],
        "BRAM36_util": round(rep["utilization"]["BRAM36"], 4),
        "fits_85pct_LUT_and_BRAM": rep["utilization"]["LUT"] <= 0.85 and rep["utilization"]["BRAM36"] <= 1.0,
        "fits_device": rep["utilization"]["LUT"] <= 1.0 and rep["utilization"]["BRAM36"] <= 1.0,
        "build_seconds": round(seconds, 1),
    }


def main() -> None:
    """Build cnv once per folding (resuming from the folding step) and write the comparison."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--targets", type=float, nargs="+", default=[3000, 7000, 8000, 10000])
    ap.add_argument("--work", type=Path, default=Path("build/bench_folding_cnv"))
    args = ap.parse_args()
    onnx_path = export_bnn_pynq("cnv_1w1a", args.work / "cnv_1w1a.onnx", seed=0)
    out = args.work / "cnv"
    rows = []
    t0 = time.perf_counter()
    rep = build(onnx_path, out, "pynq-z2", folding="auto", stream=io.StringIO()).report
    rows.append(_row("ours: auto (85% LUT, 100% BRAM36)", rep, time.perf_counter() - t0))
    for fps in args.targets:
        t0 = time.perf_counter()
        rep = build(onnx_path, out, "pynq-z2", folding=None, target_fps=fps, from_step="folding",
                    stream=io.StringIO()).report
        rows.append(_row(f"FINN SetFolding target {fps:g} FPS (mvau_wwidth_max=36)", rep,
                         time.perf_counter() - t0))
    t0 = time.perf_counter()
    rep = build(onnx_path, out, "pynq-z2", folding="auto", lut_fraction=1.0, from_step="folding",
                stream=io.StringIO()).report
    rows.append(_row("ours: auto (100% LUT, 100% BRAM36)", rep, time.perf_counter() - t0))
    t0 = time.perf_counter()
    rep = build(onnx_path, out, "pynq-z2", folding="max", from_step="folding", stream=io.StringIO()).report
    rows.append(_row("max (fully parallel)", rep, time.perf_counter() - t0))
    result = {
        "model": "Brevitas cnv_1w1a, random init (seed 0), 3x32x32 uint8 input",
        "board": "pynq-z2 (xc7z020clg400-1: 53,200 LUT, 140 BRAM36)",
        "clock_mhz": 100.0,
        "estimates": "FINN+ 1.6.1 analytical per-node estimates (Pool/LabelSelect not modelled)",
        "rows": rows,
    }
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(result, indent=2) + "\n")
    for r in rows:
        print(f"{r['folding']:<55s} {r['fps']:>10,.0f} FPS  LUT {r['LUT']:>9,.0f} ({r['LUT_util']:.0%})  "
              f"BRAM36 {r['BRAM36']:>6g} ({r['BRAM36_util']:.0%})  bottleneck {r['bottleneck']['layer']}")


if __name__ == "__main__":
    main()
