"""Random but realistic batch-norm statistics for untrained models (tests, benchmarks, fixtures).

A freshly built model has BN running mean 0 / var 1, so every threshold sits exactly on an integer
popcount and float rounding decides sign(0): random-weight models then disagree between PyTorch and
integer hardware on ties that a trained model does not have. Random statistics move the thresholds off
the integers.
"""

from __future__ import annotations

import torch
from torch import nn


def randomize_batchnorm(model: nn.Module, seed: int = 0) -> nn.Module:
    """Give every BatchNorm layer of `model` random running statistics and affine terms; returns model."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for mod in model.modules():
            if isinstance(mod, nn.BatchNorm1d | nn.BatchNorm2d):
                n = mod.num_features
                mod.running_mean.copy_(torch.randn(n, generator=gen) * 2)
                mod.running_var.copy_(torch.rand(n, generator=gen) * 4 + 0.5)
                mod.weight.copy_(torch.rand(n, generator=gen) + 0.5)
                mod.bias.copy_(torch.randn(n, generator=gen) * 0.5)
    return model
