"""`pcnn-hw build --backends rtl,hls`: every hardware backend is reached the same way (#11)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pcnn_hw.compile.cli import parse_backends
from pcnn_hw.errors import ConfigError


def test_parse_backends_orders_merges_rtl_flag_and_names_unknown() -> None:
    assert parse_backends("") == ()
    assert parse_backends("rtl, hls") == ("hls", "rtl")
    assert parse_backends("hls", rtl=True) == ("hls", "rtl")
    with pytest.raises(ConfigError, match="unknown backend vhdl"):
        parse_backends("rtl,vhdl")


def test_build_with_hls_backend_writes_the_hls_project(mlp_onnx: Path, tmp_path: Path) -> None:
    out = tmp_path / "b"
    res = subprocess.run([sys.executable, "-m", "pcnn_hw.cli", "build", str(mlp_onnx), "--board", "kv260",
                          "--backends", "hls", "-o", str(out)], capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stderr[-2000:]
    manifest = json.loads((out / "hls" / "manifest.json").read_text())
    assert manifest["part"].startswith("xck26")  # the build's board, not a default
    assert (out / "hls" / "run_hls.tcl").is_file() and (out / "hls" / "top.cpp").is_file()
    assert "hls" in json.loads((out / "build.json").read_text())["outputs"]
    bad = subprocess.run([sys.executable, "-m", "pcnn_hw.cli", "build", str(mlp_onnx), "--backends", "vhdl",
                          "-o", str(tmp_path / "c")], capture_output=True, text=True, timeout=300)
    assert bad.returncode != 0 and "unknown backend vhdl" in bad.stderr and "Traceback" not in bad.stderr
    assert not (tmp_path / "c").exists()
