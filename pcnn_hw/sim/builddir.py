"""A `pcnn-hw build` output directory as one object: folded graph, memory images, simulator, manifest,
report — each read on first use, each missing piece a typed error naming the file.

    bd = BuildDir("build/NAME")
    bd.folded       # Path of folded.onnx (else the last steps/NN_*.onnx with *_hls/*_rtl nodes)
    bd.weights      # {layer: {"weights": (PE, WMEM, SIMD), "thresholds": (PE, TMEM, n_steps)}}
    bd.memory       # bd.weights if the build wrote weights/, else None (the graph's initializers count)
    bd.graph        # DataflowGraph of the folded graph computing from bd.memory
    bd.simulator("auto")   # bit-exact Simulator (backend 'auto' / 'native' / 'numpy')
    bd.manifest     # build.json (BuildArtifactError if it is not a pcnn-hw manifest)
    bd.report       # report.json
    bd.check()      # everything `pcnn-hw verify` needs is present (manifest, folded graph, weight files)

The weights/ layout is the compiler's (`pcnn_hw.compile.weights`: index.json + one .npy per memory);
it is read here with plain numpy so that this module needs neither FINN nor the compiler.
It lives in `pcnn_hw.sim` (not `pcnn_hw.graph`) because it makes simulators: the package layering
(tests/test_imports.py) lets sim use graph, never the reverse; every loader it replaces (board, rtl,
hls, verify) sits above sim.
"""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from pcnn_hw.core.levels import last_folded_step
from pcnn_hw.errors import BuildArtifactError, BuildDirError
from pcnn_hw.graph.dataflow import DataflowGraph
from pcnn_hw.outputs import MANIFEST_FILE, read_manifest
from pcnn_hw.sim.executor import Simulator

FOLDED = "folded.onnx"
REPORT = "report.json"
WEIGHTS = "weights"
INDEX = "index.json"


class BuildDir:
    """One build directory (see the module docstring); BuildDirError if `path` is no directory."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_dir():
            raise BuildDirError(f"{self.path}: build directory not found (run `pcnn-hw build` first)")

    def __repr__(self) -> str:
        return f"BuildDir({str(self.path)!r})"

    def file(self, name: str) -> Path:
        """`path / name`; BuildArtifactError naming it if it does not exist."""
        p = self.path / name
        if not p.exists():
            raise BuildArtifactError(f"{p}: missing from the build directory; rebuild")
        return p

    # -- the graph ---------------------------------------------------------------------------------
    @cached_property
    def folded(self) -> Path:
        """folded.onnx, else the last folded steps/NN_*.onnx; BuildArtifactError if there is neither."""
        p = self.path / FOLDED
        if p.is_file():
            return p
        step = last_folded_step(self.path)
        if step is None:
            raise BuildArtifactError(f"{p}: missing, and no folded steps/NN_*.onnx (with HLS/RTL layers) in "
                                     f"{self.path}; rebuild or --from-step")
        return step

    @cached_property
    def graph(self) -> DataflowGraph:
        """The dataflow graph of the folded model, computing from `memory`."""
        return DataflowGraph.from_model(self.folded, memory=self.memory)

    def simulator(self, backend: str = "auto", **kw: Any) -> Simulator:
        """The bit-exact simulator of the folded graph on the build's memory images (`Simulator` kwargs)."""
        return Simulator(self.folded, memory=self.memory, backend=backend, **kw)

    # -- memory images -----------------------------------------------------------------------------
    @property
    def has_weights(self) -> bool:
        """True if the build wrote weights/index.json."""
        return (self.path / WEIGHTS / INDEX).is_file()

    @cached_property
    def weight_index(self) -> dict:
        """weights/index.json; BuildArtifactError if missing or corrupt."""
        p = self.path / WEIGHTS / INDEX
        if not p.is_file():
            where = p if p.parent.is_dir() else p.parent
            raise BuildArtifactError(f"{where}: missing; the memory images are written by the estimates "
                                     "step: rebuild with `--from-step estimates`")
        try:
            index = json.loads(p.read_text())
            layers = index["layers"]
            if not isinstance(layers, dict):
                raise TypeError("'layers' is no object")
            for meta in layers.values():
                for key in ("weights", "thresholds"):
                    if key in meta:
                        str(meta[key]["file"])
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise BuildArtifactError(f"{p}: corrupt weights index ({exc})") from exc
        return index

    @cached_property
    def weights(self) -> dict[str, dict[str, np.ndarray]]:
        """{layer: {"weights": ..., "thresholds": ...}} from weights/; BuildArtifactError naming a missing
        or unreadable file."""
        wdir = self.path / WEIGHTS
        out: dict[str, dict[str, np.ndarray]] = {}
        missing = []
        for name, meta in self.weight_index["layers"].items():
            out[name] = {}
            for key in ("weights", "thresholds"):
                if key not in meta:
                    continue
                f = wdir / meta[key]["file"]
                if not f.is_file():
                    missing.append(meta[key]["file"])
                    continue
                try:
                    out[name][key] = np.load(f, allow_pickle=False)
                except (OSError, ValueError) as exc:
                    raise BuildArtifactError(f"{f}: unreadable memory image ({exc}); rebuild") from exc
        if missing:
            raise BuildArtifactError(f"{wdir}: {', '.join(missing)} missing (listed in {INDEX}); rebuild")
        return out

    @property
    def memory(self) -> dict[str, dict[str, np.ndarray]] | None:
        """`weights` if the build wrote them, else None (the simulator then uses the graph's initializers)."""
        return self.weights if self.has_weights else None

    # -- manifest and report -----------------------------------------------------------------------
    @cached_property
    def manifest(self) -> dict:
        """build.json; BuildArtifactError if missing or not a pcnn-hw build manifest."""
        state = read_manifest(self.path)
        if state is None:
            raise BuildArtifactError(f"{self.path / MANIFEST_FILE}: missing or not a pcnn-hw build manifest; "
                                     "rebuild")
        return state

    @cached_property
    def report(self) -> dict:
        """report.json; BuildArtifactError if missing or corrupt."""
        p = self.file(REPORT)
        try:
            rep = json.loads(p.read_text())
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            raise BuildArtifactError(f"{p}: corrupt build report ({exc}); rebuild") from exc
        if not isinstance(rep, dict):
            raise BuildArtifactError(f"{p}: corrupt build report (not a JSON object); rebuild")
        return rep

    def check(self) -> BuildDir:
        """Self, after checking the manifest, folded.onnx and every weight file exist (typed errors)."""
        _ = self.manifest
        self.file(FOLDED)
        _ = self.weights
        return self
