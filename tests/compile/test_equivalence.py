"""The built graph computes what the PyTorch model computes (top-1 label), on uint8 pixels."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from pcnn_hw.compile import testmodels
from pcnn_hw.compile.build import BuildResult, load_model, step_path


def _finn_labels(res: BuildResult, step: str, x_hw: np.ndarray) -> np.ndarray:
    """Top-1 labels from FINN's Python execution of the graph saved after ``step`` (generic HW ops)."""
    from finn.core.onnx_exec import execute_onnx

    model = load_model(step_path(res.out_dir, step), check=False)
    iname, oname = model.graph.input[0].name, model.graph.output[0].name
    shape = model.get_tensor_shape(iname)
    return np.array([
        int(np.asarray(execute_onnx(model, {iname: xi.reshape(shape).astype(np.float32)})[oname]).ravel()[0])
        for xi in x_hw
    ])


def _check(res: BuildResult, torch_model: torch.nn.Module, x_nchw: np.ndarray, x_hw: np.ndarray) -> None:
    torch_model.eval()
    with torch.no_grad():
        logits = torch_model(torch.from_numpy(x_nchw.astype(np.float32) / 255.0)).numpy()
    for step in ("streamline", "dataflow_partition"):
        labels = _finn_labels(res, step, x_hw)
        top = logits.max(axis=1, keepdims=True)
        in_argmax_set = np.isclose(logits[np.arange(len(labels)), labels], top[:, 0], rtol=0, atol=1e-4)
        assert in_argmax_set.all(), (step, labels, logits.argmax(1))


@pytest.fixture(scope="module")
def images() -> np.ndarray:
    """Random uint8 images (N, 1, 12, 12)."""
    return np.random.default_rng(1).integers(0, 256, size=(6, 1, 12, 12)).astype(np.uint8)


def test_mlp_matches_pytorch(mlp_build: BuildResult) -> None:
    """Mini MLP: the label of the compiled graph is PyTorch's argmax on every image."""
    x = np.random.default_rng(2).integers(0, 256, size=(6, 1, 8, 8)).astype(np.uint8)
    _check(mlp_build, testmodels.mini_mlp(in_features=64, seed=0), x, x.reshape(6, -1))


def test_cnn_matches_pytorch(cnn_build: BuildResult, images: np.ndarray) -> None:
    """Mini CNN (input NHWC in hardware): the compiled label is PyTorch's argmax on every image."""
    _check(cnn_build, testmodels.mini_cnn(seed=0), images, images.transpose(0, 2, 3, 1))
