"""SIGINT and SIGTERM handled the same way: the first one raises :class:`Interrupted` in the main thread
(so every ``finally``/``except BaseException`` cleanup runs, e.g. the build's temporary directory is
removed) and stops the tool subprocesses we started (Verilator, Yosys, g++, make), also those started
by worker threads; ``pcnn_hw.cli.main`` turns it into one line on stderr and exit code 128 + signal
(130 for SIGINT, 143 for SIGTERM).

Python's default SIGINT handling (KeyboardInterrupt) would neither stop subprocesses that worker threads
wait on nor be raised for SIGTERM (which ``timeout`` and batch schedulers send), so this is our own.
Descendant processes are found in ``/proc`` (Linux); elsewhere only the exception is raised.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pcnn_hw.errors import Interrupted

REAP_PERIOD_S = 0.2  # how often processes started after the signal are stopped again


def descendants(pid: int | None = None) -> list[int]:
    """PIDs of all descendant processes of ``pid`` (default: this process), from /proc."""
    root = os.getpid() if pid is None else pid
    children: dict[int, list[int]] = {}
    try:
        entries = [p for p in Path("/proc").iterdir() if p.name.isdigit()]
    except OSError:
        return []
    for entry in entries:
        try:
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], list(children.get(root, []))
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(children.get(p, []))
    return found


def stop_descendants(sig: int = signal.SIGKILL) -> int:
    """Send ``sig`` to every descendant process; returns how many were signalled."""
    n = 0
    for pid in descendants():
        try:
            os.kill(pid, sig)
            n += 1
        except (ProcessLookupError, PermissionError):
            pass
    return n


@contextmanager
def interrupts_raise() -> Iterator[None]:
    """While active: SIGINT/SIGTERM → stop our subprocesses, raise Interrupted(signum) once; further
    signals are ignored so the cleanup can finish. A no-op outside the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    stop = threading.Event()
    fired: list[int] = []

    def reap() -> None:
        while not stop.wait(REAP_PERIOD_S):
            stop_descendants()

    def handler(signum: int, _frame: object) -> None:
        if fired:
            return
        fired.append(signum)
        stop_descendants(signal.SIGTERM)
        threading.Thread(target=reap, name="pcnn-hw-reaper", daemon=True).start()
        raise Interrupted(signum)

    old = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        stop.set()
        if fired:
            stop_descendants()


def signal_name(signum: int) -> str:
    """"SIGINT", "SIGTERM", ..."""
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"
