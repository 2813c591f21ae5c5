"""Model registry: topologies, J projections end to end, bad names and shapes."""

import pytest
import torch

from pcnn_hw.errors import ConfigError, UnknownNameError
from pcnn_hw.models import MODEL_NAMES, build_model
from pcnn_hw.quant import PCNNQuantConv2d, PCNNQuantLinear, QuantConfig


def test_registry_names():
    assert set(MODEL_NAMES) == {"tfc", "sfc", "lfc", "cnv", "mini-cnv", "resnet-mini", "resnet18", "wrn22"}


@pytest.mark.parametrize("name,shape", [("tfc", (1, 28, 28)), ("sfc", (1, 28, 28)), ("mini-cnv", (1, 28, 28)),
                                        ("cnv", (3, 32, 32)), ("tfc", (1, 8, 8))])
@pytest.mark.parametrize("projections", [1, 3])
def test_forward_shapes_with_projections(name, shape, projections):
    model = build_model(name, QuantConfig(projections=projections), shape, num_classes=7)
    assert model(torch.rand(2, *shape)).shape == (2, 7)
    layers = [m for m in model.modules() if isinstance(m, PCNNQuantConv2d | PCNNQuantLinear)]
    hidden, classifier = layers[:-1], layers[-1]
    assert all(m.projection.shape[0] == projections for m in hidden)
    assert classifier.projection.shape[0] == 1 and classifier.out_features == 7
    for m in hidden:  # each hidden layer emits J·O channels
        assert m.quant_weight().value.shape[0] == projections * m.kernels


def test_cnv_topology():
    model = build_model("cnv", QuantConfig(kind="sign"), (3, 32, 32))
    convs = [m.out_channels for m in model.features if isinstance(m, torch.nn.Conv2d)]
    fcs = [m.out_features for m in model.modules() if isinstance(m, torch.nn.Linear)]
    assert convs == [64, 64, 128, 128, 256, 256] and fcs == [512, 512, 10]


def test_unknown_model_lists_known():
    with pytest.raises(UnknownNameError, match="mini-cnv"):
        build_model("resnet", QuantConfig())


def test_too_small_input():
    with pytest.raises(ConfigError, match="too small"):
        build_model("cnv", QuantConfig(), (3, 16, 16))
