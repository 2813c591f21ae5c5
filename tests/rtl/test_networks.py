"""Whole networks through the RTL flow: FIFO sizing, Verilator vs the bit-exact simulator, cycles vs
FINN's estimate, the RTL ladder level. mini-cnv and sfc (our models) are slow (compile + 2 Verilator
builds each); cnv is in benchmarks/rtl_cnv.py."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
import torch

from pcnn_hw.compile.build import build
from pcnn_hw.export import export_model
from pcnn_hw.models import build_model, randomize_batchnorm
from pcnn_hw.quant import QuantConfig
from pcnn_hw.rtl.flow import load_design, run_rtl
from pcnn_hw.rtl.level import rtl_level, scores_design


def _build(name, shape, tmp_path):
    torch.manual_seed(0)
    model = randomize_batchnorm(build_model(name, QuantConfig(kind="sign"), in_shape=shape), 0).eval()
    export_model(model, shape, tmp_path / "model.onnx", torch.rand(4, *shape))
    return build(tmp_path / "model.onnx", tmp_path / "b", "pynq-z2", stream=io.StringIO())


@pytest.mark.slow
@pytest.mark.parametrize("name,shape", [("mini-cnv", (1, 28, 28)), ("sfc", (1, 28, 28))])
def test_network_rtl(name, shape, tmp_path):
    """Sized FIFOs reach the estimate's throughput (within 1 %); outputs bit-exact; ladder level agrees."""
    b = _build(name, shape, tmp_path)
    rep = run_rtl(b.out_dir, frames=6, synth=False)
    assert abs(rep["cycles_vs_estimate"] - 1) < 0.01, rep["cycles_vs_estimate"]
    sizing = rep["fifo_sizing"]
    assert rep["cycles_per_frame"] <= sizing["deep_cycles_per_frame"] * 1.01
    assert json.loads((b.out_dir / "report.json").read_text())["rtl"]["fps"] > 0
    lv = rtl_level(b.out_dir)
    imgs = np.random.default_rng(3).random((5, *shape)).astype(np.float32)
    labels, raw = lv.predict(imgs)
    rd = load_design(b.out_dir)
    ref = rd.reference(rd.graph_input(imgs))
    np.testing.assert_array_equal(raw.reshape(ref.shape), ref)


def _mild_batchnorm(model: torch.nn.Module, seed: int) -> None:
    """Random BN statistics near the bipolar/stream values, so activations vary per image (as in
    tests/compile/test_residual.py)."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for mod in model.modules():
            if isinstance(mod, torch.nn.BatchNorm2d):
                n = mod.num_features
                mod.running_mean.copy_(torch.randn(n, generator=gen) * 0.7 + 0.13)
                mod.running_var.copy_(torch.rand(n, generator=gen) + 0.5)
                mod.weight.copy_(torch.rand(n, generator=gen) + 0.5)
                mod.bias.copy_(torch.randn(n, generator=gen) * 0.1)


@pytest.mark.slow
def test_resnet_mini_rtl(tmp_path):
    """resnet-mini (forks, joins, padding, stride-2 and 1x1 projection, global pool) through the RTL flow:
    skip FIFOs sized from simulation, the estimate's throughput, bit-exact, the ladder level agrees."""
    shape = (1, 12, 12)
    torch.manual_seed(0)
    model = build_model("resnet-mini", QuantConfig(), shape).eval()
    _mild_batchnorm(model, 0)
    imgs = torch.randint(0, 256, (8, *shape), generator=torch.Generator().manual_seed(1)) / 255.0
    export_model(model, shape, tmp_path / "model.onnx", imgs)
    b = build(tmp_path / "model.onnx", tmp_path / "b", "pynq-z2", stream=io.StringIO())
    rep = run_rtl(b.out_dir, frames=6, synth=False)
    # one input beat per cycle, the floor: 12 x 12 pixels per frame. The estimate is FINN's parallel-window
    # formula, 144 + 2 = 146 (the first window generator); the stitched design lost 40 cycles per frame to
    # a width converter before the FIFO of the stride-2 window (184) until rtl/stitch buffered first.
    assert rep["estimate_cycles_per_frame"] == 146
    assert rep["cycles_per_frame"] == 12 * 12, rep["cycles_per_frame"]
    man = json.loads((b.out_dir / "rtl" / "design.json").read_text())
    joins = [e for e in man["edges"] if "ElementwiseAdd" in e["label"].split("->")[1]]
    assert len(joins) == 6 and max(e["depth"] for e in joins) > 64  # skip paths hold the long branch (94)
    assert len(rep["fifo_occupancy"]) == len(rep["fifo_depths"]) == len(man["edges"])
    assert len(rep["timeline"]["layers"]) == len(load_design(b.out_dir).layers)
    lv = rtl_level(b.out_dir)
    labels, raw = lv.predict(imgs.numpy())
    rd = load_design(b.out_dir)
    ref = rd.reference(rd.graph_input(imgs.numpy()))
    np.testing.assert_array_equal(raw.reshape(ref.shape), ref)
    # the class scores from the RTL without its LabelSelect equal the simulator's tensor into it
    scores = lv.scores(imgs.numpy())
    sref = scores_design(rd).reference(rd.graph_input(imgs.numpy()))
    assert scores.shape == (8, 10) and len(np.unique(sref, axis=0)) > 1
    np.testing.assert_array_equal(scores, sref)
