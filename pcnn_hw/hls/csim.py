"""C-simulation of a generated network top with g++, and its fidelity-ladder Level.

`CSim(build_dir)` generates ``build_dir/hls`` (deterministic), compiles ``top.cpp`` + ``tb.cpp`` once
per content hash into ``build_dir/hls/csim/`` and runs batches of images through the compiled
testbench (one process per batch, bounded by a timeout). Outputs have the bit-exact simulator's shape
and must equal it bit for bit.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from pcnn_hw.errors import SimulationError
from pcnn_hw.hls.generate import HlsDesign, generate_hls, load_simulator
from pcnn_hw.hls.plan import c_ident
from pcnn_hw.hls.toolchain import RUN_TIMEOUT_S, compile_cached, run_exe, toolchain


class CSim:
    """Compiled C-simulation of a build directory's HLS top.

    ``cxx`` / ``ap_types``: compiler and header directory (default: g++ on PATH, the hls4ml wheel's
    headers); ``cache_dir``: where compiled testbenches are kept by content hash (default
    ``build_dir/hls/csim``); ``timeout``: seconds per run.
    """

    def __init__(
        self,
        build_dir: str | Path,
        cxx: str | Path | None = None,
        ap_types: str | Path | None = None,
        timeout: float = RUN_TIMEOUT_S,
        sim: object | None = None,
        cache_dir: str | Path | None = None,
    ) -> None:
        self.build_dir = Path(build_dir)
        self.tc = toolchain(cxx, ap_types)  # ToolMissingError before any work
        self.sim = sim or load_simulator(self.build_dir)
        self.design: HlsDesign = generate_hls(self.build_dir, sim=self.sim)
        hls = self.design.out_dir
        self.work = hls / "csim"
        res = compile_cached(
            self.tc,
            [hls / "top.cpp", hls / "tb.cpp"],
            [hls, hls / "include", hls / "tb"],
            Path(cache_dir) if cache_dir is not None else self.work,
            f"tb_{c_ident(self.build_dir.resolve().name)}",
            defines=("PCNN_CSIM_TAPS",),
        )
        self.exe, self.warnings, self.cached = res.exe, res.warnings, res.cached
        self.timeout = timeout

    @property
    def input_shape(self) -> list[int]:
        """The graph's input shape (batch axis first)."""
        return list(self.design.input_shape)

    def run(self, x: np.ndarray) -> np.ndarray:
        """Run a batch of graph inputs (N, ...) (integers of the input datatype) -> outputs (N, ...)."""
        return self._run(x, taps=False)[0]

    def run_taps(self, x: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Outputs and every tapped layer output stream ({node name: (N, elements per image)})."""
        return self._run(x, taps=True)

    def _run(self, x: np.ndarray, taps: bool) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        x = np.asarray(x)
        n = x.shape[0]
        flat = np.ascontiguousarray(np.round(x).reshape(n, -1).astype(np.int64))
        if flat.shape[1] != self.design.in_elems:
            raise SimulationError(
                f"C-sim input has {flat.shape[1]} values per image, the top reads {self.design.in_elems}"
            )
        run_dir = self.work / "run"
        run_dir.mkdir(parents=True, exist_ok=True)
        inp, outp = run_dir / "inputs.bin", run_dir / "outputs.bin"
        outp.unlink(missing_ok=True)
        inp.write_bytes(flat.tobytes())
        args = [str(inp.resolve()), str(outp.resolve())]
        tap_dir = run_dir / "taps"
        if taps:
            shutil.rmtree(tap_dir, ignore_errors=True)
            tap_dir.mkdir()
            args += ["-", str(tap_dir.resolve())]
        run_exe(self.exe, args, cwd=run_dir, timeout=self.timeout)
        y = np.fromfile(outp, dtype=np.int64)
        if y.size != n * self.design.out_elems:
            raise SimulationError(f"C-sim wrote {y.size} output values, expected {n * self.design.out_elems}")
        tapped = {}
        if taps:
            for p in sorted(tap_dir.glob("*.bin")):
                tapped[p.stem] = np.fromfile(p, dtype=np.int64).reshape(n, -1)
        return y.reshape([n] + list(self.design.output_shape[1:])), tapped

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

    return Level("C-sim (g++)", predict, probe)
