"""The fidelity ladder: the same images through every available level, each compared with the one above.

A `Level` (`pcnn_hw.core.levels`) has a name and `predict(images) -> (labels, raw)`. The reference
levels (PyTorch, QONNX) are made here; the backends make their own (`pcnn_hw.sim.levels`: FINN graph,
bit-exact sim; `pcnn_hw.hls.csim.csim_level`; `pcnn_hw.rtl.level.rtl_level`;
`pcnn_hw.board.level.board_level`) and `pcnn-hw verify` (`pcnn_hw.verify.cli`) collects them.
`run_ladder` computes per-level accuracy and agreement with the level above, and the first
disagreement (level, image index, values).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pcnn_hw.core.levels import (  # noqa: F401 - re-exported: the ladder's public names
    Level,
    graph_input_adapter,
)
from pcnn_hw.core.levels import label_output as _label_output  # noqa: F401
from pcnn_hw.errors import ModelFileError
from pcnn_hw.sim.levels import finn_level, sim_level  # noqa: F401 - the simulator's levels


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
    scores: np.ndarray | None = None  # integer class scores (Level.scores), compared exactly


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
            bad, score_detail = _score_check(lv, res, results, x)
            ties = [i for i in ties if i not in set(bad.tolist())]  # a tie excuses labels, never scores
            mism = np.union1d(mism, bad)
            res.agreement = 1.0 - len(mism) / len(labels)
            res.mismatches = [int(i) for i in mism]
            res.ties = ties
            if len(bad) and int(bad[0]) == int(mism[0]):
                res.detail = score_detail
            elif len(mism):
                i = int(mism[0])
                where = lv.layer_probe(x[i]) if lv.layer_probe is not None else "layer unknown"
                res.detail = (
                    f"image {i}: {prev.name} label {prev.labels[i]} "
                    f"raw {np.round(prev.raw[i], 4).tolist()} vs "
                    f"{lv.name} label {labels[i]} raw {np.round(raw[i], 4).tolist()} ({where})"
                )
        else:
            _score_check(lv, res, results, x)
        results.append(res)
    return results


def _score_check(lv: Level, res: LevelResult, results: list[LevelResult], x: np.ndarray
                 ) -> tuple[np.ndarray, str]:
    """Compare ``lv``'s class scores exactly with the nearest level above that has them (sets
    ``res.scores``): (images whose scores differ, detail of the first); none when either has no scores."""
    none = np.array([], dtype=np.int64), ""
    if lv.scores is None:
        return none
    res.scores = np.asarray(lv.scores(x)).reshape(len(x), -1)
    ref = next((r for r in reversed(results) if r.scores is not None), None)
    if ref is None or ref.scores is None:
        return none
    if ref.scores.shape != res.scores.shape:
        return np.arange(len(x)), (f"{lv.name} class scores {res.scores.shape} vs {ref.name} "
                                   f"{ref.scores.shape}")
    diff = np.argwhere(ref.scores != res.scores)
    if not len(diff):
        return none
    i, j = (int(v) for v in diff[0])
    where = lv.layer_probe(x[i]) if lv.layer_probe is not None else "layer unknown"
    return np.unique(diff[:, 0]), (f"image {i}: class {j} score {lv.name} {res.scores[i, j]} vs {ref.name} "
                                   f"{ref.scores[i, j]} (labels {res.labels[i]} / {ref.labels[i]}; {where})")


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
    scored = [r.name for r in results if r.scores is not None]
    if len(scored) > 1:
        lines.append(f"class scores (the integers into LabelSelect) compared exactly: {', '.join(scored)}")
    return "\n".join(lines)
