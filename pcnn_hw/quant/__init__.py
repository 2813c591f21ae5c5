"""PCNN projection quantizers (Gu et al., AAAI 2019) and the sign baseline, as Brevitas quantizers.

See ../shared/PCNN.md for the equations: binary kernels Ĉ_j = a·sign(W~_j ∘ C), J projections
concatenated along output channels, DBPP gradients, and the projection loss L_P.
"""

from pcnn_hw.quant.config import QUANT_KINDS, QuantConfig
from pcnn_hw.quant.layers import (
    PCNNQuantConv2d,
    PCNNQuantLinear,
    binary_activation,
    binary_conv2d,
    binary_linear,
    input_quantizer,
)
from pcnn_hw.quant.loss import projection_layers, projection_loss_backward

__all__ = [
    "QUANT_KINDS",
    "PCNNQuantConv2d",
    "PCNNQuantLinear",
    "QuantConfig",
    "binary_activation",
    "binary_conv2d",
    "binary_linear",
    "input_quantizer",
    "projection_layers",
    "projection_loss_backward",
]
