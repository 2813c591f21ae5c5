"""Autograd functions for the discrete steps: DBPP sign (weights) and clipped-STE sign (activations).

Both binarise with sign(0) = +1, as Brevitas' binary quantizers and QONNX BipolarQuant do.
"""

from __future__ import annotations

import torch
from torch import Tensor


def bipolar_sign(x: Tensor) -> Tensor:
    """sign with sign(0) = +1, values in {-1, +1}, same dtype as x."""
    return torch.where(x >= 0, torch.ones_like(x), -torch.ones_like(x))


class _ClippedSignSTE(torch.autograd.Function):
    """sign(x) forward; backward passes the gradient where -1 <= x <= 1 (DBPP / clipped STE)."""

    @staticmethod
    def forward(ctx, x: Tensor) -> Tensor:  # noqa: D102
        ctx.save_for_backward(x)
        return bipolar_sign(x)

    @staticmethod
    def backward(ctx, grad: Tensor) -> Tensor:  # noqa: D102
        (x,) = ctx.saved_tensors
        return grad * (x.abs() <= 1).to(grad.dtype)


def clipped_sign_ste(x: Tensor) -> Tensor:
    """sign(x) with gradient 1{-1 <= x <= 1}.

    For weights this is DBPP: with x = W~_j ∘ C and the scale a treated as a constant, the gradient that
    reaches C and W~_j is ∂L/∂Ĉ_j ∘ 1{-1 <= W~_j∘C <= 1} ∘ W~_j (resp. ∘ C), exactly PCNN.md's formulas.
    """
    return _ClippedSignSTE.apply(x)


class _DBPPBinarize(torch.autograd.Function):
    """Ĉ = a·sign(P) forward; backward ∂L/∂P = ∂L/∂Ĉ ∘ 1{-1 <= P <= 1}, a treated as a constant."""

    @staticmethod
    def forward(ctx, projected: Tensor, scale: Tensor) -> Tensor:  # noqa: D102
        ctx.save_for_backward(projected)
        return bipolar_sign(projected) * scale

    @staticmethod
    def backward(ctx, grad: Tensor) -> tuple[Tensor, None]:  # noqa: D102
        (projected,) = ctx.saved_tensors
        return grad * (projected.abs() <= 1).to(grad.dtype), None


def dbpp_binarize(projected: Tensor, scale: Tensor) -> Tensor:
    """PCNN's discrete back propagation via projection (PCNN.md, "DBPP").

    Forward: Ĉ = a·sign(P) with P = W~_j ∘ C. Backward: the gradient of Ĉ passes to P where -1 <= P <= 1,
    unscaled by a, so that ∂L/∂C = Σ_j ∂L/∂Ĉ_j ∘ 1{-1 <= W~_j∘C <= 1} ∘ W~_j and
    ∂L/∂W~_j = ∂L/∂Ĉ_j ∘ 1{...} ∘ C, the paper's formulas.
    """
    return _DBPPBinarize.apply(projected, scale.detach())
