"""resnet-mini (random weights, small input) through export → build → FINN execution → simulator.

The class scores are checked exactly: the last MVAU's integer outputs must equal
H·W · pooled_bits @ sign(W_classifier)ᵀ computed from the PyTorch model (pooled_bits = the classifier's
input, the global average of the last block's thresholded bits), so every layer before it (−1 padding,
forks, residual adds, thresholds after the add, the pooled tail) is exercised.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import torch

from pcnn_hw.compile.build import build
from pcnn_hw.export import export_model
from pcnn_hw.models.resnet import BinaryResNet
from pcnn_hw.quant import QuantConfig

# Builds and runs FINN's Python execution tensor by tensor: slow (the fast suite has test_residual_e2e).
pytestmark = pytest.mark.slow

IN_SHAPE = (1, 12, 12)


def _mild_batchnorm(model: torch.nn.Module, seed: int) -> None:
    """Random BN statistics centred near the bipolar/stream values, so activations vary per image."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for mod in model.modules():
            if isinstance(mod, torch.nn.BatchNorm2d):
                n = mod.num_features
                mod.running_mean.copy_(torch.randn(n, generator=gen) * 0.7 + 0.13)
                mod.running_var.copy_(torch.rand(n, generator=gen) + 0.5)
                mod.weight.copy_(torch.rand(n, generator=gen) + 0.5)
                mod.bias.copy_(torch.randn(n, generator=gen) * 0.1)


@pytest.fixture(scope="module")
def resnet_build(tmp_path_factory):
    torch.manual_seed(0)
    model = BinaryResNet("resnet-mini", IN_SHAPE, 10, QuantConfig(), head="gap").eval()  # the paper's head
    _mild_batchnorm(model, 0)
    work = tmp_path_factory.mktemp("resnet")
    images = (torch.randint(0, 256, (16, *IN_SHAPE), generator=torch.Generator().manual_seed(1)) / 255.0)
    export_model(model, IN_SHAPE, work / "model.onnx", images)
    res = build(work / "model.onnx", work / "build", "pynq-z2", stream=io.StringIO())
    return model, images, res


def test_residual_graph_becomes_hw_layers(resnet_build):
    from qonnx.core.modelwrapper import ModelWrapper

    _, _, res = resnet_build
    ops = [n.op_type for n in ModelWrapper(str(res.model_path)).graph.node]
    base = {o.removesuffix("_hls").removesuffix("_rtl") for o in ops}
    assert {"FMPadding", "DuplicateStreams", "ElementwiseAdd", "GlobalAccPool", "MVAU",
            "Thresholding", "LabelSelect"} <= base
    assert ops.count("FMPadding_rtl") + ops.count("FMPadding_hls") == 6  # two per block
    assert sum(o.startswith("ElementwiseAdd") for o in ops) == 3  # one join per block
    assert all(o.endswith(("_hls", "_rtl")) for o in ops)


def _scores_from_torch(model, images: torch.Tensor) -> np.ndarray:
    seen = []
    hook = model.classifier.register_forward_hook(lambda mod, inp, out: seen.append(inp[0]))
    with torch.no_grad():
        model(images)
    hook.remove()
    side = model.features(images[:1]).shape[-1]
    signs = np.sign(model.classifier.quant_weight().value.detach().numpy())
    return np.rint(seen[0].numpy() * side * side) @ signs.T


def test_finn_execution_equals_pytorch_scores(resnet_build):
    from qonnx.core.modelwrapper import ModelWrapper

    from pcnn_hw.sim.finn_reference import FinnReference

    model, images, res = resnet_build
    ref = FinnReference(ModelWrapper(str(res.model_path)))
    label_in = next(n for n in ref.model.graph.node if n.op_type == "LabelSelect").input[0]
    x = np.rint(images.numpy() * 255).transpose(0, 2, 3, 1)
    hw = np.stack([ref.run_one(xi[None], all_tensors=True)[label_in].reshape(-1) for xi in x])
    expect = _scores_from_torch(model, images)
    assert len({tuple(r) for r in expect}) > 4  # the images really differ
    assert np.array_equal(hw, expect)
    with torch.no_grad():
        torch_top = model(images).argmax(1).numpy()
    assert np.array_equal(ref.run(x).reshape(-1), torch_top)


def test_simulator_equals_finn_tensor_by_tensor(resnet_build):
    from qonnx.core.modelwrapper import ModelWrapper

    from pcnn_hw.sim.executor import Simulator
    from pcnn_hw.sim.finn_reference import FinnReference

    _, images, res = resnet_build
    sim = Simulator(res.model_path, backend="numpy")
    ref = FinnReference(ModelWrapper(str(res.model_path)))
    x = np.rint(images.numpy()[:4] * 255).transpose(0, 2, 3, 1).astype(np.float32)
    _, vals = sim.run(x, keep=True)
    compared = 0
    for i in range(len(x)):
        ctx = ref.run_one(x[i : i + 1], all_tensors=True)
        for name, v in vals.items():
            if name in ctx:
                assert np.array_equal(np.asarray(ctx[name]).reshape(-1), v[i].reshape(-1)), name
                compared += 1
    assert compared >= 4 * 35
    assert np.array_equal(sim.run(x).reshape(-1), ref.run(x).reshape(-1))


def test_rtl_of_residual_graph_is_a_typed_error(resnet_build):
    from pcnn_hw.compile.residual import check_chain_backend
    from pcnn_hw.errors import UnsupportedOpError

    _, _, res = resnet_build
    from qonnx.core.modelwrapper import ModelWrapper

    with pytest.raises(UnsupportedOpError, match=r"DuplicateStreams.*RTL.*residual"):
        check_chain_backend(ModelWrapper(str(res.model_path)), "RTL")


def test_build_dir_layout(resnet_build):
    _, _, res = resnet_build
    assert Path(res.model_path).is_file() and (res.out_dir / "report.json").is_file()
