"""FINN/QONNX datatypes as stream element formats of the HLS kernels (bits and `pcnn::ElemKind`); the
definitions live in :mod:`pcnn_hw.core.hlsspec` (shared with the layer kinds' HLS views)."""

from __future__ import annotations

from pcnn_hw.core.hlsspec import ELEM_BIPOLAR, ELEM_SIGNED, ELEM_UNSIGNED, ElemFormat, acc_bits, elem_format
from pcnn_hw.core.streams import signed_bits

__all__ = [
    "ELEM_BIPOLAR", "ELEM_SIGNED", "ELEM_UNSIGNED", "ElemFormat", "acc_bits", "elem_format", "signed_bits",
]
