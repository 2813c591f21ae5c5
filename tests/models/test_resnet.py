"""Binary ResNets: shapes with J projections, −1 same-padding, the residual stream's value set."""

import pytest
import torch

from pcnn_hw.errors import ConfigError
from pcnn_hw.models import build_model, randomize_batchnorm
from pcnn_hw.models.resnet import BinaryBasicBlock
from pcnn_hw.quant import PCNNQuantConv2d, QuantConfig


@pytest.mark.parametrize("projections", [1, 2])
def test_resnet_mini_shapes_and_projections(projections):
    model = build_model("resnet-mini", QuantConfig(projections=projections), (1, 28, 28), num_classes=7)
    assert model(torch.rand(3, 1, 28, 28)).shape == (3, 7)
    convs = [m for m in model.modules() if isinstance(m, PCNNQuantConv2d)]
    assert len(convs) == 1 + 3 * 2 + 1  # stem, two per block, one projection
    assert all(m.quant_weight().value.shape[0] == projections * m.kernels for m in convs)
    strides = [m.stride[0] for m in convs]
    assert strides.count(2) == 2  # the stride-2 block's first conv and its 1x1 projection


def test_conv_inputs_are_padded_with_minus_one():
    model = randomize_batchnorm(build_model("resnet-mini", QuantConfig(kind="sign"), (1, 28, 28))).eval()
    seen = []
    block = model.blocks[0]
    block.conv1.register_forward_hook(lambda mod, inp, out: seen.append(inp[0]))
    model(torch.rand(2, 1, 28, 28))
    x = seen[0]
    assert x.shape[-1] == 26 + 2
    border = torch.cat([x[..., 0, :].flatten(), x[..., -1, :].flatten(), x[..., :, 0].flatten()])
    assert torch.all(border == -1)
    assert set(x.unique().tolist()) == {-1.0, 1.0}


def test_residual_stream_is_a_sum_of_bipolar_terms():
    torch.manual_seed(0)
    model = randomize_batchnorm(build_model("resnet-mini", QuantConfig(), (1, 28, 28))).eval()
    outs = []
    for blk in model.blocks:
        blk.register_forward_hook(lambda mod, inp, out: outs.append(out))
    model(torch.rand(4, 1, 28, 28))
    # stem + block 1 = 2 terms; block 2 projects (restart: 2 terms); block 3 adds one more: 3 terms
    assert set(outs[0].unique().tolist()) <= {-2.0, 0.0, 2.0}
    assert set(outs[1].unique().tolist()) <= {-2.0, 0.0, 2.0}
    assert set(outs[2].unique().tolist()) <= {-3.0, -1.0, 1.0, 3.0}


def test_projection_only_where_shape_changes():
    cfg = QuantConfig()
    assert BinaryBasicBlock(16, 16, 1, cfg).projection is None
    assert BinaryBasicBlock(16, 32, 1, cfg).projection is not None
    assert BinaryBasicBlock(16, 16, 2, cfg).projection is not None


@pytest.mark.parametrize("name,blocks,widths",
                         [("resnet18", 8, [64, 128, 256, 512]), ("wrn22", 9, [64, 128, 256])])
def test_paper_topologies(name, blocks, widths):
    model = build_model(name, QuantConfig(), (3, 32, 32))
    assert len(model.blocks) == blocks
    assert sorted({b.conv2.out_channels for b in model.blocks}) == widths
    convs = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    assert 1 + 2 * blocks + sum(b.projection is not None for b in model.blocks) == len(convs)


def test_resnet_too_small_input():
    with pytest.raises(ConfigError, match="too small"):
        build_model("resnet-mini", QuantConfig(), (1, 2, 2))


def test_heads_flat_and_gap():
    from pcnn_hw.models.resnet import BinaryResNet

    flat = build_model("resnet-mini", QuantConfig(), (1, 28, 28))
    assert flat.head == "flat" and flat.classifier.in_features == 32 * 13 * 13  # 28 -> 26 -> 13
    gap = BinaryResNet("resnet-mini", (1, 28, 20), 10, QuantConfig(), head="gap")
    assert gap.classifier.in_features == 32 and gap(torch.rand(2, 1, 28, 20)).shape == (2, 10)
    assert BinaryResNet("resnet-mini", (1, 28, 20), 10, QuantConfig()).classifier.in_features == 32 * 13 * 9
    assert build_model("wrn22", QuantConfig(), (3, 32, 32)).head == "gap"
    with pytest.raises(ConfigError, match="head"):
        BinaryResNet("resnet-mini", (1, 28, 28), 10, QuantConfig(), head="max")
