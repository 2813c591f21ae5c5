"""Native (C) MVAU kernels of the bit-exact simulator, compiled on first use.

numpy has no fused XOR-popcount-sum reduction, so the numpy path of `pcnn_hw.sim.packing` pays a
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

import numpy as np

from pcnn_hw.errors import OutputPathError, SimulationError, ToolMissingError
from pcnn_hw.graph.cache import cached_build
from pcnn_hw.outputs import fallback_cache_root

SOURCE = Path(__file__).resolve().parent / "kernels.c"
MODULE_NAME = "_pcnn_kernels"
BASE_FLAGS = ("-O3", "-shared", "-fPIC", "-std=gnu11", "-Wall", "-Wextra", "-pthread")
COMPILE_TIMEOUT_S = 300.0
H_BLOCK = 16  # outputs per weight block (kernels.c)
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


def block_weights(w_words: np.ndarray) -> np.ndarray:
    """Packed XNOR weights (H, NW) -> the kernels' blocked layout (ceil(H / 16), NW, 16), zero-padded."""
    h, nw = w_words.shape
    hp = -(-h // H_BLOCK) * H_BLOCK
    padded = np.zeros((hp, nw), np.uint64)
    padded[:h] = w_words
    return np.ascontiguousarray(padded.reshape(hp // H_BLOCK, H_BLOCK, nw).transpose(0, 2, 1))


def block_int_weights(w: np.ndarray) -> np.ndarray:
    """Integer weights (K, H) -> the kernels' layout (ceil(H / 16), ceil(K / 2), 16, 2) int16, zero-padded."""
    k, h = w.shape
    kp, hp = -(-k // 2), -(-h // H_BLOCK) * H_BLOCK
    padded = np.zeros((2 * kp, hp), np.int16)
    padded[:k, :h] = w
    # [b][kp][l][pair] = w[2 kp + pair][16 b + l]
    return np.ascontiguousarray(padded.reshape(kp, 2, hp // H_BLOCK, H_BLOCK).transpose(2, 0, 3, 1))


def pad_thresholds(thresholds: np.ndarray, h: int) -> np.ndarray:
    """(H,) thresholds -> the kernels' int32 form: rounded up (P >= t <=> P >= ceil(t) for integer P),
    clipped to (INT32_MIN, INT32_MAX] (NaN and +inf: never reached), zero-padded to whole 16-output
    blocks."""
    t = np.asarray(thresholds, np.float64).reshape(-1)
    if t.size != h:
        raise ValueError(f"{t.size} thresholds for {h} outputs")
    out = np.zeros(-(-h // H_BLOCK) * H_BLOCK, np.int32)
    t = np.where(np.isnan(t), np.inf, t)  # P >= NaN is false, as P >= +inf
    out[:h] = np.clip(np.ceil(t), -(2**31) + 1, 2**31 - 1)
    return out


def default_threads() -> int:
    """Threads the kernels may use: the CPUs this process may run on (at most 16)."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        n = os.cpu_count() or 1
    return max(1, min(16, n))


class NativeMvau:
    """One MVAU's accumulators (and fused thresholding) with the native kernels, for fixed weights.

    kind 'xnor': `weights` are packed XNOR weight rows (H, NW) uint64 (packed like the inputs) and
    `k_bits` the number K of real bits, P = K - popcount(x XOR w); inputs are packed rows (M, NW).
    kind 'int': `weights` (K, H) integers, P = x @ w; inputs (M, K) integers. Exact only while
    |x| * |w| < 2**15 and K * that < 2**31: `int_fits` says whether given input and weight ranges do.
    `kernels` is the module from `load()`.
    """

    def __init__(self, kernels: ModuleType, kind: str, weights: np.ndarray, k_bits: int = 0,
                 threads: int | None = None) -> None:
        if kind not in ("xnor", "int"):
            raise ValueError(f"kind {kind!r}: expected 'xnor' or 'int'")
        self.kernels, self.kind = kernels, kind
        self.threads = threads if threads is not None else default_threads()
        self.k_bits = int(k_bits)
        if kind == "xnor":
            self.h, self.n_in = (int(v) for v in weights.shape)
            self.blocked = block_weights(np.asarray(weights, np.uint64))
            self.dtype = np.dtype(np.uint64)
            self._acc, self._thr = kernels.xnor_acc, kernels.xnor_threshold_bits
            self._tail: tuple[int, ...] = (self.k_bits, self.threads)
        else:
            self.n_in, self.h = (int(v) for v in weights.shape)
            self.blocked = block_int_weights(np.asarray(weights))
            self.dtype = np.dtype(np.int16)
            self._acc, self._thr = kernels.int_acc, kernels.int_threshold_bits
            self._tail = (self.threads,)
        self.padded_h = -(-self.h // H_BLOCK) * H_BLOCK
        self.out_words = -(-self.h // 64)

    @staticmethod
    def int_fits(x_range: tuple[float, float], w_range: tuple[float, float], k: int) -> bool:
        """True if the int kernel is exact for inputs and weights in these (min, max) ranges."""
        xm = max(abs(float(x_range[0])), abs(float(x_range[1])))
        wm = max(abs(float(w_range[0])), abs(float(w_range[1])))
        return xm * wm < 2**15 and xm < 2**15 and wm < 2**15 and 2 * xm * wm * max(1, k) < 2**31

    def _rows(self, x: np.ndarray) -> np.ndarray:
        if x.dtype == self.dtype and x.ndim == 2 and x.shape[1] == self.n_in and x.flags.c_contiguous:
            return x  # the common case, checked cheaply (this runs once per layer and batch)
        x = np.ascontiguousarray(x, self.dtype)
        if x.ndim != 2 or x.shape[1] != self.n_in:
            raise ValueError(f"input rows {x.shape} do not match the weights' {self.n_in} per row")
        return x

    def accumulate(self, x: np.ndarray) -> tuple[np.ndarray, tuple[int, int]]:
        """P (M, H) int32 for input rows (M, NW or K), and (min P, max P)."""
        x = self._rows(x)
        m = x.shape[0]
        out = np.empty((m, self.h), np.int32)
        return out, self._acc(x, self.blocked, out, m, self.n_in, self.h, *self._tail)

    def threshold_bits(self, x: np.ndarray, thresholds: np.ndarray) -> tuple[np.ndarray, tuple[int, int]]:
        """Packed output bits (M, ceil(H / 64)) uint64, bit h of row i = P[i, h] >= thresholds[h], and
        (min P, max P) (min > max when M = 0). `thresholds`: (H,) values or the `pad_thresholds` form."""
        x = self._rows(x)
        m = x.shape[0]
        out = np.empty((m, self.out_words), np.uint64)
        if thresholds.dtype != np.int32 or thresholds.size != self.padded_h:
            thresholds = pad_thresholds(thresholds, self.h)
        return out, self._thr(x, self.blocked, thresholds, out, m, self.n_in, self.h, *self._tail)


def main() -> int:
    """Build the kernels and print where they are (used by `make install`)."""
    try:
        mod = load(required=True)
    except (ToolMissingError, SimulationError) as exc:
        print(f"native kernels not built: {exc}", file=sys.stderr)
        return 1
    print(f"native simulator kernels: {mod.__file__}")
    return 0
