"""`pcnn-hw finn-config`: FINN+'s config loader accepts what it writes, our folding and RTL FIFO depths
are in it, and FINN+'s own steps run on it up to the first one that needs Vitis HLS/Vivado."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pcnn_hw.board.finn_config import CONFIG_FILE, write_finn_config
from pcnn_hw.cli import main
from pcnn_hw.errors import BoardError

REPO = Path(__file__).resolve().parents[2]
DESIGN = {  # the part of rtl/design.json finn-config reads (hand-written)
    "instances": [
        {"kind": "fifo", "layer": "ConvolutionInputGenerator_rtl_0", "params": {"DEPTH": 4}},
        {"kind": "layer", "layer": "ConvolutionInputGenerator_rtl_0"},
        {"kind": "fifo", "layer": "MVAU_hls_0", "params": {"DEPTH": 32}},
        {"kind": "layer", "layer": "MVAU_hls_0"},
        {"kind": "layer", "layer": "LabelSelect_hls_0"},
        {"kind": "fifo", "layer": "", "params": {"DEPTH": 8}},
    ]
}


@pytest.fixture(scope="module")
def finn_dir(cnn_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """finn_config/ of the mini-CNN build with hand-written RTL FIFO depths (via the CLI)."""
    bdir = tmp_path_factory.mktemp("finncfg") / "cnn"
    shutil.copytree(cnn_build, bdir)
    (bdir / "rtl").mkdir()
    (bdir / "rtl" / "design.json").write_text(json.dumps(DESIGN))
    assert main(["finn-config", str(bdir)]) == 0
    return bdir / "finn_config"


def test_config_loads_with_finn_and_carries_our_build(finn_dir: Path, cnn_build: Path) -> None:
    """FINN+'s DataflowBuildConfig loads it; board, part, clock, shell, folding and FIFO depths are ours."""
    from pcnn_hw.compile.finn_compat import prepare_finn

    prepare_finn(finn_dir / "finn_work")
    from finn.builder.build_dataflow_config import DataflowBuildConfig, ShellFlowType

    cfg = DataflowBuildConfig.from_json((finn_dir / CONFIG_FILE).read_text())
    assert cfg.board == "Pynq-Z2" and cfg.fpga_part == "xc7z020clg400-1"
    assert cfg.synth_clk_period_ns == pytest.approx(10.0) and cfg.shell_flow_type == ShellFlowType.VIVADO_ZYNQ
    assert cfg.auto_fifo_depths is False and "step_synthesize_bitfile" in cfg.steps
    folding = json.loads((finn_dir / "folding_config.json").read_text())
    ours = json.loads((cnn_build / "folding_config.json").read_text())
    assert all(folding[k]["PE"] == v["PE"] for k, v in ours.items() if "PE" in v)
    assert folding["MVAU_hls_0"]["inFIFODepths"] == [32]
    assert folding["ConvolutionInputGenerator_rtl_0"]["inFIFODepths"] == [4]
    assert folding["LabelSelect_hls_0"]["outFIFODepths"] == [8]
    assert (finn_dir / "model.onnx").is_file()
    assert "build_dataflow_cfg" in (finn_dir / "README.md").read_text()


@pytest.mark.slow
def test_finn_steps_run_until_vitis(finn_dir: Path) -> None:
    """FINN+'s default steps run on the written model and config through step_hw_codegen; the next,
    step_hw_ipgen, is the first to need Xilinx tools; FINN's folding step applied our PE/SIMD/FIFOs."""
    env = {k: v for k, v in os.environ.items() if k not in ("XILINX_VIVADO", "FINN_BUILD_DIR")}
    env["PYTHONPATH"] = str(REPO)
    res = subprocess.run(
        [sys.executable, str(REPO / "tests" / "board" / "data" / "finn_steps.py"), str(finn_dir)],
        capture_output=True, text=True, check=False, timeout=600, env=env,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr[-3000:]
    got = json.loads(res.stdout.strip().splitlines()[-1])
    assert got["ran"][0] == "step_qonnx_to_finn" and got["ran"][-1] == "step_hw_codegen"
    assert "step_apply_folding_config" in got["ran"]
    assert got["ipgen_error"] and "XILINX_VIVADO" in got["ipgen_error"]
    ours = json.loads((finn_dir.parent / "folding_config.json").read_text())
    for name, (pe, simd, _fifo) in got["mvau"].items():
        assert [pe, simd] == [ours[name]["PE"], ours[name]["SIMD"]], name
    assert got["mvau"]["MVAU_hls_0"][2] == [32]


def test_bad_build_dir(tmp_path: Path) -> None:
    """Not a build directory -> BoardError naming the missing file; CLI exit 1."""
    with pytest.raises(BoardError, match="03_pre_post.onnx: missing"):
        write_finn_config(tmp_path)
    assert main(["finn-config", str(tmp_path)]) == 1


def test_join_gets_one_fifo_depth_per_input(tmp_path: Path) -> None:
    """A join (ElementwiseAdd) has two input FIFOs: FINN's inFIFODepths lists both, in port order."""
    from pcnn_hw.board.finn_config import fifo_depths

    (tmp_path / "rtl").mkdir()
    (tmp_path / "rtl" / "design.json").write_text(json.dumps({"instances": [
        {"kind": "fifo", "layer": "DuplicateStreams_hls_0", "params": {"DEPTH": 2}},
        {"kind": "layer", "layer": "DuplicateStreams_hls_0"},
        {"kind": "fifo", "layer": "ElementwiseAdd_hls_0", "params": {"DEPTH": 70}},
        {"kind": "fifo", "layer": "ElementwiseAdd_hls_0", "params": {"DEPTH": 3}},
        {"kind": "layer", "layer": "ElementwiseAdd_hls_0"},
        {"kind": "fifo", "layer": "", "params": {"DEPTH": 5}},
    ]}))  # fmt: skip
    assert fifo_depths(tmp_path) == {"DuplicateStreams_hls_0": {"inFIFODepths": [2]},
                                     "ElementwiseAdd_hls_0": {"inFIFODepths": [70, 3], "outFIFODepths": [5]}}
