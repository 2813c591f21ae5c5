"""core.proc.run_killing_group: a timeout ends the command's whole process group, grandchildren too."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from pcnn_hw.core.proc import run_killing_group


def test_timeout_kills_grandchildren(tmp_path: Path) -> None:
    """A shell that starts a background worker (like g++ -> cc1plus): after the timeout the worker is gone."""
    pidfile = tmp_path / "worker.pid"
    t0 = time.monotonic()
    with pytest.raises(subprocess.TimeoutExpired):
        run_killing_group(["sh", "-c", f"sleep 60 & echo $! > {pidfile}; wait"], 1.0, capture_output=True)
    assert time.monotonic() - t0 < 20  # not held until the worker ends by itself (it keeps the pipes open)
    pid = int(pidfile.read_text())
    for _ in range(50):  # the kill is immediate; reaping by init may take a moment
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        if Path(f"/proc/{pid}/stat").is_file() and Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z":
            return  # a zombie: killed, not yet reaped
        time.sleep(0.1)
    pytest.fail(f"worker {pid} still running after the timeout")


def test_output_and_return_code() -> None:
    """Otherwise it behaves like subprocess.run (captured text output, return code, check)."""
    res = run_killing_group(["sh", "-c", "echo hi; exit 3"], 10.0, capture_output=True, text=True)
    assert (res.stdout, res.returncode) == ("hi\n", 3)
    with pytest.raises(subprocess.CalledProcessError):
        run_killing_group(["sh", "-c", "exit 3"], 10.0, check=True)
