"""Session-scoped fixtures: small QONNX models exported once and built once per test session."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest

from pcnn_hw.compile import testmodels
from pcnn_hw.compile.build import BuildResult, build


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Directory holding the exported test models."""
    return tmp_path_factory.mktemp("compile_models")


@pytest.fixture(scope="session")
def mlp_onnx(models_dir: Path) -> Path:
    """Mini MLP (8-bit input, binary weights, bipolar activations) as QONNX."""
    return testmodels.export_mini_mlp(models_dir / "mlp.onnx", in_features=64)


@pytest.fixture(scope="session")
def cnn_onnx(models_dir: Path) -> Path:
    """Mini CNN (8-bit input, two binary 3x3 convs, max-pool, binary FC) as QONNX."""
    return testmodels.export_mini_cnn(models_dir / "cnn.onnx")


@pytest.fixture(scope="session")
def tfc_onnx(models_dir: Path) -> Path:
    """Brevitas' tfc_1w1a (random init) as QONNX."""
    return testmodels.export_bnn_pynq("tfc_1w1a", models_dir / "tfc.onnx")


def _build(onnx: Path, out: Path, **kw: object) -> BuildResult:
    return build(onnx, out, "pynq-z2", stream=io.StringIO(), **kw)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def builds_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Directory holding the session's build directories."""
    return tmp_path_factory.mktemp("compile_builds")


@pytest.fixture(scope="session")
def mlp_build(mlp_onnx: Path, builds_dir: Path) -> BuildResult:
    """The mini MLP built with the auto folding."""
    return _build(mlp_onnx, builds_dir / "mlp")


@pytest.fixture(scope="session")
def cnn_build(cnn_onnx: Path, builds_dir: Path) -> BuildResult:
    """The mini CNN built with the auto folding."""
    return _build(cnn_onnx, builds_dir / "cnn")


@pytest.fixture(scope="session")
def build_fn() -> Callable[..., BuildResult]:
    """``build`` with output captured (for tests that build themselves)."""
    return _build
