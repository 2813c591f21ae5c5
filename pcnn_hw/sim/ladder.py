"""The fidelity ladder: the same images through every available level, each compared with the one above.

A `Level` has a name and `predict(images) -> (labels, raw)`; later stages (C-sim, RTL, board) append
their own Level objects to the list `build_ladder` returns. `run_ladder` computes per-level accuracy
and agreement with the level above, and the first disagreement (level, image index, values).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pcnn_hw.errors import ModelFileError


@dataclass
class Level:
    """One rung: `predict(x)` maps NCHW float images in [0, 1] to (labels (N,), raw outputs (N, ...))."""

    name: str
    predict: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]
    layer_probe: Callable[[np.ndarray], str] | None = None  # names the first differing layer, if it can
    notes: Callable[[], list[str]] | None = None  # warnings after predict() (e.g. accumulator overflow)
    about: str = ""  # how this level runs (e.g. the simulator's backend), printed above the table


@dataclass
class LevelResult:
    """Outcome of one level on the evaluated images."""

    name: str
    labels: np.ndarray
    raw: np.ndarray
    accuracy: float
    agreement: float | None = None  # with the level above (None for the first level)
    mismatches: list[int] = field(default_factory=list)
    ties: list[int] = field(default_factory=list)  # labels differ only among classes tied for the top
    detail: str = ""
    notes: list[str] = field(default_factory=list)  # the level's warnings


TIE_ATOL = 1e-5


def _tied(res: LevelResult, i: int, label: int) -> bool:
    """True if `label` scores as high as the top class in `res` for image i (within TIE_ATOL).

    Binary networks produce integer popcounts, so two classes can tie exactly; integer levels break
    ties by the lowest index (like argmax), float levels may pick either tied class by rounding.
    """
    raw = res.raw
    if raw.ndim != 2 or raw.shape[1] <= max(label, 1):
        return False
    return bool(raw[i, label] >= raw[i].max() - TIE_ATOL)


def find_folded_graph(build_dir: str | Path) -> Path:
    """The folded dataflow graph of a build directory: the last steps/NN_*.onnx with *_hls/*_rtl nodes."""
    import onnx

    build_dir = Path(build_dir)
    cands = sorted((build_dir / "steps").glob("*.onnx")) if (build_dir / "steps").is_dir() else []
    cands += sorted(build_dir.glob("*.onnx"))
    for path in reversed(cands):
        try:
            m = onnx.load(str(path), load_external_data=False)
        except Exception:
            continue
        if any(n.domain.endswith((".hls", ".rtl")) for n in m.graph.node):
            return path
    raise ModelFileError(f"{build_dir}: no folded dataflow graph (steps/NN_*.onnx with HLS/RTL layers) found")


def graph_input_adapter(input_shape: list[int], input_dtype: str) -> Callable[[np.ndarray], np.ndarray]:
    """Map NCHW float images in [0, 1] to a graph's input: NHWC if the graph is channels-last, flat
    if it is 2D, and pixel integers 0..255 if its input is UINT8."""

    def adapt(x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float32)
        if (
            len(input_shape) == 4
            and x.ndim == 4
            and input_shape[-1] == x.shape[1]
            and input_shape[1] != x.shape[1]
        ):
            x = np.transpose(x, (0, 2, 3, 1))
        x = x.reshape([x.shape[0]] + list(input_shape[1:]))
        if input_dtype == "UINT8":
            x = np.round(x * 255.0)
        return x

    return adapt


def torch_level(model: Any) -> Level:
    """PyTorch forward pass (argmax of the logits)."""
    import torch

    def predict(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with torch.no_grad():
            y = model(torch.from_numpy(np.asarray(x, np.float32)))
        y = np.asarray(getattr(y, "value", y))
        return y.argmax(1), y

    return Level("PyTorch", predict)


def clean_qonnx(onnx_path: str | Path) -> Any:
    """The user's QONNX model read into memory and cleaned for execution; the file is only read.

    A raw ``brevitas.export.export_qonnx`` file can lack the intermediate tensor shapes qonnx's
    ``execute_onnx`` requires ("Found unspecified tensor shapes"): the same qonnx cleanup the build's
    first step runs (shape inference, constant folding, unique names) makes it executable. The
    model's function is unchanged (the Quant nodes are kept).
    """
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.util.cleanup import cleanup_model

    from pcnn_hw.compile.transforms import default_opset_first

    try:
        m = ModelWrapper(str(onnx_path))
    except Exception as exc:  # noqa: BLE001 - onnx raises several types for unreadable files
        raise ModelFileError(f"{onnx_path}: not a readable ONNX file ({exc})") from exc
    return cleanup_model(default_opset_first(m))


def qonnx_level(onnx_path: str | Path) -> Level:
    """QONNX graph (cleaned in memory, see :func:`clean_qonnx`) executed by qonnx's execute_onnx."""
    from qonnx.core.onnx_exec import execute_onnx

    m = clean_qonnx(onnx_path)
    iname, oname = m.graph.input[0].name, m.graph.output[0].name
    ishape = list(m.get_tensor_shape(iname))

    def predict(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        outs = [
            np.asarray(execute_onnx(m, {iname: xi.reshape(ishape).astype(np.float32)})[oname]) for xi in x
        ]
        y = np.concatenate([o.reshape(1, -1) for o in outs])
        return y.argmax(1), y

    return Level("QONNX", predict)


def _label_output(y: np.ndarray) -> np.ndarray:
    """Labels from a graph output: TopK indices (N, 1) or scores (N, C)."""
    y = y.reshape(y.shape[0], -1)
    return y[:, 0].astype(np.int64) if y.shape[1] == 1 else y.argmax(1)


def finn_level(folded: Any) -> Level:
    """FINN+'s Python execution of the folded graph (generic HW ops), image by image."""
    from pcnn_hw.sim.executor import tensor_datatypes
    from pcnn_hw.sim.finn_reference import FinnReference

    ref = FinnReference(folded)
    dt = tensor_datatypes(ref.model.model).get(ref.input_name, "FLOAT32")
    adapt = graph_input_adapter(ref.input_shape, dt)

    def predict(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        y = ref.run(adapt(x))
        return _label_output(y), y.reshape(y.shape[0], -1)

    return Level("FINN graph", predict)


def sim_level(
    folded: Any, finn_ref: Any = None, build_dir: str | Path | None = None, backend: str = "auto"
) -> Level:
    """The bit-exact packed simulator of the folded graph (batched); with `build_dir` it computes from
    the compiler's memory images (build/NAME/weights, FINN's layout) instead of the graph's initializers.
    `backend`: the simulator's 'auto' / 'native' / 'numpy' (see `Simulator`); its notes say which ran."""
    from pcnn_hw.sim.executor import Simulator

    memory = None
    if build_dir is not None:
        from pcnn_hw.compile.weights import load_weights

        memory = load_weights(build_dir)
    sim = Simulator(folded, memory=memory, backend=backend)
    adapt = graph_input_adapter(sim.input_shape, sim.input_dtype)

    def predict(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        y = sim.run(adapt(x))
        return _label_output(y), y.reshape(y.shape[0], -1)

    def probe(xi: np.ndarray) -> str:
        """First tensor where the simulator and FINN's execution differ on one image."""
        from pcnn_hw.sim.finn_reference import FinnReference

        ref = finn_ref or FinnReference(folded)
        xa = adapt(xi[None])
        _, vals = sim.run(xa, keep=True)
        ctx = ref.run_one(xa, all_tensors=True)
        for step in sim.steps:
            a, b = vals.get(step.out), ctx.get(step.out)
            if a is not None and b is not None and not np.array_equal(a.reshape(np.shape(b)), b):
                return f"layer {step.node.name} ({step.node.op_type})"
        return "no intermediate tensor differs"

    def notes() -> list[str]:
        out = []
        for name, ov in sim.overflows().items():
            out.append(
                f"layer {name}: {ov['values']} accumulator value(s) in [{ov['min']:g}, {ov['max']:g}] exceed "
                f"accDataType {ov['accDataType']} {ov['range']} - hardware would wrap, FINN's Python "
                "execution (and this simulator) do not"
            )
        return out

    kernels = "native C kernels" if sim.backend == "native" else "numpy"
    return Level("bit-exact sim", predict, probe, notes, about=f"bit-exact sim: {kernels}")


def run_ladder(levels: list[Level], x: np.ndarray, y: np.ndarray | None) -> list[LevelResult]:
    """Evaluate every level on images x (labels y optional); agreement is with the level above."""
    results: list[LevelResult] = []
    for lv in levels:
        labels, raw = lv.predict(x)
        acc = float(np.mean(labels == y)) if y is not None else float("nan")
        res = LevelResult(lv.name, labels, raw, acc)
        if lv.notes is not None:
            res.notes = lv.notes()
        if results:
            prev = results[-1]
            mism = np.nonzero(labels != prev.labels)[0]
            raw_cmp = prev.raw.shape == raw.shape and (
                (prev.name == "FINN graph" and lv.name == "bit-exact sim") or lv.name.startswith("C-sim")
            )
            if raw_cmp:
                mism = np.union1d(mism, np.nonzero(np.any(prev.raw != raw, axis=1))[0])
            ties = [int(i) for i in mism if _tied(prev, i, labels[i]) or _tied(res, i, prev.labels[i])]
            mism = np.setdiff1d(mism, ties)
            res.agreement = 1.0 - len(mism) / len(labels)
            res.mismatches = [int(i) for i in mism]
            res.ties = ties
            if len(mism):
                i = int(mism[0])
                where = lv.layer_probe(x[i]) if lv.layer_probe is not None else "layer unknown"
                res.detail = (
                    f"image {i}: {prev.name} label {prev.labels[i]} "
                    f"raw {np.round(prev.raw[i], 4).tolist()} vs "
                    f"{lv.name} label {labels[i]} raw {np.round(raw[i], 4).tolist()} ({where})"
                )
        results.append(res)
    return results


def format_ladder(results: list[LevelResult], n: int) -> str:
    """The fidelity table as text."""
    lines = [f"fidelity ladder on {n} images", f"{'level':<20}{'accuracy':>10}{'agrees with above':>20}"]
    for r in results:
        agr = "-" if r.agreement is None else f"{r.agreement * 100:.2f} %"
        if r.mismatches:
            agr += f" ({len(r.mismatches)} differ)"
        if r.ties:
            agr += f" ({len(r.ties)} ties)"
        lines.append(f"{r.name:<20}{r.accuracy * 100:>9.2f}%{agr:>20}")
    for r in results:
        if r.ties:
            lines.append(
                f"ties at {r.name} (top scores equal, label differs only among tied classes): "
                f"images {r.ties[:20]}"
            )
        if r.detail:
            lines.append(f"DISAGREEMENT at {r.name}: {r.detail}")
        for note in r.notes:
            lines.append(f"WARNING at {r.name}: {note}")
    return "\n".join(lines)
