"""Fixtures of the RTL tests: random small layer chains (random foldings), built once per session."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from helpers import make_layer, mvau  # noqa: E402


def _divisor(rng, n: int) -> int:
    return int(rng.choice([d for d in range(1, n + 1) if n % d == 0]))


def chain_a(seed: int):
    """UINT8 image 6x6x2 -> parallel SWG -> int MVAU -> SWG -> XNOR MVAU -> depthwise SWG -> pool ->
    XNOR MVAU -> accumulator MVAU -> label select, with random PE/SIMD."""
    rng = np.random.default_rng(seed)
    c4 = _divisor(rng, 4)
    p6 = _divisor(rng, 6)
    layers = [
        make_layer(
            "ConvolutionInputGenerator_rtl",
            name="swg0",
            ConvKernelDim=[3, 3],
            IFMChannels=2,
            IFMDim=[6, 6],
            OFMDim=[4, 4],
            SIMD=2,
            Stride=[1, 1],
            Dilation=[1, 1],
            depthwise=0,
            parallel_window=1,
            inputDataType="UINT8",
            outputDataType="UINT8",
        ),
        mvau(rng, 18, 4, _divisor(rng, 4), _divisor(rng, 18), kind="int", nvec=16, name="mv0"),
        make_layer(
            "ConvolutionInputGenerator_rtl",
            name="swg1",
            ConvKernelDim=[2, 2],
            IFMChannels=4,
            IFMDim=[4, 4],
            OFMDim=[3, 3],
            SIMD=c4,
            Stride=[1, 1],
            Dilation=[1, 1],
            depthwise=0,
            parallel_window=0,
            inputDataType="BINARY",
            outputDataType="BINARY",
        ),
        mvau(rng, 16, 6, _divisor(rng, 6), _divisor(rng, 16), nvec=9, name="mv1"),
        make_layer(
            "ConvolutionInputGenerator_rtl",
            name="swg2",
            ConvKernelDim=[2, 2],
            IFMChannels=6,
            IFMDim=[3, 3],
            OFMDim=[2, 2],
            SIMD=p6,
            Stride=[1, 1],
            Dilation=[1, 1],
            depthwise=1,
            parallel_window=0,
            inputDataType="BINARY",
            outputDataType="BINARY",
        ),
        make_layer(
            "Pool_hls",
            name="pool0",
            Channels=6,
            PE=p6,
            KernelSize=[2, 2],
            Function="MaxPool",
            OutImgDims=[2, 2],
            InputDataType="BINARY",
            OutputDataType="BINARY",
            BatchSize=1,
        ),
        mvau(rng, 24, 8, _divisor(rng, 8), _divisor(rng, 24), nvec=1, name="mv2"),
        mvau(rng, 8, 4, _divisor(rng, 4), _divisor(rng, 8), kind="acc", nvec=1, name="mv3"),
        make_layer(
            "LabelSelect_hls",
            name="ls0",
            Labels=4,
            PE=_divisor(rng, 4),
            K=1,
            inputDataType="INT8",
            outputDataType="UINT8",
        ),
    ]
    return layers


def chain_b(seed: int):
    """UINT8 (5 vectors x 6 channels) -> thresholding to INT4 -> int MVAU (INT3 weights, 3 thresholds,
    INT2 out), random PE/SIMD."""
    rng = np.random.default_rng(seed)
    t = np.sort(rng.integers(0, 256, size=(6, 15)), axis=1)
    th = make_layer(
        "Thresholding_hls",
        {"t": t},
        name="th0",
        NumChannels=6,
        PE=_divisor(rng, 6),
        inputDataType="UINT8",
        outputDataType="INT4",
        ActVal=-8,
        numInputVectors=[1, 5],
    )
    w = rng.integers(-4, 4, size=(6, 4))
    tt = np.sort(rng.integers(-40, 40, size=(4, 3)), axis=1)
    mv = make_layer(
        "MVAU_hls",
        {"w": w, "t": tt},
        name="mv0",
        MW=6,
        MH=4,
        PE=_divisor(rng, 4),
        SIMD=_divisor(rng, 6),
        noActivation=0,
        numInputVectors=[1, 5],
        inputDataType="INT4",
        weightDataType="INT3",
        outputDataType="INT2",
        ActVal=-2,
        binaryXnorMode=0,
    )
    return [th, mv]


@pytest.fixture(scope="session")
def rtl_work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Session scratch directory of the RTL tests."""
    return tmp_path_factory.mktemp("rtl")


def _model_build(name: str, work: Path) -> Path:
    """Our model ``name`` (sign quantizers, random BatchNorm), exported and compiled for pynq-z2."""
    import io

    import torch

    from pcnn_hw.compile.build import build
    from pcnn_hw.export import export_model
    from pcnn_hw.models import build_model, randomize_batchnorm
    from pcnn_hw.quant import QuantConfig

    shape = (1, 28, 28)
    torch.manual_seed(0)
    model = randomize_batchnorm(build_model(name, QuantConfig(kind="sign"), in_shape=shape), 0).eval()
    export_model(model, shape, work / f"{name}.onnx", torch.rand(4, *shape))
    return build(work / f"{name}.onnx", work / name, "pynq-z2", stream=io.StringIO()).out_dir


@pytest.fixture(scope="session")
def model_builds(tmp_path_factory: pytest.TempPathFactory):
    """Lazily compiled build directories of our models by name (mini-cnv, sfc), no RTL yet."""
    from tests.lazy import built_once

    return built_once(_model_build, tmp_path_factory.mktemp("rtl_builds"))
