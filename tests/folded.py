"""Session-scoped builds (random weights) shared by the simulator and verify tests (tests/sim, tests/verify),
made with `pcnn_hw.compile.build`; the `folded_cases` fixture is registered once in tests/conftest.py."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from tests.lazy import built_once


class FoldedCase:
    """A torch model, its build directory and folded FINN graph, and the graph-input adapter."""

    def __init__(self, torch_model, build_dir: Path, onnx_path: Path):
        from qonnx.core.modelwrapper import ModelWrapper

        from pcnn_hw.sim.executor import Simulator
        from pcnn_hw.verify.ladder import graph_input_adapter

        self.torch_model = torch_model
        self.build_dir = build_dir
        self.onnx_path = onnx_path
        self.folded = ModelWrapper(str(build_dir / "folded.onnx"))
        sim = Simulator(self.folded)
        self._adapt = graph_input_adapter(sim.input_shape, sim.input_dtype)

    def graph_input(self, x: np.ndarray) -> np.ndarray:
        """NCHW float images in [0, 1] -> the folded graph's input (layout, uint8 scaling)."""
        return self._adapt(x)

    def torch_logits(self, x: np.ndarray) -> np.ndarray:
        """PyTorch logits of NCHW images."""
        import torch

        with torch.no_grad():
            y = self.torch_model(torch.from_numpy(x))
        return np.asarray(getattr(y, "value", y))


def _build(name: str, work: Path, seed: int = 0) -> FoldedCase:
    import torch
    from brevitas.export import export_qonnx

    from pcnn_hw.compile import testmodels
    from pcnn_hw.compile.build import build

    torch.manual_seed(seed)
    if name in ("tfc", "sfc", "cnv"):
        from brevitas_examples.bnn_pynq.models import model_with_cfg

        model, _ = model_with_cfg(f"{name}_1w1a", pretrained=False)
        in_shape = (3, 32, 32) if name == "cnv" else (1, 28, 28)
    else:
        model = testmodels.mini_cnn(in_ch=1, size=12)
        in_shape = (1, 12, 12)
    testmodels._randomize_bn(model, seed)  # noqa: SLF001 - test helper of the compile package
    model.eval()
    path = work / f"{name}.onnx"
    export_qonnx(model, torch.zeros(1, *in_shape), str(path))
    build(path, work / f"build_{name}", "pynq-z2", folding=None, target_fps=3000, stream=io.StringIO())
    return FoldedCase(model, work / f"build_{name}", path)


@pytest.fixture(scope="session")
def folded_cases(tmp_path_factory: pytest.TempPathFactory):
    """Lazily built folded graphs by name (tfc, sfc, mini, cnv)."""
    return built_once(_build, tmp_path_factory.mktemp("folded"))


def images(n: int, shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    """Random float32 images on the 8-bit grid k/255 (NCHW)."""
    rng = np.random.default_rng(seed)
    return (rng.integers(0, 256, size=(n, *shape)) / 255.0).astype(np.float32)
