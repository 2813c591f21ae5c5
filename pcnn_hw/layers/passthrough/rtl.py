"""RTL view of FIFOs and width converters: none; the stitcher makes its own (pcnn_hw/rtl/sizing.py)."""

from __future__ import annotations

from typing import Any

from pcnn_hw.core.streams import Fmt
from pcnn_hw.layers.passthrough import PassThrough


def rtl_spec(layer: PassThrough, fins: tuple[Fmt, ...], make_rom: Any = None) -> None:
    """None: the node is bypassed and its stream re-made by the stitcher."""
    return None
