"""Fixtures of the report tests: a random-weight mini-cnv built once per session through the CLI
(so `pcnn-hw build` itself writes the page), without RTL."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


def _export_mini_cnv(path: Path, seed: int = 0) -> Path:
    import torch

    from pcnn_hw.export import export_model
    from pcnn_hw.models import build_model, randomize_batchnorm
    from pcnn_hw.quant import QuantConfig

    torch.manual_seed(seed)
    model = randomize_batchnorm(build_model("mini-cnv", QuantConfig(kind="pcnn"), in_shape=(1, 28, 28)), seed)
    imgs = torch.randint(0, 256, (4, 1, 28, 28), generator=torch.Generator().manual_seed(seed)) / 255.0
    export_model(model.eval(), (1, 28, 28), path, imgs)
    return path


@pytest.fixture(scope="session")
def mini_cnv_onnx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random-weight mini-cnv exported to QONNX."""
    return _export_mini_cnv(tmp_path_factory.mktemp("report_model") / "mini-cnv.onnx")


@pytest.fixture(scope="session")
def mini_cnv_build(mini_cnv_onnx: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`pcnn-hw build mini-cnv.onnx -o DIR` (no --rtl): the build directory, page included."""
    from pcnn_hw.cli import main

    out = tmp_path_factory.mktemp("report_build") / "mini"
    assert main(["build", str(mini_cnv_onnx), "-o", str(out)]) == 0
    return out


@pytest.fixture
def build_copy(mini_cnv_build: Path, tmp_path: Path) -> Path:
    """A private copy of the session build a test may change."""
    dst = tmp_path / "copy"
    shutil.copytree(mini_cnv_build, dst)
    return dst
