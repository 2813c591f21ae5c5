"""ScoreNorm: the scalar affine after the last binary layer, kept strictly positive.

y = (x − μ) · exp(t) / sqrt(σ² + ε) with running scalar statistics (like Brevitas' TensorNorm) and a
learned log-temperature t. A positive scalar scale and a shared offset never change the argmax, so the
hardware can label-select directly on the last layer's integer popcounts (FINN absorbs the affine into
TopK); TensorNorm's learned weight could turn negative and flip the ranking.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


class ScoreNorm(nn.Module):
    """Scalar normalisation of the class scores with a positive learned temperature."""

    def __init__(self, eps: float = 1e-4, momentum: float = 0.1):
        super().__init__()
        self.eps = eps
        self.momentum = momentum
        self.log_temperature = nn.Parameter(torch.zeros(1))
        self.register_buffer("running_mean", torch.zeros(1))
        self.register_buffer("running_var", torch.ones(1))

    def forward(self, x: Tensor) -> Tensor:
        """Normalise scores x (N, classes)."""
        if self.training:
            mean, var = x.mean(), x.var(unbiased=False)
            with torch.no_grad():
                self.running_mean.mul_(1 - self.momentum).add_(self.momentum * mean)
                self.running_var.mul_(1 - self.momentum).add_(self.momentum * x.var(unbiased=True))
        else:
            mean, var = self.running_mean, self.running_var
        return (x - mean) * (self.log_temperature.exp() / torch.sqrt(var + self.eps))
