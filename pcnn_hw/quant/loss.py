"""The projection loss L_P of PCNN and its gradients (PCNN.md, "Loss").

L_P = (λ/2) Σ_l Σ_j || Ĉ_j − W~_j ∘ (C + η·δĈ_j) ||², with δĈ_j = ∂L_S/∂Ĉ_j taken from the current
backward pass and treated as a constant, like Ĉ_j itself. Its gradients are then
∂L_P/∂C = λ Σ_j [W~_j∘(C + ηδĈ_j) − Ĉ_j] ∘ W~_j and ∂L_P/∂W~_j = λ [W~_j∘(C + ηδĈ_j) − Ĉ_j] ∘ (C + ηδĈ_j).
"""

from __future__ import annotations

import torch
from torch import nn

from pcnn_hw.quant.config import QuantConfig
from pcnn_hw.quant.layers import _ProjectionMixin


def projection_layers(model: nn.Module) -> list[nn.Module]:
    """Every PCNN projection layer of `model`, in module order."""
    return [m for m in model.modules() if isinstance(m, _ProjectionMixin)]


def layer_projection_loss(layer: nn.Module, lam: float, eta: float) -> torch.Tensor:
    """L_P of one layer, as a differentiable function of its C and W (Ĉ and δĈ constants).

    Needs the layer's last training forward pass and the backward pass of L_S that followed it.
    """
    binary = layer.last_binary_weight
    if binary.grad is None:
        raise RuntimeError("projection loss needs ∂L_S/∂Ĉ: call loss_s.backward() first")
    c_hat = binary.detach().unflatten(0, (layer.projections, layer.kernels))
    delta = binary.grad.detach().unflatten(0, (layer.projections, layer.kernels))
    target = layer.projection.unsqueeze(1) * (layer.weight.unsqueeze(0) + eta * delta)
    return 0.5 * lam * (c_hat - target).pow(2).sum()


def projection_loss_backward(model: nn.Module, cfg: QuantConfig) -> float:
    """After `loss_s.backward()`: add ∂L_P/∂C and ∂L_P/∂W to the gradients; return L_P's value.

    A no-op returning 0.0 for the sign baseline, for λ = 0, or when the model has no PCNN layer.
    """
    layers = projection_layers(model)
    if cfg.kind != "pcnn" or cfg.lam == 0 or not layers:
        for layer in layers:
            layer.last_binary_weight = None
        return 0.0
    total = sum(layer_projection_loss(layer, cfg.lam, cfg.eta) for layer in layers)
    total.backward()
    for layer in layers:
        layer.last_binary_weight = None
    return float(total.detach())
