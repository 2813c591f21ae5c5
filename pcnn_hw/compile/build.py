"""``build()``: run the step list on a QONNX file and leave a complete build directory (or none).

Build directory layout (``out_dir``)::

    steps/NN_<step>.onnx   the graph after every step (resume point for --from-step)
    folded.onnx            the final folded, specialized dataflow graph (= the last step's graph)
    folding_config.json    the folding in FINN's folding-config format (usable as --folding FILE)
    report.json, report.md per-layer folding, cycles, estimated resources, FPS, latency
    weights/               per-layer memory images in hardware layout + index.json (see weights.py)
    build.json             the build's arguments and the steps run
    finn/                  FINN's scratch space (FINN_BUILD_DIR); emptied at the end of a build

A build is written to a temporary directory ``.NAME.partial-*`` beside ``out_dir`` and moved into
place on success; a resumed build (``from_step``) works on a copy of the entries of ``out_dir`` that
the build made. On failure or interruption nothing is left behind and ``out_dir`` is unchanged.
``out_dir`` must be new, empty, or a build directory of ours (``build.json`` with its marker), and
replacing one needs ``force`` (pcnn_hw/outputs.py); only the entries the build made are replaced.
``build.json`` records the input model's SHA-256: resuming with another model is refused.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from pcnn_hw.compile import finn_compat
from pcnn_hw.compile.context import BuildContext, FoldingSpec
from pcnn_hw.compile.steps import DEFAULT_STEPS, Step, step_names
from pcnn_hw.core.boards import get_board
from pcnn_hw.errors import ConfigError, ModelFileError, ModelMismatchError, UnknownNameError
from pcnn_hw.outputs import (
    MANIFEST_MARKER,
    MANIFEST_VERSION,
    OUTPUTS_KEY,
    check_build_dir,
    copy_owned,
    read_manifest,
    replace_build_dir,
)

STATE_FILE = "build.json"


@dataclass
class BuildResult:
    """What a build produced: paths into the build directory and the report."""

    out_dir: Path
    model_path: Path  # out_dir / "folded.onnx"
    report: dict
    warnings: list[str] = field(default_factory=list)
    steps_run: list[str] = field(default_factory=list)
    all_steps: list[str] = field(default_factory=lambda: step_names(DEFAULT_STEPS))  # the pipeline

    @property
    def weights_dir(self) -> Path:
        """Directory of the per-layer memory images."""
        return self.out_dir / "weights"

    def step_model(self, name: str) -> Path:
        """Path of the saved graph after step ``name``."""
        if name not in self.all_steps:
            raise UnknownNameError("step", name, self.all_steps)
        return self.out_dir / "steps" / f"{self.all_steps.index(name) + 1:02d}_{name}.onnx"


def step_path(out_dir: Path, name: str, steps: tuple[Step, ...] | list[Step] = DEFAULT_STEPS) -> Path:
    """``out_dir/steps/NN_<name>.onnx`` for step ``name`` of ``steps``."""
    names = step_names(steps)
    if name not in names:
        raise UnknownNameError("step", name, names)
    return Path(out_dir) / "steps" / f"{names.index(name) + 1:02d}_{name}.onnx"


def folding_spec(
    folding: str | Path | None, target_fps: float | None, lut_fraction: float = 0.85,
    resource_model: str = "ours",
) -> FoldingSpec:
    """Parse the folding arguments: ``target_fps`` → SetFolding, else "auto", "max" or a JSON file."""
    if not 0 < lut_fraction <= 1:
        raise ConfigError(f"--lut-fraction must be in (0, 1], got {lut_fraction}")
    if target_fps is not None:
        if folding not in (None, "auto"):
            raise ConfigError("--target-fps and --folding are mutually exclusive")
        if not target_fps > 0:
            raise ConfigError(f"--target-fps must be > 0, got {target_fps}")
        return FoldingSpec("target_fps", target_fps=float(target_fps), lut_fraction=lut_fraction)
    if folding in (None, "auto"):
        if resource_model not in ("ours", "finn"):
            raise ConfigError(f"--resource-model must be ours or finn, got {resource_model!r}")
        return FoldingSpec("auto", lut_fraction=lut_fraction, resource_model=resource_model)
    if folding == "max":
        return FoldingSpec("max", lut_fraction=lut_fraction)
    path = Path(folding)
    if path.suffix.lower() != ".json":
        raise ConfigError(f"--folding must be auto, max or a FINN folding-config .json file, got {folding!r}")
    if not path.is_file():
        raise ConfigError(f"--folding: file {path} not found")
    return FoldingSpec("file", path=path.resolve(), lut_fraction=lut_fraction)


def load_model(path: str | Path, check: bool = True) -> Any:
    """Load a (Q)ONNX file as a ModelWrapper; missing, corrupt or truncated → ModelFileError.

    ``check`` runs ONNX's checker too (off for FINN graphs, whose custom domains it does not know).
    """
    import onnx
    from google.protobuf.message import DecodeError
    from qonnx.core.modelwrapper import ModelWrapper

    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: no such ONNX file")
    try:
        proto = onnx.load(str(path))
    except onnx.checker.ValidationError as exc:  # e.g. its external .onnx.data file is missing
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "invalid"
        raise ModelFileError(f"{path}: its external tensor data cannot be read: {first}") from exc
    except (DecodeError, ValueError, OSError, RuntimeError) as exc:
        raise ModelFileError(f"{path}: not a valid ONNX file (corrupt or truncated: {exc})") from exc
    g = proto.graph
    if not g.node or not g.input or not g.output:
        raise ModelFileError(f"{path}: ONNX graph is empty or incomplete (truncated file?)")
    try:
        if check:
            onnx.checker.check_model(proto)
    except onnx.checker.ValidationError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "invalid"
        raise ModelFileError(f"{path}: invalid ONNX model (corrupt or truncated?): {first}") from exc
    return ModelWrapper(proto)


def model_hash(path: str | Path) -> str:
    """SHA-256 of an ONNX file (and of its external ``.onnx.data`` file, when there is one)."""
    path = Path(path)
    h = hashlib.sha256()
    for part in (path, path.with_name(path.name + ".data")):
        if part.is_file():
            with part.open("rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
    return h.hexdigest()


def check_same_model(onnx_path: str | Path, build_dir: Path, state: dict | None) -> None:
    """ModelMismatchError when ``build_dir`` (manifest ``state``) was made from another model file."""
    recorded = (state or {}).get("input_sha256")
    if not recorded:
        return  # built before the hash was recorded: nothing to compare
    actual = model_hash(onnx_path)
    if actual != recorded:
        raise ModelMismatchError(
            f"build {build_dir} was made from model {state.get('input')} (sha256 {recorded[:16]}…), not "
            f"from {onnx_path} (sha256 {actual[:16]}…); rebuild from the first step (without --from-step)"
        )


def _prepare_dir(out_dir: Path, resume: bool) -> Path:
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.partial-", dir=out_dir.parent))
    if resume:
        copy_owned(out_dir, work)
    return work


def _finish_dir(work: Path, out_dir: Path) -> None:
    shutil.rmtree(work / "finn", ignore_errors=True)  # FINN's scratch space
    (work / "finn").mkdir()
    state_path = work / STATE_FILE
    state = json.loads(state_path.read_text())
    state[OUTPUTS_KEY] = sorted(p.name for p in work.iterdir())
    state_path.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n")
    replace_build_dir(work, out_dir)


def build(
    onnx_path: str | Path,
    out_dir: str | Path,
    board: str = "pynq-z2",
    *,
    folding: str | Path | None = "auto",
    target_fps: float | None = None,
    clock_mhz: float | None = None,
    from_step: str | None = None,
    lut_fraction: float = 0.85,
    resource_model: str = "ours",
    steps: tuple[Step, ...] | list[Step] = DEFAULT_STEPS,
    stream: TextIO | None = None,
    force: bool = False,
) -> BuildResult:
    """Compile ``onnx_path`` (QONNX) for ``board`` into the build directory ``out_dir``.

    ``folding``: "auto" (max FPS within ``lut_fraction`` of the LUTs and all BRAM, resources by
    ``resource_model``: "ours" = pcnn_hw/resources, "finn" = FINN's estimates), "max", or a FINN
    folding-config JSON; ``target_fps`` uses FINN's SetFolding instead. ``from_step`` resumes an
    existing build directory from that step (reusing the graph saved by the step before); ``force``
    replaces an existing build directory of ours (a foreign or non-empty directory is always refused).
    """
    stream = stream or sys.stdout
    out_dir = Path(out_dir).resolve()
    bd = get_board(board)
    if clock_mhz is not None and not clock_mhz > 0:
        raise ConfigError(f"--clock-mhz must be > 0, got {clock_mhz}")
    spec = folding_spec(folding, target_fps, lut_fraction, resource_model)
    names = step_names(steps)
    if not Path(onnx_path).is_file():
        raise ModelFileError(f"{onnx_path}: no such ONNX file")
    check_build_dir(out_dir, inputs=[onnx_path, spec.path], force=force, resume=from_step is not None)
    start = 0
    if from_step is not None:
        if from_step not in names:
            raise UnknownNameError("step", from_step, names)
        start = names.index(from_step)
        if start > 0:
            prev = step_path(out_dir, names[start - 1], steps)
            if not prev.is_file():
                raise ConfigError(
                    f"--from-step {from_step}: {prev} not found (build the earlier steps first)"
                )
            check_same_model(onnx_path, out_dir, read_manifest(out_dir))
    model = load_model(onnx_path) if start == 0 else None
    digest = model_hash(onnx_path)
    resume = start > 0
    work = _prepare_dir(out_dir, resume)
    ctx = BuildContext(bd, clock_mhz or bd.clock_mhz, spec, work, stream=stream)
    try:
        finn_compat.prepare_finn(ctx.finn_dir)
        state_path = work / STATE_FILE
        if start > 0:
            model = load_model(step_path(work, names[start - 1], steps), check=False)
            if state_path.is_file():
                ctx.info.update(json.loads(state_path.read_text()).get("info", {}))
        (work / "steps").mkdir(exist_ok=True)
        ctx.log(
            f"pcnn-hw build: {Path(onnx_path).name} -> {out_dir} ({bd.name}, {ctx.clock_mhz:g} MHz, "
            f"folding {spec.describe()})"
        )
        run = []
        for i in range(start, len(steps)):
            step = steps[i]
            t0 = time.perf_counter()
            ctx.log(f"[{i + 1:2d}/{len(steps)}] {step.name:<20s} {step.doc}")
            model = step.run(model, ctx)
            model.save(str(step_path(work, step.name, steps)))
            run.append(step.name)
            ctx.log(f"        done in {time.perf_counter() - t0:.1f} s, {len(model.graph.node)} nodes")
            _write_state(state_path, onnx_path, digest, bd.name, ctx, names[: i + 1])
        shutil.copyfile(step_path(work, names[-1], steps), work / "folded.onnx")
        _finish_dir(work, out_dir)
        finn_compat.prepare_finn(out_dir / "finn")  # keep FINN's scratch dir valid after the move
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    report_path = out_dir / "report.json"
    rep = json.loads(report_path.read_text()) if report_path.is_file() else {}
    if rep:
        ctx.log(
            f"{rep['fps']:,.0f} FPS at {ctx.clock_mhz:g} MHz, bottleneck {rep['bottleneck']['layer']}; "
            f"LUT {rep['totals']['LUT']:,.0f} ({rep['utilization']['LUT']:.0%}), "
            f"BRAM36 {rep['totals']['BRAM36']:g} ({rep['utilization']['BRAM36']:.0%}); "
            f"report: {out_dir / 'report.md'}"
        )
    return BuildResult(out_dir, out_dir / "folded.onnx", rep, list(ctx.warnings), run, names)


def _write_state(
    path: Path, onnx_path: str | Path, digest: str, board: str, ctx: BuildContext, done: list[str]
) -> None:
    spec = ctx.folding
    state = {
        MANIFEST_MARKER: MANIFEST_VERSION,
        "input": str(onnx_path),
        "input_sha256": digest,
        "board": board,
        "clock_mhz": ctx.clock_mhz,
        "folding": {
            "mode": spec.mode,
            "target_fps": spec.target_fps,
            "file": str(spec.path) if spec.path else None,
            "lut_fraction": spec.lut_fraction,
            "resource_model": spec.resource_model,
        },
        "steps_done": done,
        "info": ctx.info,
        "finn_plus": finn_compat.FINN_PLUS_VERSION,
    }
    path.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n")
