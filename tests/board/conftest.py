"""Session fixtures for the board tests: tiny builds (flat MLP on 8x8 digits, NHWC mini CNN, resnet-mini)."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from pcnn_hw.driver.spec import AcceleratorSpec, StreamSpec

REPO = Path(__file__).resolve().parents[2]

FAKE_TOP = """// test fixture: the port list of a stitched RTL top (body irrelevant to the scripts)
module {name}_top (
    input  wire ap_clk,
    input  wire ap_rst_n,
    input  wire [{iw}:0] s_axis_0_tdata,
    input  wire s_axis_0_tvalid,
    output wire s_axis_0_tready,
    output wire [{ow}:0] m_axis_0_tdata,
    output wire m_axis_0_tvalid,
    input  wire m_axis_0_tready
);
    assign s_axis_0_tready = m_axis_0_tready;
    assign m_axis_0_tvalid = s_axis_0_tvalid;
    assign m_axis_0_tdata = s_axis_0_tdata[{ow}:0];
endmodule
"""


def _build(onnx: Path, out: Path) -> Path:
    from pcnn_hw.compile.build import build

    build(onnx, out, "pynq-z2", stream=io.StringIO())
    return out


@pytest.fixture(scope="session")
def board_builds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Directory of the session's build directories."""
    return tmp_path_factory.mktemp("board_builds")


@pytest.fixture(scope="session")
def mlp_build(board_builds: Path) -> Path:
    """Mini MLP on 8x8 inputs (flat layout; the digits dataset matches), built for pynq-z2."""
    from pcnn_hw.compile import testmodels

    onnx = testmodels.export_mini_mlp(board_builds / "mlp.onnx", in_features=64)
    return _build(onnx, board_builds / "mlp")


@pytest.fixture(scope="session")
def cnn_build(board_builds: Path) -> Path:
    """Mini CNN on 12x12 inputs (NHWC layout; random test vectors), built for pynq-z2."""
    from pcnn_hw.compile import testmodels

    onnx = testmodels.export_mini_cnn(board_builds / "cnn.onnx")
    return _build(onnx, board_builds / "cnn")


@pytest.fixture(scope="session")
def resnet_build(board_builds: Path) -> Path:
    """resnet-mini on 8x8 inputs (the digits dataset matches; flat head, random mild batch-norm as
    tests/compile/test_residual.py sets it), built for pynq-z2: forks, joins, padding and multi-bit
    residual streams."""
    import torch

    from pcnn_hw.export import export_model
    from pcnn_hw.models.resnet import BinaryResNet
    from pcnn_hw.quant import QuantConfig
    from tests.compile.test_residual import _mild_batchnorm

    shape = (1, 8, 8)
    torch.manual_seed(0)
    model = BinaryResNet("resnet-mini", shape, 10, QuantConfig(), head="flat").eval()
    _mild_batchnorm(model, 0)
    images = torch.randint(0, 256, (8, *shape), generator=torch.Generator().manual_seed(1)) / 255.0
    export_model(model, shape, board_builds / "resnet.onnx", images)
    return _build(board_builds / "resnet.onnx", board_builds / "resnet")


def add_fake_rtl(build_dir: Path, dest: Path) -> Path:
    """Copy a build directory to `dest` and give it an rtl/ with a top of the right stream widths."""
    from pcnn_hw.board.buildinfo import make_spec

    shutil.copytree(build_dir, dest)
    spec = make_spec(dest)
    mark_rtl_built(dest)
    (dest / "rtl").mkdir()
    (dest / "rtl" / f"{dest.name}_top.v").write_text(
        FAKE_TOP.format(name=dest.name, iw=spec.input.width_bits - 1, ow=spec.output.width_bits - 1)
    )
    return dest


def mark_rtl_built(build_dir: Path) -> None:
    """Give report.json the "rtl" section `pcnn-hw build --rtl` writes (the bitstream gate needs it)."""
    rep = json.loads((build_dir / "report.json").read_text())
    rep["rtl"] = {"note": "test fixture: RTL written by the test"}
    (build_dir / "report.json").write_text(json.dumps(rep))


def toy_spec(layout: str = "NHWC") -> AcceleratorSpec:
    """A hand-written spec (no build needed): 2x3x3 uint8 images in, one uint8 label out."""
    shape = (3, 3, 2) if layout == "NHWC" else (18,)
    return AcceleratorSpec(
        name="toy",
        board="pynq-z2",
        clock_mhz=100.0,
        layout=layout,
        input=StreamSpec(shape, "UINT8", 8, False, 2),
        output=StreamSpec((1,), "UINT8", 8, False, 1),
        output_kind="label",
        num_classes=10,
    )


class SumBackend:
    """A pure-numpy accelerator for driver tests: label = (sum of pixels) % 10, via the stream format."""

    def __init__(self, spec: AcceleratorSpec) -> None:
        from pcnn_hw.board.simboard import _MemoryBackend

        class _B(_MemoryBackend):
            def compute(self, pixels: np.ndarray) -> np.ndarray:
                return (pixels.sum(axis=1, keepdims=True) % 10).astype(np.int64)

        self.backend = _B(spec)
