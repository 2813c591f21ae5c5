"""From a folded dataflow graph to HLS kernel calls (`Kernel`s) with typed stream ports.

Each hardware layer of the graph (the `pcnn_hw.layers` objects the bit-exact simulator builds, with
the compiler's memory images) becomes one kernel of ``hls/include/pcnn``: `plan_kernel` finds the
kind's ``hls`` backend (``pcnn_hw/layers/<kind>/hls.py``) through :mod:`pcnn_hw.layers.registry`.
FIFOs and the graph's own width converters are dropped, and a width converter is inserted wherever a
producer's word (elements per word) differs from what its consumer reads (:mod:`pcnn_hw.hls.dag`).
Element order on every stream is the logical tensor order (channels last), except between a depthwise
sliding window and its max-pool (channel-fold-major), which must therefore have SIMD == PE.

The plain data (`Port`, `CArray`, `Kernel`) lives in :mod:`pcnn_hw.core.hlsspec`, shared with the kinds;
the ``plan_*`` functions of the kinds are re-exported here for the kernel testbenches.
"""

from __future__ import annotations

from pcnn_hw.core.hlsspec import CArray, ElemFormat, Kernel, Port, c_ident, targs
from pcnn_hw.errors import FoldingError, UnsupportedOpError
from pcnn_hw.layers import HwLayer
from pcnn_hw.layers.labelselect.hls import plan_label_select
from pcnn_hw.layers.mvau.hls import plan_mvau
from pcnn_hw.layers.pool.hls import plan_pool
from pcnn_hw.layers.registry import find_backend
from pcnn_hw.layers.swg.hls import plan_swg
from pcnn_hw.layers.thresholding.hls import plan_thresholding

__all__ = [
    "CArray",
    "Kernel",
    "Port",
    "c_ident",
    "plan_kernel",
    "plan_label_select",
    "plan_mvau",
    "plan_pool",
    "plan_swg",
    "plan_thresholding",
    "width_converter",
]


def plan_kernel(
    layer: HwLayer, name: str, fins: tuple[ElemFormat, ...], prev: Kernel | None = None,
    pool_pe: int | None = None,
) -> Kernel:
    """The kernel of `layer` (C name `name`) given its input formats in port order; `prev`: the kernel of
    its input-0 producer, `pool_pe`: the PE of the max-pool a depthwise window feeds (or None)."""
    plan = find_backend(layer.op_type, "hls")
    if plan is None:
        raise UnsupportedOpError(f"layer {layer.name}: op {layer.op_type} has no HLS kernel")
    return plan(layer, name, tuple(fins), prev=prev, pool_pe=pool_pe)


def width_converter(name: str, src: Port, dst_elems: int) -> Kernel:
    """A stream_width_convert kernel between `src` and words of `dst_elems` elements."""
    total = src.elems * src.words
    if total % dst_elems:
        raise FoldingError(f"{name}: {total} elements per frame do not fill words of {dst_elems} elements")
    out = Port(dst_elems, src.fmt, total // dst_elems)
    call = f"pcnn::stream_width_convert<{targs(src.width, out.width, src.words)}>(in, out);"
    doc = f"width converter {src.elems} -> {dst_elems} elements of {src.fmt.bits} bits"
    return Kernel(name, name, "StreamWidthConverter", doc, src, out, call)
