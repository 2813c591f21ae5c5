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
  ``-mavx2`` on x86-64 CPUs that have them) into ``cache_dir()``, in a file named by the hash of the
  source, compiler version, flags and Python ABI, written atomically (a per-user temp folder if that
  cannot be written); an unchanged source is compiled once per machine.
* ``python -m pcnn_hw.sim.native`` builds it (``make install`` does) and prints where it is.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
import tempfile
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
from pcnn_hw.errors import SimulationError, ToolMissingError

SOURCE = Path(__file__).resolve().parent / "kernels.c"
MODULE_NAME = "_pcnn_kernels"
BASE_FLAGS = ("-O3", "-shared", "-fPIC", "-std=gnu11", "-Wall", "-Wextra", "-pthread")
COMPILE_TIMEOUT_S = 300.0

_loaded: ModuleType | None = None
_failure: str | None = None


def cache_dir() -> Path:
    """Where compiled kernels live: $XDG_CACHE_HOME/pcnn-hw/native (default ~/.cache/pcnn-hw/native)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pcnn-hw" / "native"


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


def _relative_path(cc: Path) -> Path:
    """<hash>/<module file> for this source, compiler, flags and Python ABI."""
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    key = hashlib.sha256()
    for part in (SOURCE.read_bytes(), _compiler_version(cc).encode(), " ".join(compile_flags()).encode(),
                 suffix.encode(), sysconfig.get_paths()["include"].encode(), platform.machine().encode()):
        key.update(part)
        key.update(b"\0")
    return Path(key.hexdigest()[:20]) / f"{MODULE_NAME}{suffix}"


def fallback_cache_dir() -> Path:
    """Where kernels go when `cache_dir()` is not writable: a per-user folder in the temp directory."""
    return Path(tempfile.gettempdir()) / f"pcnn-hw-{os.getuid()}" / "native"


def build() -> Path:
    """Compile the extension into the cache (once); returns its path. SimulationError if it fails.

    The cache is `cache_dir()`, or `fallback_cache_dir()` when that cannot be written."""
    cc = find_c_compiler()
    rel = _relative_path(cc)
    include = sysconfig.get_paths()["include"]
    problems = []
    for base in (cache_dir(), fallback_cache_dir()):
        target = base / rel
        if target.is_file():
            return target
        if not (Path(include) / "Python.h").is_file():
            raise ToolMissingError(f"Python headers not found ({include}/Python.h); install python3-dev")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp_", suffix=".so", dir=target.parent)
        except OSError as exc:  # not writable: try the next place
            problems.append(f"{target.parent}: {exc}")
            continue
        os.close(fd)
        _compile(cc, include, tmp, target)
        return target
    raise SimulationError(f"no writable cache for the native kernels ({'; '.join(problems)})")


def _compile(cc: Path, include: str, tmp: str, target: Path) -> None:
    """Compile SOURCE into `tmp`, then move it to `target` atomically; SimulationError on failure."""
    cmd = [str(cc), *compile_flags(), f"-I{include}", str(SOURCE), "-o", tmp]
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=COMPILE_TIMEOUT_S)
        if res.returncode != 0:
            raise SimulationError(
                f"compiling the native kernels failed ({' '.join(cmd)}):\n{res.stderr.strip()[-2000:]}"
            )
        os.replace(tmp, target)  # atomic: concurrent builders all end with a complete file
    except subprocess.TimeoutExpired as exc:
        raise SimulationError(f"compiling the native kernels took over {COMPILE_TIMEOUT_S:.0f} s") from exc
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


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
