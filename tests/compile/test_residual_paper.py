"""ResNet-18 and WRN-22 (CIFAR-10 form, random weights): build, then simulator ≡ FINN on two images."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("name", ["wrn22", "resnet18"])
def test_paper_resnet_builds_and_simulates(name, tmp_path):
    from qonnx.core.modelwrapper import ModelWrapper

    from pcnn_hw.compile.build import build
    from pcnn_hw.export import export_model
    from pcnn_hw.models import build_model, randomize_batchnorm
    from pcnn_hw.quant import QuantConfig
    from pcnn_hw.sim.executor import Simulator
    from pcnn_hw.sim.finn_reference import FinnReference

    torch.manual_seed(0)
    model = randomize_batchnorm(build_model(name, QuantConfig(), (3, 32, 32))).eval()
    images = torch.randint(0, 256, (2, 3, 32, 32)) / 255.0
    export_model(model, (3, 32, 32), tmp_path / "model.onnx", images)
    res = build(tmp_path / "model.onnx", tmp_path / "build", "zcu104", stream=io.StringIO())
    assert res.report["layers"]
    x = np.rint(images.numpy() * 255).transpose(0, 2, 3, 1).astype(np.float32)
    sim = Simulator(res.model_path, backend="numpy")
    ref = FinnReference(ModelWrapper(str(res.model_path)))
    score = sim.score_tensor()
    _, vals = sim.run(x, keep=True)
    for i in range(len(x)):
        ctx = ref.run_one(x[i : i + 1], all_tensors=True)
        assert np.array_equal(np.asarray(ctx[score]).reshape(-1), vals[score][i].reshape(-1))
