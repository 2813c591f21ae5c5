"""QONNX export of a trained model (Brevitas `export_qonnx`), cleaned with qonnx and checked against PyTorch.

Every export runs the check: qonnx `execute_onnx` on a batch of test images must match the PyTorch
model within `atol` on the outputs with the same argmax. An exact tie in PyTorch's top score (two classes
with equal scores; possible because binary layers produce integer popcounts) is counted and reported,
never silently accepted as a mismatch or a match: a differing argmax counts as agreement only when the
two classes' PyTorch scores are within `atol`.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import onnx
import torch
from torch import nn

from pcnn_hw.errors import ExportError
from pcnn_hw.quant.layers import frozen_projections

OPSET = 13


@dataclass
class ExportCheck:
    """Outcome of the PyTorch vs QONNX comparison."""

    images: int
    max_abs_diff: float
    argmax_mismatches: list[int] = field(default_factory=list)
    ties: list[int] = field(default_factory=list)
    atol: float = 1e-5

    @property
    def ok(self) -> bool:
        """True when every output is within atol and no argmax differs outside a tie."""
        return self.max_abs_diff <= self.atol and not self.argmax_mismatches


def _export_raw(model: nn.Module, in_shape: tuple[int, ...], path: Path) -> None:
    from brevitas.export import export_qonnx

    model.eval()
    with frozen_projections(model), torch.no_grad():
        export_qonnx(model, input_t=torch.zeros(1, *in_shape), export_path=str(path),
                     dynamo=False, opset_version=OPSET)


def _clean(path: Path, metadata: dict[str, str]):
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.util.cleanup import cleanup_model

    wrapper = cleanup_model(ModelWrapper(str(path)))
    for key, value in sorted(metadata.items()):
        wrapper.set_metadata_prop(key, value)
    return wrapper


def run_qonnx(wrapper, images: np.ndarray) -> np.ndarray:
    """Outputs of the QONNX graph for images (N, C, H, W), one batch-1 execution per image."""
    from qonnx.core.onnx_exec import execute_onnx

    in_name, out_name = wrapper.graph.input[0].name, wrapper.graph.output[0].name
    outs = [execute_onnx(wrapper, {in_name: img[None].astype(np.float32)})[out_name] for img in images]
    return np.concatenate(outs, axis=0)


def compare_outputs(reference: np.ndarray, other: np.ndarray, atol: float = 1e-5) -> ExportCheck:
    """Max abs difference and tie-aware argmax agreement of two (N, classes) score arrays."""
    ref_top, other_top = reference.argmax(1), other.argmax(1)
    mismatches, ties = [], []
    for i in np.flatnonzero(ref_top != other_top):
        if reference[i, other_top[i]] >= reference[i, ref_top[i]] - atol:
            ties.append(int(i))
        else:
            mismatches.append(int(i))
    diff = float(np.abs(reference - other).max()) if reference.size else 0.0
    return ExportCheck(len(reference), diff, mismatches, ties, atol)


def export_model(model: nn.Module, in_shape: tuple[int, ...], out_path: str | Path,
                 check_images: torch.Tensor, metadata: dict[str, str] | None = None,
                 atol: float = 1e-5) -> ExportCheck:
    """Export `model` to QONNX at `out_path` and check it on `check_images`.

    Writes `out_path` (and `<out_path>.json` with the check and metadata) only when the check passes;
    raises ExportError saying by how much it failed otherwise, leaving no file behind.
    """
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    if check_images.ndim != 4 or tuple(check_images.shape[1:]) != tuple(in_shape):
        raise ExportError(f"check images have shape {tuple(check_images.shape)}, expected (N, *{in_shape})")
    metadata = {"pcnn_hw.in_shape": json.dumps(list(in_shape)), **(metadata or {})}
    with tempfile.TemporaryDirectory(dir=out_path.parent, prefix=".export-") as tmp:
        raw = Path(tmp) / "raw.onnx"
        try:
            _export_raw(model, tuple(in_shape), raw)
            wrapper = _clean(raw, metadata)
        except Exception as exc:  # noqa: BLE001 - any exporter failure is reported as one typed error
            raise ExportError(f"QONNX export of {type(model).__name__} failed: {exc}") from exc
        with torch.no_grad():
            reference = model.eval()(check_images).numpy()
        check = compare_outputs(reference, run_qonnx(wrapper, check_images.numpy()), atol)
        if not check.ok:
            raise ExportError(
                f"QONNX disagrees with PyTorch on {check.images} images: max |diff| "
                f"{check.max_abs_diff:.3g} (allowed {atol:g}), argmax differs on images "
                f"{check.argmax_mismatches[:10]}")
        staged = Path(tmp) / "model.onnx"
        onnx.save(wrapper.model, str(staged))
        report = {"onnx": out_path.name, "check": {**asdict(check), "ok": check.ok}, "metadata": metadata}
        Path(f"{out_path}.json").write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
        os.replace(staged, out_path)
    return check
