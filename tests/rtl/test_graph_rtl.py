"""Stitching and simulating a graph with a fork and a join (issue #11): a residual block
input -> DuplicateStreams -> [FMPadding -> 3x3 SWG -> XNOR MVAU] + skip -> AddStreams -> output, against the
layer objects' execution. A skip FIFO too shallow for the long branch's fill really deadlocks in Verilator
and the error names that FIFO and its edge; FIFO sizing from simulation makes the same graph run bit-exact.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers import make_layer, mvau
from onnx import helper

from pcnn_hw.errors import UnsupportedOpError
from pcnn_hw.layers import layer_from_node
from pcnn_hw.rtl.edges import Edge
from pcnn_hw.rtl.monitor import DeadlockError
from pcnn_hw.rtl.sizing import size_depths
from pcnn_hw.rtl.spec import Fmt, rtl_layer
from pcnn_hw.rtl.stitch import stitch_graph
from pcnn_hw.rtl.verilate import build_model, run_model
from pcnn_hw.sim.executor import to_plain

H, C = 6, 4


def block(seed: int):
    """The residual block's layer objects (random PE/SIMD) and their edges."""
    rng = np.random.default_rng(seed)
    pe = int(rng.choice([1, 2, 4]))
    simd = int(rng.choice([1, 2, 4]))
    dup = make_layer("DuplicateStreams_hls", name="dup", NumChannels=C, PE=pe, NumOutputStreams=2,
                     inputDataType="BINARY", numInputVectors=[1, H, H])
    pad = make_layer("FMPadding_hls", name="pad", ImgDim=[H, H], Padding=[1, 1, 1, 1], NumChannels=C,
                     SIMD=simd, inputDataType="BINARY")
    swg = make_layer("ConvolutionInputGenerator_rtl", name="swg", ConvKernelDim=[3, 3], IFMChannels=C,
                     IFMDim=[H + 2, H + 2], OFMDim=[H, H], SIMD=simd, Stride=[1, 1], Dilation=[1, 1],
                     depthwise=0, parallel_window=0, inputDataType="BINARY", outputDataType="BINARY")
    mv = mvau(rng, 9 * C, C, int(rng.choice([1, 2, 4])), int(rng.choice([1, 3, 4, 9])), nvec=H * H,
              name="mv")
    shape = [1, H, H, C]
    node = helper.make_node("ElementwiseAdd_hls", ["conv", "skip"], ["y"], name="add",
                            domain="finn.custom_op.fpgadataflow.hls", lhs_shape=shape, rhs_shape=shape,
                            out_shape=shape, PE=pe, lhs_dtype="BINARY", rhs_dtype="BINARY", out_dtype="UINT2")
    add = layer_from_node(node, lambda n: None)
    layers = [dup, pad, swg, mv, add]
    n = H * H * C
    edges = [
        Edge("x", None, 0, 0, 0, n),
        Edge("long_in", 0, 0, 1, 0, n),
        Edge("skip", 0, 1, 4, 1, n),
        Edge("padded", 1, 0, 2, 0, (H + 2) ** 2 * C),
        Edge("windows", 2, 0, 3, 0, H * H * 9 * C),
        Edge("conv", 3, 0, 4, 0, n),
        Edge("y", 4, 0, None, 0, n),
    ]
    return layers, edges


def rtl_of(layers):
    b = Fmt(1, False)
    return [rtl_layer(layers[0], b), rtl_layer(layers[1], b), rtl_layer(layers[2], b),
            rtl_layer(layers[3], b), rtl_layer(layers[4], (b, b))]


def reference(layers, x):
    dup, pad, swg, mv, add = layers
    a, skip = dup.execute(x)
    return to_plain(add.execute(mv.execute(swg.execute(pad.execute(a))), skip)).reshape(x.shape[0], -1)


@pytest.fixture(scope="module")
def residual(rtl_work):
    layers, edges = block(seed=2)
    x = np.random.default_rng(5).integers(0, 2, size=(4, H, H, C))
    return layers, rtl_of(layers), edges, x, reference(layers, x), rtl_work / "graph"


def test_design_json_lists_streams_with_ports(residual):
    layers, rl, edges, x, ref, work = residual
    d = stitch_graph(rl, edges)
    man = json.loads(d.files["design.json"])
    fifos = {e["fifo"]: e for e in man["edges"]}
    assert fifos["fifo_2"]["label"] == "dup:1 -> add:1 (tensor skip)"
    streams = {s["name"]: s for s in man["streams"]}
    add = next(i for i in man["instances"] if i["name"] == "add")
    assert len(add["inputs"]) == 2
    # the join's port 1 is fed by the skip FIFO, whose input is the fork's port 1
    s1 = streams[add["inputs"][1]]
    assert s1["producer"] == {"instance": "fifo_2", "port": 0}
    assert s1["consumer"] == {"instance": "add", "port": 1}
    skip_in = next(i for i in man["instances"] if i["name"] == "fifo_2")["inputs"][0]
    assert streams[skip_in]["producer"] == {"instance": "dup", "port": 1}
    top = d.files["top.v"]
    assert ".out1_tdata(" in top and ".in1_tdata(" in top and "pcnn_addstreams" in top
    assert stitch_graph(rl, edges).files == d.files  # deterministic


def test_stream_with_two_consumers_is_rejected(residual):
    layers, rl, edges, *_ = residual
    bad = [*edges[:2], Edge("skip", 0, 0, 4, 1, edges[2].elems_per_frame), *edges[3:]]
    with pytest.raises(UnsupportedOpError, match="dup"):
        stitch_graph(rl, bad)


@pytest.mark.slow  # one Verilator build
def test_shallow_skip_fifo_deadlocks_with_its_name(residual):
    layers, rl, edges, x, ref, work = residual
    d = stitch_graph(rl, edges, [2] * len(edges))
    exe = build_model(d, work / "shallow" / "rtl", work / "shallow")
    with pytest.raises(DeadlockError) as info:
        run_model(exe, d, work / "shallow" / "rtl", x.reshape(4, -1), stall_window=500)
    err = info.value
    assert err.fifo == "fifo_2" and err.edge == "dup:1 -> add:1 (tensor skip)"
    assert err.occupancy == err.depth == 2
    assert "add waits on FIFO fifo_5" in str(err)  # the long branch's FIFO in front of the join is empty


@pytest.mark.slow  # three Verilator builds (deep, check, sized)
def test_sized_fifos_run_bit_exact(residual):
    layers, rl, edges, x, ref, work = residual
    depths, info = size_depths(rl, edges, x.reshape(4, -1), work / "sizing")
    assert depths[2] > 2  # deeper than the deadlocking skip FIFO: it holds the long branch's fill
    d = stitch_graph(rl, edges, depths)
    exe = build_model(d, work / "sized" / "rtl", work / "sized")
    res = run_model(exe, d, work / "sized" / "rtl", x.reshape(4, -1), backpressure=0.3, seed=1)
    np.testing.assert_array_equal(res.outputs, ref)
    free = run_model(exe, d, work / "sized" / "rtl", x.reshape(4, -1))
    np.testing.assert_array_equal(free.outputs, ref)
    assert free.cycles_per_frame <= 1.01 * info["deep_cycles_per_frame"]  # sizing keeps the deep period
    assert all(m <= dep for m, dep in zip(free.fifo_max, depths, strict=True))
