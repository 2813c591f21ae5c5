"""The HLS top over dataflow graphs with forks and joins: stream planning on hand-made graphs (fast)
and resnet-mini through the generated top, g++ C-sim and `pcnn-hw verify` (slow: the build takes
minutes), bit for bit against the bit-exact simulator."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import helper

from pcnn_hw.errors import UnsupportedOpError
from pcnn_hw.hls.dag import GNode, plan_dataflow
from pcnn_hw.hls.dtypes import elem_format
from pcnn_hw.layers import layer_from_node

DOM = "finn.custom_op.fpgadataflow.hls"


def _dup(pe: int) -> GNode:
    node = helper.make_node("DuplicateStreams_hls", ["x"], ["a", "b"], name="dup", domain=DOM, NumChannels=4,
                            PE=pe, NumOutputStreams=2, inputDataType="UINT2", numInputVectors=[1, 2, 2])
    return GNode("dup", layer_from_node(node, lambda n: None), ["x"], ["a", "b"])


def _add(lhs: str, rhs: str, pe: int) -> GNode:
    shape = [1, 2, 2, 4]
    node = helper.make_node("ElementwiseAdd_hls", [lhs, rhs], ["y"], name="add", domain=DOM, lhs_shape=shape,
                            rhs_shape=shape, out_shape=shape, PE=pe, lhs_dtype="UINT2", rhs_dtype="UINT2",
                            out_dtype="UINT3")
    return GNode("add", layer_from_node(node, lambda n: None), [lhs, rhs], ["y"])


def test_fork_join_streams_and_width_converters():
    """Fork PE=2 into a join PE=1: a width converter on each branch, one stream per edge, ports right."""
    kernels, streams = plan_dataflow([_dup(2), _add("a", "b", 1)], "x", "y", elem_format("UINT2"))
    assert [k.op for k in kernels] == ["DuplicateStreams_hls", "StreamWidthConverter", "StreamWidthConverter",
                                       "ElementwiseAdd_hls"]
    ends = {(s.src, s.dst) for s in streams}
    assert ends == {(None, (0, 0)), ((0, 0), (1, 0)), ((1, 0), (3, 0)), ((0, 1), (2, 0)), ((2, 0), (3, 1)),
                    ((3, 0), None)}
    assert kernels[-1].out.fmt.bits == 3 and kernels[-1].more_inputs[0].elems == 1
    join_inputs = [s for s in streams if s.dst is not None and s.dst[0] == 3]
    assert all(s.depth == s.port.words == 16 for s in join_inputs)  # a whole frame on each join input


def test_tensor_read_twice_is_named():
    """A tensor with two readers and no DuplicateStreams: typed error naming the tensor."""
    with pytest.raises(UnsupportedOpError, match=r"tensor a is read by add, add"):
        plan_dataflow([_dup(2), _add("a", "a", 2)], "x", "y", elem_format("UINT2"))


def test_dangling_stream_is_named():
    """A fork output nobody reads would block the fork in hardware: typed error naming the tensor."""
    dup = _dup(2)
    with pytest.raises(UnsupportedOpError, match=r"tensor b is written but never read"):
        plan_dataflow([dup], "x", "a", elem_format("UINT2"))


@pytest.mark.slow
def test_resnet_mini_csim_bit_exact(model_builds, tc, cache_dir):
    """resnet-mini: forks, joins, -1 padding and the global pool in the top; every layer's stream and
    the outputs equal the simulator's on random images."""
    from pcnn_hw.hls.csim import CSim

    build = model_builds("resnet-mini-gap")  # the GAP head: GlobalAccPool in the top too
    cs = CSim(build, cache_dir=cache_dir, progress=None)
    assert cs.warnings.strip() == "", cs.warnings
    ops = {k.op.removesuffix("_hls").removesuffix("_rtl") for k in cs.design.kernels}
    assert {"DuplicateStreams", "ElementwiseAdd", "FMPadding", "GlobalAccPool", "MVAU"} <= ops
    top = (cs.design.out_dir / "top.cpp").read_text()
    assert top.count("pcnn_top") == 1 and "DuplicateStreams" in top
    fmt = cs.design.inp.fmt
    x = np.random.default_rng(4).integers(fmt.lo, fmt.hi + 1, size=[12] + cs.input_shape[1:])
    y, taps = cs.run_taps(x)
    ref, vals = cs.sim.run(x, keep=True)
    assert np.array_equal(y, ref)
    hw = [s for s in cs.sim.steps if not s.node.op_type.startswith("LabelSelect")]
    for s in hw:
        assert np.array_equal(taps[s.node.name], np.asarray(vals[s.out]).reshape(len(x), -1)), s.node.name
    scores = taps[hw[-1].node.name]
    assert len({tuple(r) for r in scores}) > 4, "the images give different class scores"


@pytest.mark.slow
def test_resnet_mini_verify_csim_level(model_builds, tc, tmp_path, monkeypatch, capsys):
    """`pcnn-hw verify` on resnet-mini runs the C-sim level and agrees 100 % with the levels above."""
    from pcnn_hw.cli import main

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    build = model_builds("resnet-mini")
    rc = main(["verify", str(build.parent / "resnet-mini.onnx"), str(build), "--data", "mnist5k",
               "--limit", "20"])
    out = capsys.readouterr().out
    assert rc == 0, out
    row = next(ln for ln in out.splitlines() if ln.lstrip().startswith("C-sim (g++)"))
    assert "100.00 %" in row, out
