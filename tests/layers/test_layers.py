"""Each layer definition against a plain numpy reference on random data and random foldings."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from onnx import helper

from pcnn_hw.core.bits import PackedBits, pack_bits, unpack_bits
from pcnn_hw.errors import FoldingError, QuantizationError, UnsupportedOpError
from pcnn_hw.layers import layer_from_node
from pcnn_hw.layers.labelselect import topk_indices
from pcnn_hw.layers.mvau import (
    reference_mvau,
    threshold_memory,
    thresholds_from_memory,
    unpack_output,
    weight_memory,
    weights_from_memory,
)
from pcnn_hw.layers.swg import im2col_nhwc


def _divisor(draw, n: int) -> int:
    return draw(st.sampled_from([d for d in range(1, n + 1) if n % d == 0]))


def _mvau_node(mw, mh, pe, simd, xnor, noact, idt="BINARY", wdt="BINARY", odt="BINARY", nvec=(1,)):
    inputs = ["x", "w"] + ([] if noact else ["t"])
    return helper.make_node(
        "MVAU_hls",
        inputs,
        ["y"],
        name="mvau0",
        domain="finn.custom_op.fpgadataflow.hls",
        MW=mw,
        MH=mh,
        PE=pe,
        SIMD=simd,
        binaryXnorMode=int(xnor),
        noActivation=int(noact),
        inputDataType=idt,
        weightDataType=wdt,
        outputDataType=odt,
        numInputVectors=list(nvec),
        ActVal=0,
    )


@st.composite
def mvau_case(draw):
    mw = draw(st.integers(1, 200))
    mh = draw(st.integers(1, 40))
    return mw, mh, _divisor(draw, mw), _divisor(draw, mh), draw(st.integers(0, 2**31)), draw(st.booleans())


@settings(max_examples=40, deadline=None)
@given(mvau_case())
def test_xnor_mvau_matches_reference(case) -> None:
    mw, mh, simd, pe, seed, noact = case
    rng = np.random.default_rng(seed)
    w = rng.integers(0, 2, (mw, mh)).astype(np.float32)
    thr = rng.integers(0, mw + 2, (mh, 1)).astype(np.float32)
    x = rng.integers(0, 2, (5, 3, mw)).astype(np.uint8)
    inits = {"w": w, "t": thr}
    layer = layer_from_node(
        _mvau_node(mw, mh, pe, simd, True, noact, odt="INT32" if noact else "BINARY"), inits.get
    )
    y = unpack_output(layer.execute(PackedBits.from_bits(x)))
    ref = reference_mvau(x.reshape(-1, mw), w, None if noact else thr, xnor=True).reshape(5, 3, mh)
    np.testing.assert_array_equal(y, ref)
    assert layer.exp_cycles() == (mh // pe) * (mw // simd)


@settings(max_examples=30, deadline=None)
@given(mvau_case())
def test_int_input_mvau_matches_reference(case) -> None:
    mw, mh, simd, pe, seed, noact = case
    rng = np.random.default_rng(seed)
    w = rng.choice([-1.0, 1.0], (mw, mh)).astype(np.float32)
    x = rng.integers(-128, 128, (4, mw))
    thr = np.sort(rng.integers(-300, 300, (mh, 3)), axis=1).astype(np.float32)
    node = _mvau_node(
        mw, mh, pe, simd, False, noact, idt="INT8", wdt="INT2", odt="INT32" if noact else "UINT2"
    )
    layer = layer_from_node(node, {"w": w, "t": thr}.get)
    y = unpack_output(layer.execute(x))
    ref = reference_mvau(x, w, None if noact else thr, xnor=False)
    np.testing.assert_array_equal(y, ref)


def test_mvau_bipolar_weights_int_input() -> None:
    rng = np.random.default_rng(0)
    w = rng.choice([-1.0, 1.0], (27, 8)).astype(np.float32)
    x = rng.integers(0, 256, (6, 27))
    thr = rng.normal(0, 50, (8, 1)).astype(np.float32)
    node = _mvau_node(27, 8, 2, 9, False, False, idt="UINT8", wdt="BIPOLAR", odt="BINARY")
    layer = layer_from_node(node, {"w": w, "t": thr}.get)
    np.testing.assert_array_equal(unpack_output(layer.execute(x)), (x @ w >= thr[:, 0]).astype(int))


@settings(max_examples=40, deadline=None)
@given(mvau_case())
def test_memory_layout_matches_finn_rule_and_roundtrips(case) -> None:
    mw, mh, simd, pe, seed, _ = case
    rng = np.random.default_rng(seed)
    w = rng.integers(0, 2, (mw, mh))
    mem = weight_memory(w, pe, simd)
    assert mem.shape == (pe, mw * mh // (pe * simd), simd)
    sf = mw // simd
    # spot-check the documented address rule
    r, c = int(rng.integers(mh)), int(rng.integers(mw))
    p, nf, sfi, s = r % pe, r // pe, c // simd, c % simd
    assert mem[p, nf * sf + sfi, simd - 1 - s] == w[c, r]
    np.testing.assert_array_equal(weights_from_memory(mem, mw, mh), w)
    t = rng.integers(0, 100, (mh, 2))
    np.testing.assert_array_equal(thresholds_from_memory(threshold_memory(t, mh, pe)), t)


def test_memory_layout_equals_finn() -> None:
    """Our layout functions equal FINN's get_hw_compatible_* on the same node."""
    pytest.importorskip("finn")
    from qonnx.custom_op.registry import getCustomOp

    from pcnn_hw.compile.finn_compat import prepare_finn

    del prepare_finn  # importing finn custom ops needs no workaround
    rng = np.random.default_rng(3)
    for mw, mh, simd, pe in [(12, 8, 4, 2), (576, 64, 36, 32), (10, 6, 5, 3)]:
        node = _mvau_node(mw, mh, pe, simd, True, False)
        node.domain = "finn.custom_op.fpgadataflow"
        node.op_type = "MVAU"
        inst = getCustomOp(node)
        w = rng.integers(0, 2, (mw, mh)).astype(np.float32)
        t = rng.integers(0, mw, (mh, 1)).astype(np.float32)
        np.testing.assert_array_equal(weight_memory(w, pe, simd), inst.get_hw_compatible_weight_tensor(w)[0])
        np.testing.assert_array_equal(
            threshold_memory(t, mh, pe), inst.get_hw_compatible_threshold_tensor(t)[0]
        )


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 200), st.integers(1, 6), st.integers(0, 2**31))
def test_pack_roundtrip(c: int, segs: int, seed: int) -> None:
    bits = np.random.default_rng(seed).integers(0, 2, (3, segs * c)).astype(np.uint8)
    p = PackedBits.from_bits(bits, seg_bits=c)
    np.testing.assert_array_equal(p.to_bits(), bits)
    np.testing.assert_array_equal(unpack_bits(pack_bits(bits), bits.shape[-1]), bits)


@st.composite
def swg_case(draw):
    k = draw(st.integers(1, 3))
    s = draw(st.integers(1, 2))
    h = draw(st.integers(k, 7))
    c = draw(st.sampled_from([1, 3, 8, 64, 70]))
    return k, s, h, c, _divisor(draw, c), draw(st.integers(0, 2**31))


@settings(max_examples=30, deadline=None)
@given(swg_case())
def test_swg_packed_and_int_match_reference(case) -> None:
    k, s, h, c, simd, seed = case
    rng = np.random.default_rng(seed)
    node = helper.make_node(
        "ConvolutionInputGenerator_rtl",
        ["x"],
        ["y"],
        name="swg0",
        ConvKernelDim=[k, k],
        IFMChannels=c,
        IFMDim=[h, h],
        OFMDim=[(h - k) // s + 1] * 2,
        SIMD=simd,
        Stride=[s, s],
        Dilation=[1, 1],
    )
    layer = layer_from_node(node, {}.get)
    xb = rng.integers(0, 2, (2, h, h, c)).astype(np.uint8)
    ref = im2col_nhwc(xb, (k, k), (s, s), (1, 1))
    # reference written out with loops
    oh = (h - k) // s + 1
    for i in range(oh):
        for j in range(oh):
            np.testing.assert_array_equal(
                ref[:, i, j], xb[:, i * s : i * s + k, j * s : j * s + k].reshape(2, -1)
            )
    np.testing.assert_array_equal(unpack_output(layer.execute(PackedBits.from_bits(xb))), ref)
    np.testing.assert_array_equal(layer.execute(xb.astype(np.int64)), ref)
    assert layer.exp_cycles() > 0


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 4), st.sampled_from([1, 2, 5, 64, 65]), st.integers(0, 2**31))
def test_pool_or_matches_max(hw: int, c: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    node = helper.make_node(
        "Pool_hls",
        ["x"],
        ["y"],
        name="pool0",
        Channels=c,
        PE=1,
        KernelSize=[2, 2],
        OutImgDims=[hw, hw],
        Function="MaxPool",
        InputDataType="BINARY",
    )
    layer = layer_from_node(node, {}.get)
    xb = rng.integers(0, 2, (2, 2 * hw, 2 * hw, c)).astype(np.uint8)
    win = im2col_nhwc(xb, (2, 2), (2, 2), (1, 1))
    ref = xb.reshape(2, hw, 2, hw, 2, c).max(axis=(2, 4))
    packed_win = PackedBits(PackedBits.from_bits(win, seg_bits=c).words, c, 4)
    np.testing.assert_array_equal(unpack_output(layer.execute(packed_win)), ref)
    np.testing.assert_array_equal(layer.execute(win), ref)


def test_thresholding_and_labelselect() -> None:
    rng = np.random.default_rng(1)
    thr = np.sort(rng.random((3, 255)), axis=1).astype(np.float32)
    node = helper.make_node(
        "Thresholding_rtl",
        ["x", "t"],
        ["y"],
        name="thr0",
        NumChannels=3,
        PE=3,
        numSteps=255,
        ActVal=-128,
        outputDataType="INT8",
        numInputVectors=[1, 4, 4],
    )
    layer = layer_from_node(node, {"t": thr}.get)
    x = rng.random((2, 4, 4, 3)).astype(np.float32)
    ref = (x[..., None] >= thr).sum(-1) - 128
    np.testing.assert_array_equal(layer.execute(x), ref)
    assert layer.exp_cycles() == 16
    scores = np.array([[1, 5, 5, 2], [0, 0, 0, 0]])
    np.testing.assert_array_equal(topk_indices(scores, 1)[:, 0], [1, 0])
    np.testing.assert_array_equal(topk_indices(scores, 2), [[1, 2], [0, 1]])


def test_error_paths() -> None:
    with pytest.raises(FoldingError, match="mvau0.*MW \\(12\\).*SIMD \\(5\\)"):
        layer_from_node(_mvau_node(12, 8, 2, 5, True, True), {"w": np.zeros((12, 8))}.get)
    with pytest.raises(FoldingError, match="MH \\(8\\).*PE \\(3\\)"):
        layer_from_node(_mvau_node(12, 8, 3, 4, True, True), {"w": np.zeros((12, 8))}.get)
    with pytest.raises(QuantizationError, match="mvau0"):
        layer_from_node(_mvau_node(4, 2, 1, 1, True, True), {"w": np.full((4, 2), 0.5)}.get)
    bad = helper.make_node("Sigmoid", ["x"], ["y"], name="sig0")
    with pytest.raises(UnsupportedOpError, match="sig0.*Sigmoid.*MVAU"):
        layer_from_node(bad, {}.get)


def test_accumulator_overflow_is_recorded() -> None:
    """FINN sizes the XNOR accumulator as the range of x.w (x in {0,1}, w in {-1,+1}); the popcount can
    exceed it. The layer records such values."""
    mw = 8
    w = np.ones((mw, 1), np.float32)  # all +1: FINN's range [0, 8] -> UINT4; use a too-narrow INT4
    node = _mvau_node(mw, 1, 1, 1, True, True, odt="INT4")
    node.attribute.extend([helper.make_attribute("accDataType", "INT4")])
    layer = layer_from_node(node, {"w": w}.get)
    layer.execute(PackedBits.from_bits(np.ones((2, mw), np.uint8)))  # P = 8 > INT4 max 7
    assert layer.overflow is not None and layer.overflow["max"] == 8 and layer.overflow["values"] == 2
    ok = layer_from_node(_mvau_node(mw, 1, 1, 1, True, True, odt="INT4"), {"w": w}.get)
    ok.attrs["accDataType"] = "UINT4"
    ok.execute(PackedBits.from_bits(np.ones((2, mw), np.uint8)))
    assert ok.overflow is None


@pytest.mark.parametrize("m,h,nw", [(5, 3, 1), (9000, 13, 4), (8192, 9, 2)])
def test_xnor_popcount_both_layouts(m: int, h: int, nw: int) -> None:
    """Both kernels (row-chunk broadcast and transposed) equal the unpacked popcount."""
    from pcnn_hw.core.bits import xnor_popcount_matmul

    rng = np.random.default_rng(m)
    x = rng.integers(0, 2**63, size=(m, nw), dtype=np.uint64)
    w = rng.integers(0, 2**63, size=(h, nw), dtype=np.uint64)
    xb = unpack_bits(x, 64 * nw).astype(np.int32)
    wb = unpack_bits(w, 64 * nw).astype(np.int32)
    ref = xb @ wb.T + (1 - xb) @ (1 - wb).T
    np.testing.assert_array_equal(xnor_popcount_matmul(x, w, 64 * nw), ref)
