"""Binary Brevitas layers: PCNN projection layers (J projections of one kernel C) and the sign baseline.

A PCNN layer holds the full-precision kernel C (O, I, kh, kw) as its `weight` and the projection
matrices W (J, I, kh, kw) as `projection`, initialised to 1. Its quantized weight is
D = [a·sign(W~_1∘C); …; a·sign(W~_J∘C)] with J·O output channels. Only sign(W~_j∘C) and a reach the
hardware; C and W stay in training.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from brevitas.nn import QuantConv2d, QuantIdentity, QuantLinear
from torch import Tensor, nn

from pcnn_hw.quant.activation import BinaryActQuant, Uint8InputQuant
from pcnn_hw.quant.config import QuantConfig
from pcnn_hw.quant.weight import PCNNWeightQuant, SignWeightQuant


class _ProjectionMixin:
    """Adds the projection matrices W and feeds P = [W~_1∘C; …; W~_J∘C] to the weight quantizer."""

    weight: nn.Parameter
    weight_quant: nn.Module

    def _init_projection(self, projections: int) -> None:
        self.projections = projections
        self.kernels = self.weight.shape[0]
        self.projection = nn.Parameter(torch.ones(projections, *self.weight.shape[1:]))

    def projected_weight(self) -> Tensor:
        """P: the J projected kernels W~_j ∘ C concatenated along output channels, (J·O, ...)."""
        return torch.cat([w.unsqueeze(0) * self.weight for w in self.projection], dim=0)

    def quant_weight(self, quant_input=None, subtensor_slice_list=None):  # noqa: D102 (Brevitas API)
        frozen = getattr(self, "frozen_projected_weight", None)
        out = self.weight_quant(self.projected_weight() if frozen is None else frozen)
        value = getattr(out, "value", out)
        if self.training and value.requires_grad:
            value.retain_grad()  # δĈ = ∂L_S/∂Ĉ for the projection loss (loss.py)
            self.last_binary_weight = value
        return out


@contextmanager
def frozen_projections(model: nn.Module) -> Iterator[None]:
    """Within the block, every PCNN layer quantizes a constant buffer holding P = [W~_j∘C].

    Used for export: the traced graph then holds P as one initializer feeding BipolarQuant, instead of
    the Mul/Concat ops that compute it from C and W (which the hardware never needs).
    """
    layers = [m for m in model.modules() if isinstance(m, _ProjectionMixin)]
    for layer in layers:
        with torch.no_grad():
            layer.register_buffer("frozen_projected_weight", layer.projected_weight().detach().clone(),
                                  persistent=False)
    try:
        yield
    finally:
        for layer in layers:
            del layer.frozen_projected_weight


class PCNNQuantConv2d(_ProjectionMixin, QuantConv2d):
    """QuantConv2d whose J·O output channels are the J projections of O binary kernels."""

    def __init__(self, in_channels: int, kernels: int, kernel_size: int, cfg: QuantConfig, stride: int = 1):
        super().__init__(in_channels, kernels, kernel_size, stride=stride, bias=False,
                         weight_quant=PCNNWeightQuant, weight_per_channel_scale=cfg.per_channel_scale)
        self._init_projection(cfg.projections)
        self.out_channels = cfg.out_channels(kernels)


class PCNNQuantLinear(_ProjectionMixin, QuantLinear):
    """QuantLinear whose J·O outputs are the J projections of O binary weight rows."""

    def __init__(self, in_features: int, kernels: int, cfg: QuantConfig):
        super().__init__(in_features, kernels, bias=False,
                         weight_quant=PCNNWeightQuant, weight_per_channel_scale=cfg.per_channel_scale)
        self._init_projection(cfg.projections)
        self.out_features = cfg.out_channels(kernels)


def binary_conv2d(in_channels: int, kernels: int, kernel_size: int, cfg: QuantConfig,
                  stride: int = 1) -> nn.Module:
    """A binary-weight conv (no bias, no padding: pad explicitly); emits cfg.out_channels(kernels)."""
    if cfg.kind == "pcnn":
        return PCNNQuantConv2d(in_channels, kernels, kernel_size, cfg, stride=stride)
    return QuantConv2d(in_channels, kernels, kernel_size, stride=stride, bias=False,
                       weight_quant=SignWeightQuant, weight_per_channel_scale=cfg.per_channel_scale)


def binary_linear(in_features: int, kernels: int, cfg: QuantConfig) -> nn.Module:
    """A binary-weight linear layer (no bias) for `cfg`; emits cfg.out_channels(kernels) features."""
    if cfg.kind == "pcnn":
        return PCNNQuantLinear(in_features, kernels, cfg)
    return QuantLinear(in_features, kernels, bias=False,
                       weight_quant=SignWeightQuant, weight_per_channel_scale=cfg.per_channel_scale)


def binary_activation() -> nn.Module:
    """Bipolar sign activation with the clipped STE; exports as BipolarQuant."""
    return QuantIdentity(act_quant=BinaryActQuant, return_quant_tensor=False)


def input_quantizer() -> nn.Module:
    """8-bit unsigned input quantizer for images in [0, 1]: exactly pixel/255 for 8-bit pixels."""
    return QuantIdentity(act_quant=Uint8InputQuant, return_quant_tensor=False)
