"""benchmarks/timing.py: the zoo model list, and timing.md rewrites keep hand-written marked blocks."""

from __future__ import annotations

import importlib.util
from pathlib import Path

TIMING = Path(__file__).resolve().parents[2] / "benchmarks" / "timing.py"


def _timing():
    spec = importlib.util.spec_from_file_location("timing_bench", TIMING)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


def _run(note: str | None = None) -> dict:
    run = {
        "model": "tfc", "board": "kv260", "family": "usplus-1", "target_mhz": 200.0, "fmax_mhz": 300.0,
        "meets_target": True, "worst": None, "flattened": None, "flattened_note": "skipped",
        "missing": [], "total_LUT": 1, "total_FF": 2, "seconds": 1.0,
        "layers": [{"layer": "MVAU_hls_0", "lut_levels": 3, "carry_cells": 1, "ns": 3.0, "fmax_mhz": 333.3,
                    "LUT": 10, "FF": 20, "from": "a", "to": "b"}],
    }
    if note:
        run["note"] = note
    return {"lab": {"tfc/kv260": run}}


def test_zoo_models_are_brevitas_bnn_pynq_examples():
    from brevitas_examples.bnn_pynq import models

    t = _timing()
    assert set(t.ZOO) == {f"{n}_{q}" for n in ("tfc", "sfc", "lfc") for q in ("1w1a", "1w2a")} | {
        "cnv_1w1a", "cnv_1w2a"}
    for name in t.ZOO:
        assert callable(getattr(models, name))
        assert t.MODELS[name] == ((3, 32, 32) if name.startswith("cnv") else (1, 28, 28))


def test_rewrite_keeps_marked_blocks_and_drops_the_rest(tmp_path):
    t = _timing()
    md = tmp_path / "timing.md"
    block_a = "<!-- notes: begin -->\n## Hand notes\n\nkeep me\n<!-- notes: end -->\n"
    block_b = "<!-- timing_modules.py: begin -->\n| x |\n<!-- timing_modules.py: end -->\n"
    md.write_text("# old generated text\n\nstale row\n\n" + block_a + "\nmore stale\n" + block_b)
    t.write_markdown(_run(), md)
    text = md.read_text()
    assert "stale" not in text
    assert text.index(block_a) < text.index(block_b)
    assert text.count("keep me") == 1
    assert "| MVAU_hls_0 | 3 | 1 | 3.00 | 333.3 | 10 | 20 | a -> b |" in text
    t.write_markdown(_run(), md)  # idempotent: blocks are not duplicated
    assert md.read_text() == text


def test_note_is_printed_under_its_run():
    t = _timing()
    text = t.to_markdown(_run("**crashed in proc_dlatch**"))
    head = text.index("### tfc on kv260")
    assert head < text.index("**crashed in proc_dlatch**") < text.index("| MVAU_hls_0 |", head)
    assert "crashed" not in t.to_markdown(_run())


def test_summary_takes_the_latest_run_and_says_whether_the_goal_is_met():
    t = _timing()
    old = _run()["lab"]["tfc/kv260"]
    flat = {"lut_levels": 5, "carry_cells": 0, "ns": 3.2, "fmax_mhz": 310.0, "from": "x", "to": "y"}
    fast = {**old, "fmax_mhz": 310.0, "flattened": flat, "missing": ["MVAU_hls_0"], "unverified": [],
            "worst": {"instance": "top (flattened)", "layer": "dwc_2"}}
    swg = "ConvolutionInputGenerator_rtl_3"
    slow = {**old, "model": "cnv", "board": "pynq-z2", "target_mhz": 100.0, "fmax_mhz": 120.0,
            "worst": {"instance": swg, "layer": swg}}
    miss = ["MVAU_hls_0"]
    unver = {**old, "model": "lfc", "fmax_mhz": 400.0, "missing": miss, "unverified": miss}
    runs = {"tfc/kv260": fast, "cnv/pynq-z2": slow, "lfc/kv260": unver}
    text = t.to_markdown({"old": {"tfc/kv260": old}, "new": runs})
    summary = text[text.index("## Summary"):text.index("## Before / after")]
    rows = [r for r in summary.splitlines() if r.startswith("| ") and "---" not in r][1:]
    assert [r.split(" | ")[0] for r in rows] == ["| tfc", "| lfc", "| cnv"]  # model order, one row per key
    assert rows[0] == "| tfc | kv260 | new | top (flattened) (dwc_2) | 310 | 250 | yes |"
    assert rows[1].endswith("| 400 | 250 | unverified: no estimate for MVAU_hls_0 |")
    assert rows[2] == f"| cnv | pynq-z2 | new | {swg} | 120 | 125 | **no** |"
    assert "| yes (instances; flattened not run) |" in t.to_markdown({"old": {"tfc/kv260": old}})
