"""Native (C) MVAU kernels of the bit-exact simulator, compiled on first use.

numpy has no fused XOR-popcount-sum reduction, so the numpy path of `pcnn_hw.core.bits` pays a
temporary array and a Python-level step per input word, and the integer first layer goes through float
BLAS and separate threshold and packing passes; `kernels.c` (our own CPython extension, no third-party
code) does each layer in one pass. The numpy path stays the reference: both compute the same integers,
and the tests compare them on random data.

* ``load(required=False)``: the compiled extension module, or None when no C compiler is available
  (``required=True``: ToolMissingError / SimulationError instead).
* ``NativeMvau(kernels, 'xnor' | 'int', weights)``: one layer's weights in the kernels' blocked layout,
  with ``accumulate(x)`` (P, int32) and ``threshold_bits(x, thresholds)`` (packed bits P >= T).
* The extension is built by the C compiler (``cc``, else ``gcc``) with ``-O3`` (plus ``-mpopcnt`` and
  ``-mavx2`` on x86-64 CPUs that have them) into ``cache_dir()``, in an entry of the shared build
  cache (`pcnn_hw.graph.cache`) named by the hash of the source, compiler version, flags and Python
  ABI, renamed into place atomically (a per-user temp folder if that cannot be written); an unchanged
  source is compiled once per machine.
* ``python -m pcnn_hw.sim.native`` builds it (``make install`` does) and prints where it is.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
import warnings
from pathlib import Path
from types import ModuleType

from pcnn_hw.core.native_mvau import (  # noqa: F401 - the kernels' layout, re-exported (moved, #11)
    H_BLOCK,
    NativeMvau,
    block_int_weights,
    block_weights,
    default_threads,
    pad_thresholds,
)
from pcnn_hw.errors import OutputPathError, SimulationError, ToolMissingError
from pcnn_hw.graph.cache import cached_build
from pcnn_hw.outputs import fallback_cache_root

SOURCE = Path(__file__).resolve().parent / "kernels.c"
MODULE_NAME = "_pcnn_kernels"
BASE_FLAGS = ("-O3", "-shared", "-fPIC", "-std=gnu11", "-Wall", "-Wextra", "-pthread")
COMPILE_TIMEOUT_S = 300.0
CACHE_KIND = "native"  # pcnn_hw.graph.cache kind: <user cache>/pcnn-hw/native/<key>/

_loaded: ModuleType | None = None
_failure: str | None = None


def cache_dir() -> Path:
    """Where compiled kernels live: $XDG_CACHE_HOME/pcnn-hw/native (default ~/.cache/pcnn-hw/native)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pcnn-hw" / CACHE_KIND


def find_c_compiler() -> Path:
    """The C compiler (``cc``, else ``gcc``, on PATH); ToolMissingError if there is none."""
    for name in ("cc", "gcc"):
        found = shutil.which(name)
        if found:
            return Path(found)
    raise ToolMissingError(
        "no C compiler (cc or gcc) on PATH: the native simulator kernels need one "
        "(e.g. `apt-get install gcc`); the numpy backend runs without it"
    )


def _x86_cpu_flags() -> set[str]:
    """CPU feature flags of an x86-64 Linux machine (empty elsewhere)."""
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return set()
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def compile_flags() -> tuple[str, ...]:
    """Compiler flags for this machine: -mpopcnt / -mavx2 only where the CPU has them."""
    cpu = _x86_cpu_flags()
    return BASE_FLAGS + tuple(f"-m{f}" for f in ("popcnt", "avx2") if f in cpu)


def _compiler_version(cc: Path) -> str:
    try:
        res = subprocess.run([str(cc), "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        raise ToolMissingError(f"C compiler {cc} does not run ({type(exc).__name__}: {exc})") from exc
    return res.stdout.splitlines()[0] if res.stdout else ""


def _module_file() -> str:
    return f"{MODULE_NAME}{importlib.machinery.EXTENSION_SUFFIXES[0]}"


def _key_parts(cc: Path) -> list[Path | str]:
    """What the compiled module depends on: source, compiler version, flags, Python ABI and headers, CPU."""
    return [SOURCE, _compiler_version(cc), " ".join(compile_flags()),
            importlib.machinery.EXTENSION_SUFFIXES[0], sysconfig.get_paths()["include"], platform.machine()]


def fallback_cache_dir() -> Path:
    """Where kernels go when `cache_dir()` is not writable: a per-user folder in the temp directory."""
    return fallback_cache_root() / CACHE_KIND


def build() -> Path:
    """Compile the extension into the cache (once); returns its path. SimulationError if it fails.

    The cache entry (`pcnn_hw.graph.cache.cached_build`, keyed by `_key_parts`) is in `cache_dir()`, or
    `fallback_cache_dir()` when that cannot be written."""
    cc = find_c_compiler()
    include = sysconfig.get_paths()["include"]

    def compile_into(tmp: Path) -> None:
        if not (Path(include) / "Python.h").is_file():
            raise ToolMissingError(f"Python headers not found ({include}/Python.h); install python3-dev")
        _compile(cc, include, tmp / _module_file())

    try:
        entry = cached_build(CACHE_KIND, _key_parts(cc), compile_into,
                             roots=(cache_dir(), fallback_cache_dir()))
    except OutputPathError as exc:
        raise SimulationError(f"no writable cache for the native kernels ({exc})") from exc
    return entry / _module_file()


def _compile(cc: Path, include: str, out: Path) -> None:
    """Compile SOURCE into `out` (in the cache's temporary build directory); SimulationError on failure."""
    cmd = [str(cc), *compile_flags(), f"-I{include}", str(SOURCE), "-o", str(out)]
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=COMPILE_TIMEOUT_S)
    except subprocess.TimeoutExpired as exc:
        raise SimulationError(f"compiling the native kernels took over {COMPILE_TIMEOUT_S:.0f} s") from exc
    if res.returncode != 0:
        raise SimulationError(
            f"compiling the native kernels failed ({' '.join(cmd)}):\n{res.stderr.strip()[-2000:]}"
        )


def _import(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(MODULE_NAME, path)
    if spec is None or spec.loader is None:
        raise SimulationError(f"cannot load the native kernels from {path}")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def load(required: bool = False) -> ModuleType | None:
    """The native kernel module (built on first use), or None if it cannot be built.

    With ``required=True`` a missing compiler raises ToolMissingError and a failed build
    SimulationError; otherwise the first failure is reported once as a warning and None returned
    (callers then use the numpy path).
    """
    global _loaded, _failure
    if _loaded is not None:
        return _loaded
    if _failure is not None and not required:
        return None
    try:
        _loaded = _import(build())
    except (ToolMissingError, SimulationError, OSError, ImportError) as exc:
        _failure = f"{type(exc).__name__}: {exc}"
        if required:
            if isinstance(exc, (ToolMissingError, SimulationError)):
                raise
            raise SimulationError(f"native kernels unavailable: {_failure}") from exc
        warnings.warn(f"native simulator kernels unavailable, using numpy ({_failure})", stacklevel=2)
        return None
    return _loaded


def main() -> int:
    """Build the kernels and print where they are (used by `make install`)."""
    try:
        mod = load(required=True)
    except (ToolMissingError, SimulationError) as exc:
        print(f"native kernels not built: {exc}", file=sys.stderr)
        return 1
    print(f"native simulator kernels: {mod.__file__}")
    return 0
