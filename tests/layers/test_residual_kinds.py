"""The residual layer kinds against FINN+'s own execution (execute_node) on random shapes and foldings."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from onnx import TensorProto, helper

from pcnn_hw.core.bits import PackedBits
from pcnn_hw.errors import FoldingError, UnsupportedOpError
from pcnn_hw.layers import AddStreams, DuplicateStreams, FMPadding, GlobalAccPool, layer_from_node

DOMAIN = "finn.custom_op.fpgadataflow"


def _divisor(draw, n: int) -> int:
    return draw(st.sampled_from([d for d in range(1, n + 1) if n % d == 0]))


@pytest.fixture(scope="module", autouse=True)
def _finn(tmp_path_factory):
    """FINN+ imported with our workarounds, its scratch space in a test temp dir."""
    from pcnn_hw.compile.finn_compat import prepare_finn

    prepare_finn(tmp_path_factory.mktemp("finn"))


def _finn_exec(node, inputs: dict[str, np.ndarray], out_shapes: dict[str, tuple]) -> dict[str, np.ndarray]:
    """Run one generic FINN HW node with FINN's Python execution (its execute_node)."""
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.custom_op.registry import getCustomOp

    vi = [helper.make_tensor_value_info(k, TensorProto.FLOAT, v.shape) for k, v in inputs.items()]
    vo = [helper.make_tensor_value_info(k, TensorProto.FLOAT, s) for k, s in out_shapes.items()]
    model = ModelWrapper(helper.make_model(helper.make_graph([node], "g", vi, vo)))
    ctx = {k: v.astype(np.float32) for k, v in inputs.items()}
    ctx.update({k: np.zeros(s, np.float32) for k, s in out_shapes.items()})
    getCustomOp(model.graph.node[0]).execute_node(ctx, model.graph)
    return ctx


def _image(draw, dtype: str):
    h, w = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    c = draw(st.sampled_from([1, 2, 3, 4, 6, 8, 12]))
    hi = {"BINARY": 1, "UINT2": 3, "UINT3": 7}[dtype]
    seed = draw(st.integers(0, 2**16))
    return np.random.default_rng(seed).integers(0, hi + 1, size=(1, h, w, c))


@settings(max_examples=10, deadline=None)
@given(st.data(), st.sampled_from(["BINARY", "UINT2"]))
def test_fmpadding_matches_finn(data, dtype):
    x = _image(data.draw, dtype)
    _, h, w, c = x.shape
    pad = [data.draw(st.integers(0, 2)) for _ in range(4)]
    simd = _divisor(data.draw, c)
    node = helper.make_node("FMPadding", ["x"], ["y"], domain=DOMAIN, backend="fpgadataflow", name="pad0",
                            ImgDim=[h, w], Padding=pad, NumChannels=c, SIMD=simd, inputDataType=dtype)
    oshape = (1, h + pad[0] + pad[2], w + pad[1] + pad[3], c)
    ref = _finn_exec(node, {"x": x}, {"y": oshape})["y"]
    layer = layer_from_node(node, lambda _: None)
    assert isinstance(layer, FMPadding) and layer.out_dims() == oshape[1:3]
    got = layer.execute(PackedBits.from_bits(x) if dtype == "BINARY" else x)
    got = got.to_bits() if isinstance(got, PackedBits) else got
    assert np.array_equal(got, ref)
    assert layer.exp_cycles() == c // simd * oshape[1] * oshape[2]


@settings(max_examples=8, deadline=None)
@given(st.data(), st.integers(2, 3))
def test_duplicatestreams_matches_finn(data, n_out):
    x = _image(data.draw, "UINT2")
    _, h, w, c = x.shape
    pe = _divisor(data.draw, c)
    outs = [f"y{i}" for i in range(n_out)]
    node = helper.make_node("DuplicateStreams", ["x"], outs, domain=DOMAIN, backend="fpgadataflow",
                            name="dup0", NumChannels=c, PE=pe, NumOutputStreams=n_out,
                            inputDataType="UINT2", numInputVectors=[1, h, w])
    ref = _finn_exec(node, {"x": x}, dict.fromkeys(outs, x.shape))
    layer = layer_from_node(node, lambda _: None)
    assert isinstance(layer, DuplicateStreams)
    got = layer.execute(x)
    assert len(got) == n_out and all(np.array_equal(g, ref[o]) for g, o in zip(got, outs, strict=True))
    assert layer.exp_cycles() == h * w * c // pe


def _add_node(shape, pe, lhs="UINT2", rhs="BINARY", out="UINT3"):
    return helper.make_node("ElementwiseAdd", ["a", "b"], ["y"], domain=DOMAIN, backend="fpgadataflow",
                            name="add0", lhs_shape=list(shape), rhs_shape=list(shape), out_shape=list(shape),
                            lhs_dtype=lhs, rhs_dtype=rhs, out_dtype=out, lhs_style="input",
                            rhs_style="input", PE=pe)


@settings(max_examples=10, deadline=None)
@given(st.data())
def test_addstreams_matches_finn(data):
    a = _image(data.draw, "UINT2")
    b = np.random.default_rng(data.draw(st.integers(0, 99))).integers(0, 2, size=a.shape)
    pe = _divisor(data.draw, a.shape[-1])
    node = _add_node(a.shape, pe)
    ref = _finn_exec(node, {"a": a, "b": b}, {"y": a.shape})["y"]
    layer = layer_from_node(node, lambda _: None)
    assert isinstance(layer, AddStreams)
    assert np.array_equal(layer.execute(a, PackedBits.from_bits(b)), ref)
    assert layer.exp_cycles() == int(np.prod(a.shape[:-1])) * a.shape[-1] // pe


def test_addstreams_rejects_narrow_output_and_bad_folding():
    with pytest.raises(UnsupportedOpError, match="add0.*UINT2"):
        layer_from_node(_add_node((1, 2, 2, 4), 1, out="UINT2"), lambda _: None)
    with pytest.raises(FoldingError, match="add0"):
        layer_from_node(_add_node((1, 2, 2, 4), 3), lambda _: None)


@settings(max_examples=10, deadline=None)
@given(st.data(), st.sampled_from(["BINARY", "UINT3"]))
def test_globalaccpool_matches_finn(data, dtype):
    x = _image(data.draw, dtype)
    _, h, w, c = x.shape
    pe = _divisor(data.draw, c)
    node = helper.make_node("GlobalAccPool", ["x"], ["y"], domain=DOMAIN, backend="fpgadataflow",
                            name="gap0", NumChannels=c, PE=pe, inputDataType=dtype, numInputVectors=[1, h, w])
    ref = _finn_exec(node, {"x": x}, {"y": (1, 1, 1, c)})["y"]
    layer = layer_from_node(node, lambda _: None)
    assert isinstance(layer, GlobalAccPool)
    got = layer.execute(PackedBits.from_bits(x) if dtype == "BINARY" else x)
    assert np.array_equal(got, ref)
    assert layer.exp_cycles() == h * w * c // pe + c // pe
