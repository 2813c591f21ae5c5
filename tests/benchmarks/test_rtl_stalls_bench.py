"""benchmarks/rtl_stalls.py: the results page (the Verilator run itself is the benchmark)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from rtl_stalls import render  # noqa: E402


def test_render_names_ratio_and_every_layer() -> None:
    summary = {"frames": 16, "cycles_per_frame": 184.0, "estimate": 146, "input_spacing": [144]}
    rows = [
        {"layer": "SWG_4", "exp": 146, "busy": 144.8, "out_stall": 40.0, "in_starve": 22.1},
        {"layer": "MVAU_3", "exp": 100, "busy": 101.25, "out_stall": 66.0, "in_starve": 0.0},
    ]
    page = render("net", summary, rows)
    assert "Measured 184.0 cycles/frame, cycle-model estimate 146 (x1.260)" in page
    assert "every [144] cycles" in page
    assert "| SWG_4 | 146 | 144.8 | 40.0 | 22.1 |" in page
    assert "| MVAU_3 | 100 | 101.2 | 66.0 | 0.0 |" in page
