"""Brevitas' own BNN-PYNQ zoo (random init, never downloaded): what builds, what is refused and why.

Supported: 1-bit (bipolar) weights with 1- or n-bit activations (tfc_1w2a: 2-bit activations, the
thresholds then have 3 steps); 2-bit weights (the *_2w2a models) are refused with a typed error.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from pcnn_hw.compile import testmodels
from pcnn_hw.compile.build import build
from pcnn_hw.errors import QuantizationError


def _ladder(name: str, tmp: Path, csim: bool = False, rtl: bool = False) -> list:
    import torch
    from brevitas_examples.bnn_pynq import models
    from qonnx.core.modelwrapper import ModelWrapper

    from pcnn_hw.board.level import board_level
    from pcnn_hw.verify.ladder import finn_level, qonnx_level, run_ladder, sim_level, torch_level

    torch.manual_seed(0)
    model = getattr(models, name)(pretrained=False)
    testmodels._randomize_bn(model, 0)  # noqa: SLF001 - test helper of the compile package
    model.eval()
    onnx = testmodels._export(model, (1, 28, 28), tmp / f"{name}.onnx")  # noqa: SLF001
    res = build(onnx, tmp / "b", "pynq-z2", stream=io.StringIO())
    folded = ModelWrapper(str(res.model_path))
    levels = [torch_level(model), qonnx_level(onnx), finn_level(folded)]
    levels.append(sim_level(folded, build_dir=res.out_dir))
    if csim:
        from pcnn_hw.hls.csim import csim_level

        levels.append(csim_level(res.out_dir))
    if rtl:
        from pcnn_hw.rtl.flow import run_rtl
        from pcnn_hw.rtl.level import rtl_level

        run_rtl(res.out_dir, frames=2, synth=False, stream=io.StringIO())
        levels.append(rtl_level(res.out_dir))
    levels.append(board_level(res.out_dir, None))
    x = (np.random.default_rng(0).integers(0, 256, (6, 1, 28, 28)) / 255.0).astype(np.float32)
    return run_ladder(levels, x, None)


def test_tfc_1w2a_builds_and_agrees(tmp_path: Path) -> None:
    results = _ladder("tfc_1w2a", tmp_path)
    assert [r.name for r in results][-2:] == ["bit-exact sim", "board (simulated)"]
    for r in results:
        assert not r.mismatches, f"{r.name}: {r.detail}"


@pytest.mark.slow
def test_tfc_1w2a_csim_and_rtl(tmp_path: Path) -> None:
    results = _ladder("tfc_1w2a", tmp_path, csim=True, rtl=True)
    assert {"C-sim (g++)", "RTL (Verilator)"} <= {r.name for r in results}
    for r in results:
        assert not r.mismatches, f"{r.name}: {r.detail}"


@pytest.mark.parametrize("name", ["tfc_2w2a", pytest.param("cnv_2w2a", marks=pytest.mark.slow)])
def test_two_bit_weights_refused(name: str, tmp_path: Path) -> None:
    onnx = testmodels.export_bnn_pynq(name, tmp_path / f"{name}.onnx")
    with pytest.raises(QuantizationError, match="weights are INT2, but XNOR-popcount hardware needs binary"):
        build(onnx, tmp_path / "b", "pynq-z2", stream=io.StringIO())
    assert not (tmp_path / "b").exists()
