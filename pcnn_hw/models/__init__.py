"""Model registry: FINN's topologies built with our quantizers, chosen by name."""

from __future__ import annotations

import math

from torch import nn

from pcnn_hw.errors import ConfigError, UnknownNameError
from pcnn_hw.models.cnn import CNN_PLANS, BinaryCNN
from pcnn_hw.models.mlp import MLP_WIDTHS, BinaryMLP
from pcnn_hw.models.random_init import randomize_batchnorm
from pcnn_hw.models.resnet import RESNET_PLANS, BinaryResNet
from pcnn_hw.quant import QuantConfig

MODEL_NAMES = tuple(sorted([*MLP_WIDTHS, *CNN_PLANS, *RESNET_PLANS]))


def build_model(name: str, cfg: QuantConfig, in_shape: tuple[int, int, int] = (1, 28, 28),
                num_classes: int = 10) -> nn.Module:
    """Build model `name` (one of MODEL_NAMES) for inputs of `in_shape` = (C, H, W)."""
    if name not in MODEL_NAMES:
        raise UnknownNameError("model", name, MODEL_NAMES)
    if len(in_shape) != 3 or min(in_shape) < 1:
        raise ConfigError(f"in_shape must be (C, H, W) with positive sizes, got {in_shape}")
    if num_classes < 2:
        raise ConfigError(f"num_classes must be >= 2, got {num_classes}")
    if name in MLP_WIDTHS:
        return BinaryMLP(math.prod(in_shape), [MLP_WIDTHS[name]] * 3, num_classes, cfg)
    if name in RESNET_PLANS:
        return BinaryResNet(name, tuple(in_shape), num_classes, cfg)
    plan, fc_widths = CNN_PLANS[name]
    return BinaryCNN(plan, fc_widths, tuple(in_shape), num_classes, cfg)


__all__ = ["MODEL_NAMES", "build_model", "randomize_batchnorm"]
