"""The one place that finds and invokes g++ (and the ap_types headers) for HLS C-simulation.

* ``find_compiler(cxx)``: the C++ compiler (default ``g++`` on PATH); ToolMissingError if absent.
* ``find_ap_types(path)``: the Apache-2.0 ``ap_int.h`` headers shipped in the installed ``hls4ml`` wheel
  (``hls4ml/templates/vivado/ap_types``), found at run time and never copied into the repository.
* ``library_dir()``: our kernel library ``hls/`` (read from the repository of the installed editable
  package).
* ``compile_cached(...)``: compile sources into an entry of the project's build cache
  (`pcnn_hw.graph.cache.cached_build`) keyed by sources, headers, flags and compiler version, so an
  unchanged design is compiled once; a failed compile keeps its log. Every compile and run is bounded
  by a timeout.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pcnn_hw.core.proc import run_killing_group
from pcnn_hw.errors import SimulationError, ToolMissingError
from pcnn_hw.graph.cache import cache_entry, cached_build, keep_failed_log

CXX_STD = "-std=c++14"
# HLS pragmas are unknown to g++; everything else of our own code must be warning-free.
WARN_FLAGS = ("-Wall", "-Wextra", "-Wno-unknown-pragmas")
OPT_FLAGS = ("-O1",)  # -O2 makes g++ 12 flag UB in ap_private.h (reversed range paths); -O1 is clean
COMPILE_TIMEOUT_S = 600.0
RUN_TIMEOUT_S = 600.0


def library_dir() -> Path:
    """The repository's ``hls/`` kernel library (``include/pcnn``, ``tb``); ToolMissingError if absent."""
    root = Path(__file__).resolve().parents[2] / "hls"
    if not (root / "include" / "pcnn" / "pcnn.h").is_file():
        raise ToolMissingError(
            f"HLS kernel library not found at {root} (pcnn_hw.hls reads the repository's hls/ directory; "
            "install pcnn-hw in editable mode from a checkout: `make install`)"
        )
    return root


def find_ap_types(path: str | Path | None = None) -> Path:
    """Directory holding ``ap_int.h`` (given, or from the installed hls4ml wheel); else ToolMissingError."""
    if path is None:
        spec = importlib.util.find_spec("hls4ml")
        if spec is None or spec.origin is None:
            raise ToolMissingError(
                "ap_types headers (ap_int.h) not found: the hls4ml package is not installed "
                "(it is pinned in requirements.txt; run `make install`)"
            )
        path = Path(spec.origin).parent / "templates" / "vivado" / "ap_types"
    path = Path(path)
    missing = [h for h in ("ap_int.h", "ap_common.h", "etc/ap_private.h") if not (path / h).is_file()]
    if missing:
        raise ToolMissingError(
            f"ap_types headers missing in {path} ({', '.join(missing)}); expected the Apache-2.0 ap_types "
            "of the hls4ml wheel (hls4ml/templates/vivado/ap_types; run `make install`)"
        )
    return path


def find_compiler(cxx: str | Path | None = None) -> Path:
    """The C++ compiler (default ``g++`` on PATH); ToolMissingError if it is not there or does not run."""
    name = str(cxx) if cxx is not None else "g++"
    found = shutil.which(name)
    if found is None:
        raise ToolMissingError(
            f"C++ compiler {name!r} not found (HLS C-simulation needs g++ >= 7; install it, e.g. "
            "`apt-get install g++`)"
        )
    try:
        subprocess.run([found, "--version"], capture_output=True, timeout=30, check=True)
    except (OSError, subprocess.SubprocessError) as exc:
        raise ToolMissingError(f"C++ compiler {found} does not run ({type(exc).__name__}: {exc})") from exc
    return Path(found)


@dataclass(frozen=True)
class Toolchain:
    """A resolved compiler + ap_types header directory + our kernel library."""

    cxx: Path
    ap_types: Path
    library: Path

    def version(self) -> str:
        """First line of ``cxx --version`` (part of the compile cache key)."""
        out = subprocess.run([str(self.cxx), "--version"], capture_output=True, text=True, timeout=30)
        return (out.stdout.splitlines() or [""])[0]

    def flags(self, include_dirs: list[Path], defines: tuple[str, ...] = ()) -> list[str]:
        """Compiler flags: our include dirs with -I, the external ap_types headers with -isystem."""
        inc = [f"-I{d}" for d in include_dirs]
        return [
            CXX_STD,
            *OPT_FLAGS,
            *WARN_FLAGS,
            *[f"-D{d}" for d in defines],
            *inc,
            "-isystem",
            str(self.ap_types),
        ]


def toolchain(cxx: str | Path | None = None, ap_types: str | Path | None = None) -> Toolchain:
    """Resolve the compiler, the ap_types headers and the kernel library (ToolMissingError on any gap)."""
    return Toolchain(find_compiler(cxx), find_ap_types(ap_types), library_dir())


COMPILE_KEY_VERSION = "pcnn-hw g++ compile 2"  # bump when the layout of an entry changes


def compile_key_parts(
    tc: Toolchain, sources: list[Path], include_dirs: list[Path], defines: tuple[str, ...]
) -> list[str | bytes]:
    """What a compiled executable depends on (the cache key): the entry layout's version, the compiler
    version, the flags (without the directories' locations), the sources (name + bytes) and every
    header/source under the include directories (relative name + bytes)."""
    parts: list[str | bytes] = [COMPILE_KEY_VERSION, tc.version(), " ".join(tc.flags([], defines))]
    items = [(p.name, p) for p in sources]
    for i, d in enumerate(include_dirs):
        items += [
            (f"{i}/{p.relative_to(d)}", p) for p in sorted(d.rglob("*")) if p.suffix in (".h", ".hpp", ".cpp")
        ]
    for name, p in items:
        parts += [name, p.read_bytes()]
    return parts


@dataclass
class CompileResult:
    """An executable and the compiler's diagnostics (empty when warning-free)."""

    exe: Path
    warnings: str
    cached: bool


def compile_cached(
    tc: Toolchain,
    sources: list[Path],
    include_dirs: list[Path],
    cache_dir: Path,
    name: str = "csim",
    timeout: float = COMPILE_TIMEOUT_S,
    defines: tuple[str, ...] = (),
    on_compile: Callable[[], None] | None = None,
    failed_dir: Path | None = None,
) -> CompileResult:
    """Compile ``sources`` into the entry ``cache_dir/<name>-<key>/`` of the project's build cache
    (:func:`pcnn_hw.graph.cache.cached_build`, kind "g++", key :func:`compile_key_parts`): the
    executable ``<name>`` and the compiler's diagnostics ``<name>.log``. An existing entry is reused
    (``on_compile`` is called just before a real compilation starts, e.g. to print a progress line); an
    entry appears only complete (atomic rename), older entries are left alone.

    SimulationError (with the compiler's first error lines) on failure or timeout; the full compiler
    output of a failed run is kept as ``<failed_dir>/<name>-<key>.log`` (default ``cache_dir/failed``;
    a caller compiling inside a temporary directory passes one that outlives it) and named in the error.
    """
    cache_dir = Path(cache_dir).resolve()
    failed = Path(failed_dir) if failed_dir is not None else cache_dir / "failed"
    flags = tc.flags(include_dirs, defines)
    parts = compile_key_parts(tc, sources, include_dirs, defines)
    hit = cache_entry("g++", parts, roots=[cache_dir], label=name)
    if hit is not None:
        log = hit / f"{name}.log"
        return CompileResult(hit / name, log.read_text() if log.is_file() else "", True)

    def compile_into(tmp: Path) -> None:
        if on_compile is not None:
            on_compile()
        cmd = [str(tc.cxx), *flags, *[str(s) for s in sources], "-o", str(tmp / name)]
        try:
            res = run_killing_group(cmd, timeout, capture_output=True, text=True)
        except subprocess.TimeoutExpired as exc:
            kept = keep_failed_log(failed, parts, _text(exc.stderr), name)
            msg = f"C-sim compile of {name} timed out after {timeout:.0f} s (log: {kept})"
            raise SimulationError(msg) from exc
        if res.returncode != 0:
            kept = keep_failed_log(failed, parts, res.stderr, name)
            errs = [ln for ln in res.stderr.splitlines() if "error" in ln][:5] or res.stderr.splitlines()[-5:]
            msg = f"C-sim compile of {name} failed ({tc.cxx}; log: {kept}):\n" + "\n".join(errs)
            raise SimulationError(msg)
        (tmp / f"{name}.log").write_text(res.stderr)

    entry = cached_build("g++", parts, compile_into, roots=[cache_dir], label=name)
    return CompileResult(entry / name, (entry / f"{name}.log").read_text(), False)


def _text(out: str | bytes | None) -> str:
    return out.decode(errors="replace") if isinstance(out, bytes) else (out or "")


def run_exe(exe: Path, args: list[str], cwd: Path, timeout: float = RUN_TIMEOUT_S) -> str:
    """Run a compiled testbench; SimulationError on a non-zero exit (e.g. stream deadlock) or timeout."""
    try:
        res = subprocess.run(
            [str(Path(exe).resolve()), *args], cwd=cwd, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired as exc:
        raise SimulationError(f"C-sim {exe.name} timed out after {timeout:.0f} s") from exc
    if res.returncode != 0:
        msg = (res.stderr.strip().splitlines() or [f"exit status {res.returncode}"])[-1]
        raise SimulationError(f"C-sim {exe.name} failed (exit {res.returncode}): {msg}")
    return res.stdout
