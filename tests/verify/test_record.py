"""`pcnn-hw verify` records its ladder in build/NAME/verify.json (small, deterministic) for the report."""

from __future__ import annotations

import json
import shutil

import numpy as np

from pcnn_hw.cli import main


def test_verify_writes_its_ladder(folded_cases, tmp_path, capsys) -> None:
    case = folded_cases("tfc")
    build = tmp_path / "b"
    shutil.copytree(case.build_dir, build)
    argv = ["verify", str(case.onnx_path), str(build), "--data", "mnist5k", "--limit", "6", "--no-csim"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    first = (build / "verify.json").read_bytes()
    rec = json.loads(first)
    assert rec["images"] == 6 and rec["dataset"] == "mnist5k" and rec["passed"] is True
    names = [lv["name"] for lv in rec["levels"]]
    assert names[:3] == ["QONNX", "FINN graph", "bit-exact sim"] and names[-1].startswith("board")
    for lv in rec["levels"]:
        assert f"{lv['accuracy'] * 100:.2f}%" in out and lv["mismatches"] == 0
    assert main(argv) == 0
    assert (build / "verify.json").read_bytes() == first  # same run, same bytes


def test_failed_verify_is_recorded(folded_cases, tmp_path) -> None:
    case = folded_cases("tfc")
    bad = tmp_path / "bad"
    shutil.copytree(case.build_dir, bad)
    wfile = sorted((bad / "weights").glob("MVAU_*.weights.npy"))[0]
    w = np.load(wfile)
    np.save(wfile, 1 - w if w.min() >= 0 else -w)
    argv = ["verify", str(case.onnx_path), str(bad), "--data", "mnist5k", "--limit", "10", "--no-csim"]
    assert main(argv) == 1
    rec = json.loads((bad / "verify.json").read_text())
    assert rec["passed"] is False
    sim = next(lv for lv in rec["levels"] if lv["name"] == "bit-exact sim")
    assert sim["mismatches"] > 0 and sim["first_mismatches"] and "MVAU" in sim["detail"]
