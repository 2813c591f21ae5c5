"""Activation quantizers: bipolar sign with clipped STE, and the 8-bit image input quantizer."""

from __future__ import annotations

from brevitas.core.scaling import ScalingImplType
from brevitas.quant.base import UintQuant
from brevitas.quant.binary import SignedBinaryActPerTensorConst
from brevitas.quant.solver import ActQuantSolver


class BinaryActQuant(SignedBinaryActPerTensorConst):
    """y = sign(x) ∈ {-1, +1}; backward 1{|x| <= 1} (clamp to [-1, 1], then identity STE).

    Brevitas' own constant-scale binary activation with scale 1; exports as BipolarQuant.
    """

    scaling_const = 1.0
    min_val = -1.0
    max_val = 1.0


class Uint8InputQuant(UintQuant, ActQuantSolver):
    """Unsigned 8-bit input quantizer with the constant scale 1/255.

    Images come in as floats in [0, 1] (pixel / 255), so an 8-bit pixel passes through exactly and the
    hardware sees the raw uint8 pixel.
    """

    bit_width = 8
    scaling_impl_type = ScalingImplType.CONST
    scaling_const = 1.0
    max_val = 1.0
    restrict_scaling_type = "fp"
