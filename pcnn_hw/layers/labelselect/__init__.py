"""Label select (FINN `LabelSelect`, `_hls`; the TopK at the end of the graph): the single definition.

Output: the indices of the K largest of `Labels` integer scores per image, largest first; ties go to
the lower index (ONNX TopK, which FINN's Python execution uses, and a stable sort agree on that).
Folding: Labels % PE == 0; cycles per frame = Labels / PE.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import ClassVar

import numpy as np

from pcnn_hw.core.bits import PackedBits
from pcnn_hw.core.datatypes import datatype_bits
from pcnn_hw.layers.base import HwLayer

OP_TYPES = ("LabelSelect", "LabelSelect_hls")


def label_bits(odt: str, labels: int) -> int:
    """Width policy of every backend: bits of an output index, those of the output datatype (default
    UINT8), at least enough for `labels` labels."""
    return max(datatype_bits(odt), math.ceil(math.log2(labels + 1)))


def topk_indices(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices (N, k) of the k largest scores along the last axis, ties to the lower index."""
    s = np.asarray(scores)
    if k == 1:
        return np.argmax(s, axis=-1)[..., None]
    return np.argsort(-s, axis=-1, kind="stable")[..., :k]


@dataclass
class LabelSelect(HwLayer):
    """One LabelSelect node."""

    FOLD_RULES: ClassVar[Mapping[str, str]] = MappingProxyType({"PE": "Labels"})  # Labels % PE == 0

    @property
    def labels(self) -> int:
        """Number of input scores."""
        return int(self.attrs["Labels"])

    def in_elems_per_beat(self, port: int = 0) -> int:
        """PE scores per beat."""
        self.check_port("in", port)
        return self.pe

    def out_elems_per_beat(self, port: int = 0) -> int:
        """One label index per beat (K beats per frame)."""
        self.check_port("out", port)
        return 1

    def execute(self, x: np.ndarray | PackedBits) -> np.ndarray:
        """Top-K indices (N, K) int64."""
        if isinstance(x, PackedBits):
            x = x.to_bits()
        xv = np.asarray(x).reshape(np.asarray(x).shape[0], -1)
        return topk_indices(xv, int(self.attrs.get("K", 1))).astype(np.int64)

    def exp_cycles(self) -> int:
        """Labels / PE."""
        return self.labels // self.pe
