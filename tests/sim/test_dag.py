"""The simulator on hand-made graphs with forks and joins, against a plain numpy reference."""

from __future__ import annotations

import numpy as np
from onnx import TensorProto, helper

from pcnn_hw.sim.executor import Simulator

DOMAIN = "finn.custom_op.fpgadataflow"
SHAPE = [1, 3, 3, 4]


def _dup(inp: str, outs: list[str], dtype: str):
    return helper.make_node("DuplicateStreams_hls", [inp], outs, domain=DOMAIN + ".hls", name=f"dup_{inp}",
                            NumChannels=4, PE=2, NumOutputStreams=len(outs), inputDataType=dtype,
                            numInputVectors=SHAPE[:3])


def _add(a: str, b: str, out: str, da: str, db: str, do: str):
    return helper.make_node("ElementwiseAdd_hls", [a, b], [out], domain=DOMAIN + ".hls", name=f"add_{out}",
                            lhs_shape=SHAPE, rhs_shape=SHAPE, out_shape=SHAPE, lhs_dtype=da, rhs_dtype=db,
                            out_dtype=do, lhs_style="input", rhs_style="input", PE=4)


def _graph():
    """x → fork(a, b, c); s = a + b → fork(s1, s2); t = s1 + c; u = t + s2 → pad 1 → global sum."""
    nodes = [
        _dup("x", ["a", "b", "c"], "UINT2"),
        _add("a", "b", "s", "UINT2", "UINT2", "UINT3"),
        _dup("s", ["s1", "s2"], "UINT3"),
        _add("s1", "c", "t", "UINT3", "UINT2", "UINT4"),
        _add("t", "s2", "u", "UINT4", "UINT3", "UINT5"),
        helper.make_node("FMPadding_rtl", ["u"], ["p"], domain=DOMAIN + ".rtl", name="pad", ImgDim=[3, 3],
                         Padding=[1, 1, 1, 1], NumChannels=4, SIMD=2, inputDataType="UINT5"),
        helper.make_node("GlobalAccPool_hls", ["p"], ["y"], domain=DOMAIN + ".hls", name="gap",
                         NumChannels=4, PE=1, inputDataType="UINT5", numInputVectors=[1, 5, 5]),
    ]
    graph = helper.make_graph(nodes, "dag", [helper.make_tensor_value_info("x", TensorProto.FLOAT, SHAPE)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1, 1, 4])])
    return helper.make_model(graph)


def test_forks_and_joins_match_numpy():
    sim = Simulator(_graph(), backend="numpy")
    x = np.random.default_rng(0).integers(0, 4, size=(6, 3, 3, 4))
    s = x + x
    u = (s + x) + s  # 5x
    expect = np.pad(u, ((0, 0), (1, 1), (1, 1), (0, 0))).sum(axis=(1, 2), keepdims=True)
    assert np.array_equal(sim.run(x), expect)
    out, vals = sim.run(x, keep=True)
    assert np.array_equal(out, expect)
    assert np.array_equal(vals["s2"], 2 * x) and np.array_equal(vals["t"], 3 * x)
    cycles = sim.exp_cycles()
    assert cycles["dup_x"] == 9 * 4 // 2 and cycles["gap"] == 25 * 4 + 4 and cycles["pad"] == 4 // 2 * 25
