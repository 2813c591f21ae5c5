"""Subprocesses that leave nothing behind: a timeout kills the whole process group.

``subprocess.run(timeout=...)`` kills only the direct child; a compiler driver (``g++`` -> ``cc1plus``,
Verilator's ``make`` -> ``g++``) then leaves its workers running, orphaned, for as long as they take.
:func:`run_killing_group` starts the command in its own session and kills the group on timeout.
"""

from __future__ import annotations

import os
import signal
import subprocess
from typing import Any


def run_killing_group(cmd: list[str], timeout: float, **kw: Any) -> subprocess.CompletedProcess:
    """``subprocess.run(cmd, timeout=timeout, **kw)``, but a timeout SIGKILLs the command's whole process
    group (then re-raises ``subprocess.TimeoutExpired``). ``kw``: Popen/communicate keywords (``input``
    is passed to ``communicate``)."""
    inp = kw.pop("input", None)
    if kw.pop("capture_output", False):
        kw["stdout"], kw["stderr"] = subprocess.PIPE, subprocess.PIPE
    check = kw.pop("check", False)
    with subprocess.Popen(cmd, start_new_session=True, **kw) as proc:
        try:
            out, err = proc.communicate(inp, timeout=timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.communicate()
            raise
        res = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    if check:
        res.check_returncode()
    return res
