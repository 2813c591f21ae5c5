"""The same build in two processes with different PYTHONHASHSEED gives byte-identical files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = """
import io, sys
from pcnn_hw.compile.build import build
build(sys.argv[1], sys.argv[2], "pynq-z2", stream=io.StringIO())
if sys.argv[3] == "rtl":
    from pcnn_hw.rtl.flow import run_rtl
    run_rtl(sys.argv[2], frames=2, synth=False, stream=io.StringIO())
"""


def _drop_wall_times(obj: object) -> object:
    """report.json's RTL section records wall-clock seconds of the run; everything else is compared."""
    if isinstance(obj, dict):
        return {k: _drop_wall_times(v) for k, v in obj.items() if k not in ("seconds", "wall_s")}
    if isinstance(obj, list):
        return [_drop_wall_times(v) for v in obj]
    return obj


def _read(p: Path) -> bytes:
    if p.name == "report.json":
        return json.dumps(_drop_wall_times(json.loads(p.read_text())), sort_keys=True).encode()
    return p.read_bytes()


def _files(root: Path) -> dict[str, bytes]:
    # sim/ holds Verilator's object directories and logs (inode/mtime stamps, wall-clock seconds):
    # the tool's scratch, not a build output; rtl/ (Verilog, .memh, design.json) is compared
    return {str(p.relative_to(root)): _read(p) for p in sorted(root.rglob("*"))
            if p.is_file() and p.relative_to(root).parts[0] != "sim"}  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("rtl", [False, True], ids=["build", "build+rtl"])
def test_build_identical_across_processes(tmp_path: Path, rtl: bool) -> None:
    from pcnn_hw.compile import testmodels

    onnx = testmodels.export_mini_cnn(tmp_path / "cnn.onnx", size=10)
    out = tmp_path / "out"  # same path both times: build.json records it
    trees = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-c", SCRIPT, str(onnx), str(out), "rtl" if rtl else "-"],
                       check=True, env=env, timeout=900, capture_output=True)  # fmt: skip
        trees.append(_files(out))
        shutil.rmtree(out)
    assert trees[0].keys() == trees[1].keys()
    differ = [k for k in trees[0] if trees[0][k] != trees[1][k]]
    assert not differ, f"files differ between processes: {differ}"
    assert any(k.startswith("steps/") for k in trees[0])
    assert not rtl or any(k.startswith("rtl/") for k in trees[0])
