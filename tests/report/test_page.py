"""`pcnn-hw report` / the page `pcnn-hw build` writes: rows equal report.json, optional sections, errors."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from pcnn_hw.cli import main
from pcnn_hw.errors import BuildDirError
from pcnn_hw.report import write_report
from pcnn_hw.report.tables import fmt_num
from tests.report.htmltables import read_page

RTL_SECTIONS = ("pipeline", "fifos", "timing")


def _page(build: Path):
    return read_page((build / "report.html").read_text())


def test_fmt_num() -> None:
    assert [fmt_num(v) for v in (None, 0, 3.0, 15612.0, 0.5, 127226.46)] == [
        "–", "0", "3", "15,612", "0.5", "127,226.5"]


def test_build_writes_page_one_row_per_layer(mini_cnv_build: Path) -> None:
    """The page of a mini-cnv build: one row per report.json layer, in order, cells equal its numbers."""
    rep = json.loads((mini_cnv_build / "report.json").read_text())
    page = _page(mini_cnv_build)
    rows = [r for r in page.tables["layer-table"] if r["cols"]]
    assert [r["attrs"]["data-layer"] for r in rows] == [lay["name"] for lay in rep["layers"]]
    assert len(rep["layers"]) >= 10
    for row, lay in zip(rows, rep["layers"], strict=True):
        assert row["cols"]["cycles"] == fmt_num(lay["cycles"])
        assert row["cols"]["PE"] == fmt_num(lay["PE"]) and row["cols"]["SIMD"] == fmt_num(lay["SIMD"])
        assert row["cols"]["LUT"].rstrip("*") == fmt_num(lay["LUT"])
        assert row["cols"]["BRAM36"] == fmt_num(lay["BRAM36"])
    hot = [r["attrs"]["data-layer"] for r in rows if r["attrs"].get("class") == "hot"]
    assert hot == [rep["bottleneck"]["layer"]]


def test_page_without_rtl_has_no_rtl_sections(mini_cnv_build: Path) -> None:
    page = _page(mini_cnv_build)
    assert not page.ids & set(RTL_SECTIONS)
    assert {"summary", "layers", "charts", "budget", "verify"} <= page.ids
    header = page.tables["layer-table"][0]["cells"]
    assert "LUT (Yosys)" not in header and "est. fmax (MHz)" not in header
    pngs = sorted(p.name for p in (mini_cnv_build / "plots").glob("*.png"))
    assert pngs == ["budget.png", "cycles.png", "resources.png"]


def test_page_is_self_contained(mini_cnv_build: Path) -> None:
    """No script, no external reference; every image is an embedded PNG equal to the file in plots/."""
    page = _page(mini_cnv_build)
    text = (mini_cnv_build / "report.html").read_text()
    assert page.scripts == 0 and "http://" not in text and "https://" not in text
    assert all(h.startswith("#") for h in page.links)
    assert len(page.img_src) == 3
    files = {(mini_cnv_build / "plots" / f"{n}.png").read_bytes() for n in ("budget", "cycles", "resources")}
    embedded = set()
    for src in page.img_src:
        assert src.startswith("data:image/png;base64,")
        embedded.add(base64.b64decode(src.split(",", 1)[1]))
    assert embedded == files


def test_page_is_deterministic(build_copy: Path) -> None:
    """Same build -> byte-identical page and charts (the page embeds no time or path)."""
    def outputs() -> dict[str, bytes]:
        write_report(build_copy)
        files = [build_copy / "report.html", *sorted((build_copy / "plots").glob("*.png"))]
        return {p.name: p.read_bytes() for p in files}

    assert outputs() == outputs()
    assert str(build_copy.parent) not in (build_copy / "report.html").read_text()


def _add_rtl_records(build: Path) -> dict:
    """Write RTL/timing sections as the RTL flow and the timing contract define them (hand-made values)."""
    rep = json.loads((build / "report.json").read_text())
    names = [lay["name"] for lay in rep["layers"]]
    yl = {n: {"LUT": 100 + i, "FF": 10 * i, "BRAM36": 0.5 * (i % 2), "DSP": 0, "LUT_mem": 0, "RAMB18": 0,
              "RAMB36": i % 2} for i, n in enumerate(names)}
    depths = [2 + i for i in range(len(names) + 1)]
    rep["rtl"] = {"cycles_per_frame": 790.0, "fps": 126582.3, "frames": 4, "fifo_depths": depths,
                  "first_frame_latency_cycles": 2000, "bit_exact_frames": 4,
                  "yosys": {"layers": yl, "total": {"LUT": 5000, "FF": 800, "BRAM36": 3.5, "DSP": 0},
                            "instances": [{"name": f"fifo_{q}", "kind": "fifo",
                                           "layer": names[min(q, len(names) - 1)], "LUT": 7, "BRAM36": 0.0}
                                          for q in range(len(depths))]}}
    rep["timing"] = {"family": "xc7-1", "target_mhz": 100.0, "fmax_mhz": 142.0, "meets_target": True,
                     "delay_model": {"lut_ns": 0.124, "source": "hand-made test values"},
                     "worst": {"instance": "a", "layer": names[1], "lut_levels": 9, "carry_cells": 2,
                               "ns": 7.04, "from": "acc_reg", "to": "out_reg"},
                     "instances": {"a": {"layer": names[1], "lut_levels": 9, "carry_cells": 2, "ns": 7.04,
                                         "fmax_mhz": 142.0},
                                   "b": {"layer": names[1], "lut_levels": 5, "carry_cells": 0, "ns": 4.0,
                                         "fmax_mhz": 250.0},
                                   "c": {"layer": names[0], "lut_levels": 3, "carry_cells": 0, "ns": 3.0,
                                         "fmax_mhz": 333.3}},
                     "flattened": None}
    (build / "report.json").write_text(json.dumps(rep))
    run = {"frames": 4, "cycles_per_frame": 790.0,
           "layers": [{"layer": n, "busy": 400 * (i + 1), "out_stall": 8 * i, "in_starve": 4 * i,
                       "in_beats": 10, "out_beats": 5} for i, n in enumerate(names)]}
    (build / "sim").mkdir(exist_ok=True)
    (build / "sim" / "rtl_report.json").write_text(json.dumps(run))
    return rep


def test_page_with_rtl_sections(build_copy: Path) -> None:
    """RTL records present: Yosys columns, per-layer fmax = min over the layer's instances, pipeline
    counters per frame, one FIFO row per depth; the charts of those sections exist."""
    rep = _add_rtl_records(build_copy)
    names = [lay["name"] for lay in rep["layers"]]
    write_report(build_copy)
    page = _page(build_copy)
    assert set(RTL_SECTIONS) <= page.ids
    rows = [r for r in page.tables["layer-table"] if r["cols"]]
    for i, row in enumerate(rows):
        assert row["cols"]["y_LUT"] == fmt_num(100 + i) and row["cols"]["y_FF"] == fmt_num(10 * i)
    assert [r["cols"]["fmax"] for r in rows[:3]] == ["333.3", "142", "–"]
    assert "Yosys: BRAM" in rows[1]["cells"][-2]
    pipe = page.tables["pipeline-table"][1:]
    assert [r["cells"][0] for r in pipe] == names
    assert pipe[2]["cells"][1:4] == [fmt_num(1200 / 4), fmt_num(16 / 4), fmt_num(8 / 4)]
    fifo = page.tables["fifo-table"][1:]
    assert [r["cells"][2] for r in fifo] == [str(d) for d in rep["rtl"]["fifo_depths"]]
    pngs = {p.stem for p in (build_copy / "plots").glob("*.png")}
    assert {"pipeline", "fifos"} <= pngs
    assert "acc_reg" in (build_copy / "report.html").read_text()


def test_malformed_optional_sections_are_left_out(build_copy: Path) -> None:
    rep = json.loads((build_copy / "report.json").read_text())
    rep["rtl"], rep["timing"] = "garbage", [1, 2]
    (build_copy / "report.json").write_text(json.dumps(rep))
    (build_copy / "sim").mkdir(exist_ok=True)
    (build_copy / "sim" / "rtl_report.json").write_text("{not json")
    (build_copy / "verify.json").write_text(json.dumps({"levels": "x"}))
    write_report(build_copy)
    assert not _page(build_copy).ids & set(RTL_SECTIONS)


def test_page_shows_verify_ladder(build_copy: Path) -> None:
    import numpy as np

    from pcnn_hw.verify.ladder import LevelResult
    from pcnn_hw.verify.record import write_ladder_record

    res = [LevelResult("QONNX", np.zeros(4), np.zeros((4, 1)), 0.75),
           LevelResult("bit-exact sim", np.zeros(4), np.zeros((4, 1)), 0.5, agreement=0.75, mismatches=[3],
                       detail="image 3: label 1 vs 2 (layer MVAU_hls_1)")]
    write_ladder_record(build_copy, res, 4, "mnist5k")
    write_report(build_copy)
    rows = _page(build_copy).tables["ladder-table"]
    assert [r["cells"][:4] for r in rows[1:]] == [["QONNX", "75.00 %", "–", "0"],
                                                  ["bit-exact sim", "50.00 %", "75.00 %", "1"],
                                                  ["image 3: label 1 vs 2 (layer MVAU_hls_1)"]]
    assert rows[2]["cells"][-1] == "FAIL" and rows[1]["cells"][-1] == "PASS"


def test_not_a_build_is_a_typed_error(tmp_path: Path, capsys) -> None:
    with pytest.raises(BuildDirError, match="no such build directory"):
        write_report(tmp_path / "missing")
    with pytest.raises(BuildDirError, match="no report.json"):
        write_report(tmp_path)
    (tmp_path / "report.json").write_text('{"board": {}}')
    with pytest.raises(BuildDirError, match="no 'layers' list"):
        write_report(tmp_path)
    assert main(["report", str(tmp_path / "missing")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("pcnn-hw report: error:") and "missing" in err[0]
    assert not (tmp_path / "report.html").exists()


def test_foreign_files_are_not_overwritten(build_copy: Path) -> None:
    (build_copy / "report.html").write_text("<html>mine</html>")
    with pytest.raises(BuildDirError, match="not written by"):
        write_report(build_copy)
    assert (build_copy / "report.html").read_text() == "<html>mine</html>"
    (build_copy / "report.html").unlink()
    (build_copy / "plots" / ".written-by-pcnn-hw-report").unlink()
    with pytest.raises(BuildDirError, match="plots"):
        write_report(build_copy)
