"""SIGINT/SIGTERM in the middle of a build (#14): one line on stderr, exit 130/143, no temporary
directory left, the old build untouched, and --from-step resumes cleanly afterwards."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pcnn_hw.compile.build import BuildResult

ROOT = Path(__file__).resolve().parents[2]


def _build_then_signal(argv: list[str], sig: int, when: str, timeout_s: float = 300.0):
    """Run `pcnn-hw ARGV` in a subprocess; send ``sig`` once a stdout line contains ``when``."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1", "PYTHONWARNINGS": "ignore"}
    proc = subprocess.Popen([sys.executable, "-m", "pcnn_hw.cli", *argv], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    t0, seen = time.monotonic(), []
    assert proc.stdout is not None
    for line in proc.stdout:
        seen.append(line)
        if when in line:
            time.sleep(0.3)  # inside the step
            proc.send_signal(sig)
            break
        assert time.monotonic() - t0 < timeout_s, "".join(seen)
    try:
        out, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    return proc.returncode, "".join(seen) + out, err


def test_sigterm_mid_resumed_build(mlp_onnx: Path, mlp_build: BuildResult, tmp_path: Path) -> None:
    """A --from-step run interrupted in its first step leaves the old build as it was; resuming works."""
    out = tmp_path / "b"
    shutil.copytree(mlp_build.out_dir, out)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    rc, stdout, err = _build_then_signal(
        ["build", str(mlp_onnx), "--from-step", "folding", "--folding", "max", "-o", str(out)],
        signal.SIGTERM, "folding",
    )
    assert rc == 143, (stdout, err)
    assert err.strip().splitlines() == ["pcnn-hw build: interrupted by SIGTERM"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    from pcnn_hw.cli import main

    assert main(["build", str(mlp_onnx), "--from-step", "folding", "--folding", "max", "-o", str(out)]) == 0
    assert (out / "folded.onnx").is_file()


def test_sigint_fresh_build_leaves_nothing(mlp_onnx: Path, tmp_path: Path) -> None:
    """SIGINT (Ctrl-C) during a fresh build: exit 130, one line, no output or hidden partial directory."""
    rc, stdout, err = _build_then_signal(["build", str(mlp_onnx), "-o", str(tmp_path / "new")],
                                         signal.SIGINT, "streamline")
    assert rc == 130, (stdout, err)
    assert err.strip().splitlines() == ["pcnn-hw build: interrupted by SIGINT"]
    assert list(tmp_path.iterdir()) == []


def _processes_under(path: Path) -> list[str]:
    """Command lines of live processes whose working directory is inside ``path``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if Path(os.readlink(entry / "cwd")).is_relative_to(path):
                found.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except OSError:
            continue
    return found


@pytest.mark.slow
def test_sigterm_during_rtl_stops_tools(mlp_onnx: Path, tmp_path: Path) -> None:
    """SIGTERM while Verilator runs (`build --rtl`): exit 143, its processes stopped, nothing left."""
    out = tmp_path / "builds" / "rtl"
    os.environ.setdefault("XDG_CACHE_HOME", str(tmp_path / "cache"))
    rc, stdout, err = _build_then_signal(["build", str(mlp_onnx), "--rtl", "-o", str(out)],
                                         signal.SIGTERM, "FIFO depths", timeout_s=900)
    assert rc == 143, (stdout, err)
    assert err.strip().splitlines() == ["pcnn-hw build: interrupted by SIGTERM"]
    time.sleep(1.0)
    assert _processes_under(tmp_path) == []
    assert list((tmp_path / "builds").iterdir()) == []
