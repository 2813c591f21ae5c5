"""Fused chains of native XNOR MVAUs against the same layers run one by one on the numpy path."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import helper

from pcnn_hw.core.bits import PackedBits
from pcnn_hw.layers import layer_from_node
from pcnn_hw.layers.mvau import unpack_output
from pcnn_hw.sim import native
from pcnn_hw.sim.executor import Step
from pcnn_hw.sim.fusion import FusedXnorChain, fuse_steps


def _mvau(name, mw, mh, noact, acc="INT32", steps=1):
    node = helper.make_node(
        "MVAU_hls", ["x", "w"] + ([] if noact else ["t"]), ["y"], name=name,
        domain="finn.custom_op.fpgadataflow.hls", MW=mw, MH=mh, PE=1, SIMD=1, binaryXnorMode=1,
        noActivation=int(noact), inputDataType="BINARY", weightDataType="BINARY",
        outputDataType="INT32" if noact else ("BINARY" if steps == 1 else "UINT2"), accDataType=acc,
        numInputVectors=[1], ActVal=0,
    )
    return node


def _layers(sizes, seed, acc="INT32", last_steps=0):
    """MVAU layers of the given widths (the last without thresholds unless last_steps), built twice:
    numpy reference and native."""
    rng = np.random.default_rng(seed)
    pairs = []
    for i, (mw, mh) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        last = i == len(sizes) - 2
        noact = last and last_steps == 0
        steps = last_steps if last and last_steps else 1
        inits = {"w": rng.integers(0, 2, (mw, mh)).astype(np.float32),
                 "t": np.sort(rng.integers(0, mw + 1, (mh, steps)), axis=1).astype(np.float32)}
        node = _mvau(f"mv{i}", mw, mh, noact, acc, steps)
        ref, nat = layer_from_node(node, inits.get), layer_from_node(node, inits.get)
        pairs.append((ref, nat))
    return pairs


def _steps(layers):
    return [Step(helper.make_node("Identity", ["a"], ["b"]), layer, f"t{i}", f"t{i + 1}", layer.execute)
            for i, layer in enumerate(layers)]


@pytest.mark.parametrize("sizes", [(100, 70, 130, 10), (64, 64, 64), (300, 17, 5)])
def test_fused_chain_equals_layer_by_layer(sizes) -> None:
    kernels = native.load(required=True)
    pairs = _layers(sizes, seed=len(sizes))
    for _, nat in pairs:
        assert nat.use_native(kernels)
    runs = fuse_steps(_steps([nat for _, nat in pairs]))
    assert len(runs) == 1 and isinstance(runs[0], FusedXnorChain)
    x = PackedBits.from_bits(np.random.default_rng(1).integers(0, 2, (7, 3, sizes[0])).astype(np.uint8))
    ref = x
    for layer, _ in pairs:
        ref = layer.execute(ref)
    np.testing.assert_array_equal(unpack_output(runs[0](x)), unpack_output(ref))


def test_layers_that_cannot_chain_stay_separate() -> None:
    """Several threshold steps (non-binary output) end a chain; a numpy-path layer is never fused."""
    kernels = native.load(required=True)
    pairs = _layers((50, 40, 30, 20), seed=3, last_steps=3)
    for _, nat in pairs[:2]:
        nat.use_native(kernels)
    runs = fuse_steps(_steps([nat for _, nat in pairs]))
    assert isinstance(runs[0], FusedXnorChain) and len(runs) == 2  # mv0+mv1 fused, mv2 (numpy) alone
    pairs[2][1].use_native(kernels)
    runs = fuse_steps(_steps([nat for _, nat in pairs]))
    assert len(runs) == 2  # mv2 thresholds into 2 bits: it cannot be a stage
    x = PackedBits.from_bits(np.random.default_rng(2).integers(0, 2, (5, 50)).astype(np.uint8))
    ref, got = x, x
    for layer, _ in pairs:
        ref = layer.execute(ref)
    for run in runs:
        got = run(got)
    np.testing.assert_array_equal(unpack_output(got), unpack_output(ref))


def test_overflow_in_a_fused_chain_is_recorded_like_layer_by_layer() -> None:
    """FINN's narrow accDataType: the fused call notices and reruns the group layer by layer."""
    kernels = native.load(required=True)
    pairs = _layers((64, 32, 8), seed=4, acc="INT6")  # INT6 holds 31 < 64 possible matches
    for _, nat in pairs:
        nat.use_native(kernels)
    runs = fuse_steps(_steps([nat for _, nat in pairs]))
    x = PackedBits.from_bits(np.random.default_rng(5).integers(0, 2, (40, 64)).astype(np.uint8))
    ref = x
    for layer, _ in pairs:
        ref = layer.execute(ref)
    np.testing.assert_array_equal(unpack_output(runs[0](x)), unpack_output(ref))
    assert pairs[0][0].overflow is not None
    for ref_layer, nat_layer in pairs:
        assert nat_layer.overflow == ref_layer.overflow
