"""Brevitas weight quantizers: the PCNN projection quantizer and the sign baseline.

Both are declarative Brevitas injectors around one tensor-quant module, `BinaryProjectionQuant`,
which binarises its input with DBPP and scales it by a = mean|C| of the layer's full-precision kernel C
(per layer, or per output channel). For PCNN the layer feeds the quantizer P = [W~_1∘C; …; W~_J∘C]
(see layers.py); for the baseline it feeds C itself. Both export to QONNX as BipolarQuant(P, a).
"""

from __future__ import annotations

import torch
from brevitas.inject import ExtendedInjector
from brevitas.proxy import WeightQuantProxyFromInjector
from torch import Tensor, nn

from pcnn_hw.quant.functions import dbpp_binarize


class MeanAbsScaling(nn.Module):
    """a = mean|C| over the tracked kernel C (per layer, or per output channel), no gradient.

    With J projections the per-channel scale is repeated J times along the output axis, matching the
    concatenation order of the projected kernels.
    """

    def __init__(self, tracked_parameter_list: list[nn.Parameter], per_channel_scale: bool = False):
        super().__init__()
        self.tracked_parameter_list = tracked_parameter_list
        self.per_channel_scale = per_channel_scale

    def forward(self, x: Tensor) -> Tensor:
        """Scale for a quantizer input x whose first axis is a multiple of C's output channels."""
        kernel = self.tracked_parameter_list[0].detach()
        if not self.per_channel_scale:
            return kernel.abs().mean()
        per_channel = kernel.abs().flatten(1).mean(dim=1)
        repeats = x.shape[0] // kernel.shape[0]
        return per_channel.repeat(repeats).view(-1, *([1] * (x.dim() - 1)))


class BinaryProjectionQuant(nn.Module):
    """Tensor quant: (a·sign(x) with DBPP gradient, a, zero point 0, bit width 1)."""

    def __init__(self, scaling_impl: nn.Module):
        super().__init__()
        self.scaling_impl = scaling_impl
        self.register_buffer("zero_point", torch.tensor(0.0), persistent=False)
        self.register_buffer("bit_width", torch.tensor(1.0), persistent=False)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """Quantize x; returns Brevitas' (value, scale, zero_point, bit_width) tuple."""
        scale = self.scaling_impl(x)
        return dbpp_binarize(x, scale), scale, self.zero_point, self.bit_width


class SignWeightQuant(ExtendedInjector):
    """Baseline: Ĉ = a·sign(C), a = mean|C|, clipped STE; no projection, no L_P."""

    proxy_class = WeightQuantProxyFromInjector
    tensor_quant = BinaryProjectionQuant
    scaling_impl = MeanAbsScaling
    per_channel_scale = False
    signed = True
    narrow_range = False


class PCNNWeightQuant(SignWeightQuant):
    """PCNN projection quantizer: Ĉ_j = a·sign(W~_j ∘ C); the layer supplies W~_j ∘ C (layers.py)."""
