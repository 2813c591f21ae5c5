"""benchmarks/hw_efficiency_report.py and hw_efficiency_speed.py: the measured goal line judges the
flattened Yosys totals (per-instance only without a flattened run), the RTL table labels model vs
measured columns, the speed table flags foldings that differ between labels."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


def _load(name: str):
    sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location(f"{name}_bench", BENCH / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


def _rtl(flat: dict | None) -> dict:
    model = {"lut": 30000.0, "ff": 1.0, "bram36": 90.0, "dsp": 0.0, "fmax_mhz": 131.0, "fmax_instance": "M",
             "instances": {}}
    return {"folding": "f.json", "clock_mhz": 100.0, "fps": 13889.0, "board_lut": 53200, "board_bram36": 140,
            "verilator": {"fps": 13889.0, "cycles_per_frame": 7200, "bit_exact_frames": 8,
                          "rtl_commit": "abc", "load": 7.0},
            "yosys": {"total": {"LUT": 28000, "FF": 1, "BRAM36": 95.5, "DSP": 0}, "missing": [],
                      "worst": {"instance": "S", "fmax_mhz": 109.3, "lut_levels": 5, "carry_cells": 6},
                      "instances": {}, "seconds": 480.0},
            "flat": flat, "model_depth2": model, "model_sized": model}


BNN = {"cnv": {"fps": 9150, "lut": 26072, "bram36": 124}}


def test_goal_judged_on_flattened_yosys() -> None:
    rep = _load("hw_efficiency_report")
    flat = {"LUT": 32000, "FF": 1, "BRAM36": 95.5, "DSP": 0, "rtl_commit": "def", "load": 8.0,
            "seconds": 2000.0,
            "worst": {"fmax_mhz": 130.0, "lut_levels": 4, "carry_cells": 2, "from": "a", "to": "b"}}
    line = rep.rtl_goal(_rtl(flat))[0]
    assert "flattened Yosys" in line
    assert "est. fmax >= 125 MHz: **yes** (130 MHz)" in line
    assert ">= 0.45 FPS per LUT: **no** (0.434)" in line  # 13,889 / 32,000, not / 28,000
    assert "LUT <= 85 %: **yes** (60%)" in line
    text = "\n".join(rep.rtl_table(_rtl(flat), BNN))
    assert "| LUT | 30,000 | 30,000 | 28,000 | 32,000 | 26,072 |" in text
    assert "flattened Yosys on RTL def, load 8.0" in text and "Verilator on RTL abc" in text


def test_goal_without_flattened_run_says_so() -> None:
    rep = _load("hw_efficiency_report")
    line = rep.rtl_goal(_rtl(None))[0]
    assert "per-instance Yosys (no flattened run)" in line
    assert "est. fmax >= 125 MHz: **no** (109.3 MHz)" in line
    assert ">= 0.45 FPS per LUT: **yes** (0.496)" in line


def test_speed_table_flags_a_different_folding() -> None:
    speed = _load("hw_efficiency_speed")
    row = {"model": "cnv", "board": "pynq-z2", "lut_frac": 0.55, "min_s": 1.0, "median_s": 1.5, "load": 9.0,
           "cycles": 1, "config": {"a": {"PE": 1}}}
    same = speed.render({"x": [row], "y": [dict(row, min_s=8.0)]})
    assert "| cnv / pynq-z2 | 55% | 1.00 s / 1.50 s (9) | 8.00 s / 1.50 s (9) | yes |" in same
    differ = speed.render({"x": [row], "y": [dict(row, config={"a": {"PE": 2}})]})
    assert "| NO |" in differ


def test_other_designs_get_their_own_json_and_a_measured_row(tmp_path: Path) -> None:
    """A design other than cnv / pynq-z2 goes to its own JSON (cnv's stays hw_efficiency_rtl.json), and its
    summary row sets the model beside the flattened Yosys (FPS per LUT on the flattened LUT)."""
    import json

    rep = _load("hw_efficiency_report")
    cnv = {**_rtl(None), "model": "cnv", "board": "pynq-z2"}
    assert rep._point_file(tmp_path, cnv).name == "hw_efficiency_rtl.json"
    flat = {"LUT": 40000, "FF": 9, "BRAM36": 100.0, "DSP": 0, "rtl_commit": "def", "load": 3.0,
            "seconds": 900.0,
            "worst": {"fmax_mhz": 140.0, "lut_levels": 4, "carry_cells": 0, "from": "a", "to": "b"}}
    sfc = {**_rtl(flat), "model": "sfc", "board": "kv260", "fps": 4e6,
           "verilator": {**_rtl(None)["verilator"], "fps": 4e6, "cycles_per_frame": 25,
                         "seconds": {"total": 60}}}
    path = rep._point_file(tmp_path, sfc)
    assert path.name == "hw_efficiency_rtl_sfc-kv260.json"
    path.write_text(json.dumps(sfc))
    rows = rep.more_points(tmp_path)
    assert len(rows) == 3 and rows[2].startswith("| sfc / kv260 (100 MHz) |")
    assert "| 30,000 / 40,000 |" in rows[2] and "| 100.000 |" in rows[2]  # 4e6 FPS / 40,000 LUT
    assert "| flattened Yosys |" in rows[2] and "Yosys RTL def, load 3.0, 900 s" in rows[2]
