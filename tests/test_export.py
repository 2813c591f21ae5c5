"""QONNX export: equivalence with PyTorch, J > 1, per-channel scale, FINN+ streamlining, errors."""

import json

import numpy as np
import onnx
import pytest
import torch

from pcnn_hw.errors import ExportError
from pcnn_hw.export import compare_outputs, export_model
from pcnn_hw.models import build_model, randomize_batchnorm
from pcnn_hw.quant import QuantConfig

SHAPE = (1, 28, 28)


def _model(name="tfc", seed=0, **cfg):
    torch.manual_seed(seed)
    return randomize_batchnorm(build_model(name, QuantConfig(**cfg), SHAPE), seed).eval()


@pytest.mark.parametrize("name,cfg", [("tfc", {}), ("tfc", {"projections": 2, "per_channel_scale": True}),
                                      ("mini-cnv", {"projections": 2}), ("mini-cnv", {"kind": "sign"})])
def test_export_matches_pytorch(tmp_path, name, cfg):
    model = _model(name, **cfg)
    images = torch.rand(6, *SHAPE)
    check = export_model(model, SHAPE, tmp_path / "m.onnx", images, {"pcnn_hw.model": name})
    assert check.ok and check.images == 6 and check.max_abs_diff <= 1e-5
    graph = onnx.load(tmp_path / "m.onnx").graph
    ops = [n.op_type for n in graph.node]
    assert "BipolarQuant" in ops and "Quant" in ops
    assert "Concat" not in ops  # the projection W~∘C is folded into one weight initializer
    report = json.loads((tmp_path / "m.onnx.json").read_text())
    assert report["check"]["ok"] and report["metadata"]["pcnn_hw.model"] == name


def test_projected_weights_reach_the_graph(tmp_path):
    """BipolarQuant's weight input is P = [W~_1∘C; W~_2∘C], so sign(P) is what the hardware gets."""
    from qonnx.core.modelwrapper import ModelWrapper

    model = _model("tfc", projections=2)
    with torch.no_grad():
        model.features[0].projection.uniform_(-1, 1)
    export_model(model, SHAPE, tmp_path / "m.onnx", torch.rand(2, *SHAPE))
    wrapper = ModelWrapper(str(tmp_path / "m.onnx"))
    expected = model.features[0].projected_weight().detach().numpy().T  # MatMul weights are (in, out)
    inits = [wrapper.get_initializer(n.input[0]) for n in wrapper.graph.node if n.op_type == "BipolarQuant"]
    inits = [w for w in inits if w is not None and w.shape == expected.shape]
    assert len(inits) == 1 and np.array_equal(np.sign(inits[0]), np.sign(expected))


def test_compare_outputs_counts_ties_and_mismatches():
    ref = np.array([[1.0, 1.0, 0.0], [0.0, 2.0, 1.0], [3.0, 0.0, 0.0]])
    other = np.array([[0.9, 1.0, 0.0], [0.0, 1.0, 2.0], [3.0, 0.0, 0.0]])
    check = compare_outputs(ref, other, atol=1e-5)
    assert check.ties == [0] and check.argmax_mismatches == [1] and not check.ok


def test_failed_check_leaves_no_file(tmp_path, monkeypatch):
    import pcnn_hw.export as export

    monkeypatch.setattr(export, "run_qonnx", lambda wrapper, images: np.zeros((len(images), 10)))
    with pytest.raises(ExportError, match="disagrees"):
        export_model(_model(), SHAPE, tmp_path / "m.onnx", torch.rand(2, *SHAPE))
    assert list(tmp_path.iterdir()) == []


def test_bad_check_images_shape(tmp_path):
    with pytest.raises(ExportError, match="shape"):
        export_model(_model(), SHAPE, tmp_path / "m.onnx", torch.rand(2, 3, 28, 28))
