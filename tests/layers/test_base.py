"""The shared layer construction (HwLayer.from_node) and the PE/SIMD channel-fold base (ChannelFoldLayer)."""

from __future__ import annotations

import pytest
from onnx import helper

from pcnn_hw.errors import FoldingError, UnsupportedOpError
from pcnn_hw.layers import layer_from_node
from pcnn_hw.layers.base import PeChannelLayer, SimdChannelLayer

DOMAIN = "finn.custom_op.fpgadataflow"


def _node(op: str, **attrs):
    return helper.make_node(op, ["x"], ["y"], domain=DOMAIN, backend="fpgadataflow", name="n0", **attrs)


SWG = dict(IFMDim=[4, 4], OFMDim=[2, 2], ConvKernelDim=[3, 3], Stride=[1, 1], Dilation=[1, 1])
PAD = dict(ImgDim=[4, 4], Padding=[1, 1, 1, 1], NumChannels=6, inputDataType="BINARY")
SWGOP = "ConvolutionInputGenerator_rtl"
NC = r"n0: NumChannels \(6\) must be divisible by"


@pytest.mark.parametrize(
    ("op", "attrs", "match"),
    [
        ("FMPadding", dict(PAD, SIMD=4), NC + r" SIMD \(4\)"),
        (SWGOP, dict(SWG, IFMChannels=6, SIMD=4, inputDataType="BINARY"),
         r"n0: IFMChannels \(6\) must be divisible by SIMD \(4\)"),
        ("DuplicateStreams", dict(NumChannels=6, PE=4, NumOutputStreams=2, inputDataType="UINT2"),
         r"n0: NumChannels \(6\) must be divisible by PE \(4\)"),
        ("GlobalAccPool", dict(NumChannels=6, PE=4, inputDataType="UINT2", numInputVectors=[1, 2, 2]),
         r"n0: NumChannels \(6\) must be divisible by PE \(4\)"),
        ("Thresholding_hls", dict(NumChannels=6, PE=4), NC + r" PE \(4\)"),
        ("LabelSelect", dict(Labels=10, PE=4, K=1, inputDataType="INT8"),
         r"n0: Labels \(10\) must be divisible by PE \(4\)"),
    ],
)  # fmt: skip
def test_every_kind_checks_its_folding_before_reading_memories(op: str, attrs: dict, match: str) -> None:
    """A broken divisibility rule is a FoldingError naming layer, dimension and fold (before any
    initializer is read: the get_init here has none)."""
    with pytest.raises(FoldingError, match=match):
        layer_from_node(_node(op, **attrs), lambda _: None)


def test_simd_twin_streams_simd_elements() -> None:
    """FMPadding and the sliding window are SIMD channel layers: SIMD elements per beat (the parallel
    window writes KH*KW*SIMD), channels from their own attribute."""
    pad = layer_from_node(_node("FMPadding", **PAD, SIMD=3), lambda _: None)
    assert isinstance(pad, SimdChannelLayer) and not isinstance(pad, PeChannelLayer)
    assert (pad.in_elems_per_beat(), pad.out_elems_per_beat(), pad.channels) == (3, 3, 6)
    swg = layer_from_node(_node(SWGOP, **SWG, IFMChannels=8, SIMD=2), lambda _: None)
    assert (swg.in_elems_per_beat(), swg.out_elems_per_beat(), swg.channels) == (2, 2, 8)
    par = layer_from_node(_node(SWGOP, **SWG, IFMChannels=8, SIMD=2, parallel_window=1), lambda _: None)
    assert par.out_elems_per_beat() == 18
    with pytest.raises(Exception, match="no output port 1"):
        pad.out_elems_per_beat(1)


def test_unsupported_variant_is_named_before_the_folding() -> None:
    """check_supported runs before check_folding: a broadcast join or an average pool with a broken
    folding is reported as what it is (UnsupportedOpError), not as a folding error."""
    add = helper.make_node("ElementwiseAdd", ["a", "b"], ["y"], domain=DOMAIN, backend="fpgadataflow",
                           name="add0", lhs_shape=[1, 4], rhs_shape=[1, 1], out_shape=[1, 4],
                           lhs_dtype="UINT2", rhs_dtype="UINT2", out_dtype="UINT3", PE=3)  # fmt: skip
    with pytest.raises(UnsupportedOpError, match="add0.*constant or broadcast operand"):
        layer_from_node(add, lambda _: None)
    pool = _node("Pool", Channels=6, PE=4, Function="AvgPool", KernelSize=[2, 2])
    with pytest.raises(UnsupportedOpError, match="n0: Pool Function=AvgPool is not supported"):
        layer_from_node(pool, lambda _: None)
