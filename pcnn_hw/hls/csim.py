"""C-simulation of a generated network top with g++, and its fidelity-ladder Level.

`CSim(build_dir)` only reads the build directory: it generates the HLS project into a scratch
directory and makes project + compiled testbench (``top.cpp`` + ``tb.cpp``) one entry of the
content-hashed build cache (`pcnn_hw.graph.cache`; ``outputs.user_cache_dir("hls")/<build name>-<key>``,
the key covering g++, flags, ap_types headers and the generated tree: an unchanged design is compiled
once), then runs the images in chunks (one process per chunk, each bounded by a timeout) in a scratch
directory that is removed afterwards. Progress lines ("hls c-sim: compiling ...", "hls c-sim: image
100/300 ...") go to ``progress`` (default: stderr). Outputs have the bit-exact simulator's shape and must
equal it bit for bit.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from pcnn_hw.errors import OutputPathError, SimulationError
from pcnn_hw.graph.cache import cached_build
from pcnn_hw.hls.generate import HlsDesign, generate_hls
from pcnn_hw.hls.plan import c_ident
from pcnn_hw.hls.toolchain import (
    COMPILE_TIMEOUT_S,
    RUN_TIMEOUT_S,
    Toolchain,
    compile_cached,
    run_exe,
    toolchain,
)
from pcnn_hw.outputs import user_cache_dir
from pcnn_hw.sim.builddir import BuildDir

CHUNK_SECONDS = 5.0  # aim of one testbench run (images per chunk adapt to it): a progress line each
FIRST_CHUNK = 4  # images of the first run, which measures the time per image
ENTRY_FILE = "csim.json"  # in a cache entry: {"exe": testbench path relative to the entry}


def stderr_progress(line: str) -> None:
    """Default progress sink: one flushed line on stderr."""
    print(line, file=sys.stderr, flush=True)


def tree_parts(root: Path) -> list[str | bytes]:
    """Cache key parts of a directory tree: every file's relative path and bytes, sorted by path."""
    parts: list[str | bytes] = []
    for p in sorted(q for q in root.rglob("*") if q.is_file()):
        parts += [p.relative_to(root).as_posix(), p.read_bytes()]
    return parts


def csim_key_parts(tc: Toolchain, project: Path, defines: tuple[str, ...]) -> list[str | bytes]:
    """What a C-sim entry depends on: g++ version, flags, the ap_types headers and the generated project
    (its top, testbench and the copied kernel library)."""
    return ["hls c-sim", tc.version(), " ".join(tc.flags([], defines)), *tree_parts(tc.ap_types),
            *tree_parts(project)]


class CSim:
    """Compiled C-simulation of a build directory's HLS top (the build directory is only read).

    The generated project and its compiled testbench are one entry of the content-hashed build cache
    (`pcnn_hw.graph.cache.cached_build`, kind "hls", key :func:`csim_key_parts`, entry
    ``<cache>/<build name>-<key>``): generated into a scratch directory, keyed, copied and compiled in a
    temporary directory renamed into place; an unchanged design is compiled once, nothing is deleted.
    ``cxx`` / ``ap_types``: compiler and header directory (default: g++ on PATH, the hls4ml wheel's
    headers); ``cache_dir``: the cache root (default ``outputs.user_cache_dir("hls")``); ``timeout``:
    seconds per testbench run (one chunk of images); ``compile_timeout``: seconds for g++ (a big top, e.g.
    ResNet-18, compiles for minutes); ``progress``: sink of progress lines (default
    :func:`stderr_progress`, None = quiet).
    """

    def __init__(
        self,
        build_dir: str | Path,
        cxx: str | Path | None = None,
        ap_types: str | Path | None = None,
        timeout: float = RUN_TIMEOUT_S,
        sim: object | None = None,
        cache_dir: str | Path | None = None,
        progress: Callable[[str], None] | None = stderr_progress,
        compile_timeout: float = COMPILE_TIMEOUT_S,
    ) -> None:
        self.build_dir = Path(build_dir)
        self.tc = toolchain(cxx, ap_types)  # ToolMissingError before any work
        self.progress = progress or (lambda line: None)
        self.compile_timeout = compile_timeout
        self.sim = sim or BuildDir(self.build_dir).simulator()  # folded graph on the weights/ images
        root = Path(cache_dir) if cache_dir is not None else user_cache_dir("hls")
        t0 = time.monotonic()
        self.design, self.exe, self.warnings, self.cached = self._generate_and_compile(root.resolve())
        how = "cached testbench" if self.cached else f"compiled in {time.monotonic() - t0:.1f} s"
        self.progress(f"hls c-sim: {how}: {self.exe}")
        self.timeout = timeout

    def _generate_and_compile(self, root: Path) -> tuple[HlsDesign, Path, str, bool]:
        """(design in its cache entry, testbench, compiler warnings, whether the entry existed)."""
        label = c_ident(self.build_dir.resolve().name)
        root.mkdir(parents=True, exist_ok=True)
        built: list[bool] = []
        with tempfile.TemporaryDirectory(prefix=".gen-", dir=root) as scratch:
            design = generate_hls(self.build_dir, out_dir=Path(scratch), sim=self.sim)
            defines = ("PCNN_CSIM_TAPS", f"AP_INT_MAX_W={design.ap_int_max_w}")
            what = f"hls c-sim: compiling top.cpp ({len(design.kernels)} kernels) with g++ ..."

            def compile_into(tmp: Path) -> None:
                shutil.copytree(scratch, tmp, dirs_exist_ok=True)
                res = compile_cached(self.tc, [tmp / "top.cpp", tmp / "tb.cpp"],
                                     [tmp, tmp / "include", tmp / "tb"], tmp / "csim", f"tb_{label}",
                                     defines=defines, on_compile=lambda: self.progress(what),
                                     failed_dir=root / "failed", timeout=self.compile_timeout)
                (tmp / ENTRY_FILE).write_text(json.dumps({"exe": res.exe.relative_to(tmp).as_posix()}))
                built.append(True)

            try:
                entry = cached_build("hls", csim_key_parts(self.tc, Path(scratch), defines), compile_into,
                                     roots=[root], label=label)
            except OutputPathError as exc:
                raise SimulationError(f"no writable cache for the HLS C-sim ({exc})") from exc
        try:
            exe = entry / json.loads((entry / ENTRY_FILE).read_text())["exe"]
        except (OSError, ValueError, KeyError) as exc:
            raise SimulationError(f"{entry}: incomplete C-sim cache entry ({exc}); move it away") from exc
        log = exe.with_name(exe.name + ".log")
        design.out_dir = entry
        return design, exe, log.read_text() if log.is_file() else "", not built

    @property
    def input_shape(self) -> list[int]:
        """The graph's input shape (batch axis first)."""
        return list(self.design.input_shape)

    def run(self, x: np.ndarray) -> np.ndarray:
        """Run a batch of graph inputs (N, ...) (integers of the input datatype) -> outputs (N, ...)."""
        return self._run(x, taps=False)[0]

    def run_taps(self, x: np.ndarray, only: str | None = None) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Outputs and every tapped layer output stream ({node name: (N, elements per image)}); with
        ``only`` a node name, just that layer's (the testbench writes no other tap file)."""
        return self._run(x, taps=True, only=only)

    def _run(self, x: np.ndarray, taps: bool, only: str | None = None
             ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """The batch in chunks (first FIRST_CHUNK images, then ~CHUNK_SECONDS each), a line per chunk."""
        x = np.asarray(x)
        n = x.shape[0]
        flat = np.ascontiguousarray(np.round(x).reshape(n, -1).astype(np.int64))
        if flat.shape[1] != self.design.in_elems:
            raise SimulationError(
                f"C-sim input has {flat.shape[1]} values per image, the top reads {self.design.in_elems}"
            )
        ys: list[np.ndarray] = []
        tapped: dict[str, list[np.ndarray]] = {}
        t0, done, chunk = time.monotonic(), 0, FIRST_CHUNK
        with tempfile.TemporaryDirectory(prefix="run-", dir=self.design.out_dir) as run_dir:
            while done < n:
                m = min(chunk, n - done)
                y, t = self._run_chunk(flat[done : done + m], Path(run_dir), taps, only)
                ys.append(y)
                for k, v in t.items():
                    tapped.setdefault(k, []).append(v)
                done += m
                el = time.monotonic() - t0
                per = el / done
                left = f", ~{per * (n - done):.0f} s left" if done < n else ""
                self.progress(f"hls c-sim: image {done}/{n} ({el:.1f} s{left})")
                chunk = max(1, min(4096, int(CHUNK_SECONDS / max(per, 1e-6))))
        out = np.concatenate(ys) if ys else np.zeros((0, self.design.out_elems), np.int64)
        shape = [n] + list(self.design.output_shape[1:])
        return out.reshape(shape), {k: np.concatenate(v) for k, v in tapped.items()}

    def _run_chunk(self, flat: np.ndarray, run_dir: Path, taps: bool, only: str | None = None
                   ) -> tuple[np.ndarray, dict]:
        """One testbench process on `flat` (n, in_elems) -> ((n, out_elems), {tap: (n, elems)})."""
        n = flat.shape[0]
        inp, outp = run_dir / "inputs.bin", run_dir / "outputs.bin"
        outp.unlink(missing_ok=True)
        inp.write_bytes(flat.tobytes())
        args = [str(inp.resolve()), str(outp.resolve())]
        tap_dir = run_dir / "taps"
        if taps:
            shutil.rmtree(tap_dir, ignore_errors=True)
            tap_dir.mkdir()
            args += ["-", str(tap_dir.resolve())] + ([only] if only else [])
        run_exe(self.exe, args, cwd=run_dir, timeout=self.timeout)
        y = np.fromfile(outp, dtype=np.int64)
        if y.size != n * self.design.out_elems:
            raise SimulationError(f"C-sim wrote {y.size} output values, expected {n * self.design.out_elems}")
        tapped = {}
        if taps:
            for p in sorted(tap_dir.glob("*.bin")):
                tapped[p.stem] = np.fromfile(p, dtype=np.int64).reshape(n, -1)
        return y.reshape(n, -1), tapped

    def first_difference(self, x: np.ndarray) -> str:
        """The first layer whose C-sim output stream differs from the simulator's tensor on batch x."""
        _, taps = self.run_taps(x)
        _, vals = self.sim.run(np.asarray(x), keep=True)  # type: ignore[attr-defined]
        for step in self.sim.steps:  # type: ignore[attr-defined]
            got = taps.get(step.node.name)
            if got is None or step.out not in vals:
                continue
            want = np.asarray(vals[step.out]).reshape(got.shape[0], -1)
            if want.shape != got.shape or not np.array_equal(want, got):
                bad = np.argwhere(want != got) if want.shape == got.shape else [[0, -1]]
                i, j = (int(v) for v in bad[0])
                a, b = (got[i, j], want[i, j]) if j >= 0 else (got.shape, want.shape)
                where = f"layer {step.node.name} ({step.node.op_type})"
                return f"{where}: image {i}, element {j}: C-sim {a} vs simulator {b}"
        return "no tapped layer output differs"


def _labels(y: np.ndarray) -> np.ndarray:
    y = y.reshape(y.shape[0], -1)
    return y[:, 0].astype(np.int64) if y.shape[1] == 1 else y.argmax(1)


def csim_level(build_dir: str | Path, **kw: object) -> object:
    """Fidelity-ladder Level "C-sim (g++)": NCHW images in [0, 1] -> (labels, raw outputs)."""
    from pcnn_hw.core.levels import Level, graph_input_adapter

    cs = CSim(build_dir, **kw)  # type: ignore[arg-type]
    adapt = graph_input_adapter(cs.sim.input_shape, cs.sim.input_dtype)  # type: ignore[attr-defined]

    def predict(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Labels and raw outputs of the C-sim on NCHW images."""
        y = cs.run(adapt(x))
        return _labels(y), y.reshape(y.shape[0], -1)

    def probe(xi: np.ndarray) -> str:
        """The first layer where C-sim and the simulator differ on one image."""
        return cs.first_difference(adapt(xi[None]))

    score = cs.sim.score_tensor()  # type: ignore[attr-defined]
    node = next((st.node.name for st in cs.sim.steps if st.out == score), None)  # type: ignore[attr-defined]

    def scores(x: np.ndarray) -> np.ndarray:
        """The class scores: the C-sim's tap of the layer feeding LabelSelect."""
        _, taps = cs.run_taps(adapt(x), only=node)
        if node not in taps:
            raise SimulationError(f"C-sim: no tap of {node}, the layer feeding LabelSelect")
        return taps[node]

    return Level("C-sim (g++)", predict, probe, scores=scores if node is not None else None)
