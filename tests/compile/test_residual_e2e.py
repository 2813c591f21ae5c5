"""resnet-mini end to end (fast suite): random weights → export → build → fidelity ladder at 100 %.

PyTorch, the exported QONNX graph, FINN+'s execution of the folded graph and the bit-exact simulator
(from the build's memory images) must give the same label for every image, and FINN and the simulator
the same raw scores. The flat head (resnet-mini's default) runs in the fast suite, the GAP head (the
paper nets') in the slow one.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from test_residual import _mild_batchnorm  # the same random BN statistics as the slow residual tests

from pcnn_hw.compile.build import build
from pcnn_hw.export import export_model
from pcnn_hw.models.resnet import BinaryResNet
from pcnn_hw.quant import QuantConfig

IN_SHAPE = (1, 10, 10)


@pytest.mark.parametrize("head", ["flat", pytest.param("gap", marks=pytest.mark.slow)])
def test_resnet_mini_ladder_agrees(head, tmp_path):
    from qonnx.core.modelwrapper import ModelWrapper

    from pcnn_hw.verify.ladder import finn_level, qonnx_level, run_ladder, sim_level, torch_level

    torch.manual_seed(0)
    model = BinaryResNet("resnet-mini", IN_SHAPE, 10, QuantConfig(), head=head).eval()
    _mild_batchnorm(model, 0)
    images = torch.randint(0, 256, (12, *IN_SHAPE), generator=torch.Generator().manual_seed(1)) / 255.0
    export_model(model, IN_SHAPE, tmp_path / "model.onnx", images[:4])
    res = build(tmp_path / "model.onnx", tmp_path / "build", "pynq-z2", stream=io.StringIO())
    ops = {n.op_type.removesuffix("_hls").removesuffix("_rtl")
           for n in ModelWrapper(str(res.model_path)).graph.node}
    assert {"FMPadding", "DuplicateStreams", "ElementwiseAdd", "MVAU", "Thresholding"} <= ops
    assert ("GlobalAccPool" in ops) == (head == "gap")
    x = images.numpy()
    levels = [torch_level(model), qonnx_level(tmp_path / "model.onnx"), finn_level(res.model_path),
              sim_level(res.model_path, build_dir=res.out_dir, backend="numpy")]
    results = run_ladder(levels, x, None)
    assert len({tuple(np.round(r, 4)) for r in results[0].raw}) > 4  # the images really differ
    if head == "flat":  # (random GAP weights on a 4x4 map tend to give every image the same label)
        assert len({int(v) for v in results[0].labels}) > 2
    for r in results[1:]:
        assert r.agreement == 1.0, (r.name, r.detail)
    assert np.array_equal(results[2].raw, results[3].raw)  # FINN ≡ simulator on the raw scores
