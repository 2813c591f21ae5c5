"""Fixtures of the HLS tests: the resolved toolchain and a persistent compile cache in the user cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.lazy import built_once


@pytest.fixture(scope="session")
def tc():
    """The g++ / ap_types / kernel-library toolchain; the HLS C-sim tests skip when it is missing."""
    from pcnn_hw.errors import ToolMissingError
    from pcnn_hw.hls.toolchain import toolchain

    try:
        return toolchain()
    except ToolMissingError as exc:
        pytest.skip(f"HLS C-simulation toolchain missing: {exc}")


@pytest.fixture(scope="session")
def cache_dir() -> Path:
    """Directory of cached compiled testbenches by content hash (user cache; safe to delete)."""
    from pcnn_hw.outputs import user_cache_dir

    return user_cache_dir("hls", "tests")


def _model_build(name: str, work: Path, seed: int = 0) -> Path:
    """Our own model `name` (random init, randomised BatchNorm), exported and built for pynq-z2."""
    import io

    import torch

    from pcnn_hw.compile import testmodels
    from pcnn_hw.compile.build import build
    from pcnn_hw.export import export_model
    from pcnn_hw.models import build_model
    from pcnn_hw.quant import QuantConfig

    torch.manual_seed(seed)
    if name.startswith("resnet-mini"):  # the residual net as tests/compile/test_residual.py builds it
        from pcnn_hw.models.resnet import BinaryResNet
        from tests.compile.test_residual import _mild_batchnorm

        # "resnet-mini-gap": the global-average-pool head (resnet18/wrn22's) instead of the flat default
        head = "gap" if name.endswith("-gap") else None
        model = BinaryResNet("resnet-mini", (1, 28, 28), 10, QuantConfig(), head=head)
        _mild_batchnorm(model, seed)
    else:
        model = build_model(name, QuantConfig(kind="pcnn"), in_shape=(1, 28, 28))
        testmodels._randomize_bn(model, seed)  # noqa: SLF001 - test helper of the compile package
    model.eval()
    imgs = torch.randint(0, 256, (8, 1, 28, 28), generator=torch.Generator().manual_seed(seed)) / 255.0
    onnx = work / f"{name}.onnx"
    export_model(model, (1, 28, 28), onnx, imgs)
    build(onnx, work / name, "pynq-z2", stream=io.StringIO())
    return work / name


@pytest.fixture(scope="session")
def model_builds(tmp_path_factory: pytest.TempPathFactory):
    """Lazily built build directories of our models by name (mini-cnv, sfc, resnet-mini, resnet-mini-gap)."""
    return built_once(_model_build, tmp_path_factory.mktemp("hls_builds"))
