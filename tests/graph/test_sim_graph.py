"""The simulator on random graphs of forks, joins and thresholds, against a plain numpy reference.

Each graph is grown at random from a pool of live tensors (each read exactly once, as streams are):
fork one into 2-3 copies, add two, or threshold one back to 2 bits; at the end the live tensors are
summed, padded and globally pooled. The reference evaluates the same operations with numpy as the graph
is made, so it shares nothing with the layer code.
"""

from __future__ import annotations

import numpy as np
import pytest

from pcnn_hw.graph import DataflowGraph
from pcnn_hw.sim.executor import Simulator
from tests.graph.graphs import Net

C = 6
PES = (1, 2, 3, 6)


def _random_net(seed: int, n_ops: int = 12) -> tuple[Net, str, dict, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 4, size=(5, 3, 4, C))
    net = Net("x", (3, 4, C), "UINT2")
    ref = {"x": x}
    live = ["x"]
    k = 0

    def name(prefix: str) -> str:
        nonlocal k
        k += 1
        return f"{prefix}{k}"

    for _ in range(n_ops):
        op = rng.choice(["fork", "add", "thr"] if len(live) > 1 else ["fork", "thr"])
        if op == "fork":
            src = live.pop(rng.integers(len(live)))
            outs = [name("f") for _ in range(int(rng.integers(2, 4)))]
            net.dup(src, outs, pe=int(rng.choice(PES)), name=name("dup"))
            ref.update({o: ref[src] for o in outs})
            live += outs
        elif op == "add":
            i, j = rng.choice(len(live), size=2, replace=False)
            a, b = live[i], live[j]
            live = [t for t in live if t not in (a, b)]
            if int(net.dtypes[a][4:]) + 1 > 12:  # keep widths small: threshold first
                continue
            out = net.add(a, b, name("s"), pe=int(rng.choice(PES)), name=name("add"))
            ref[out] = ref[a] + ref[b]
            live.append(out)
        else:
            src = live.pop(rng.integers(len(live)))
            hi = 2 ** int(net.dtypes[src][4:]) - 1
            thr = np.sort(rng.integers(0, hi + 2, size=(C, 3)), axis=1)
            out = net.thresholds(src, name("q"), thr, "UINT2", pe=int(rng.choice(PES)), name=name("thr"))
            ref[out] = (ref[src][..., None] >= thr).sum(-1)
            live.append(out)
    while len(live) > 1:
        a, b = live.pop(), live.pop()
        out = net.add(a, b, name("s"), pe=int(rng.choice(PES)), name=name("add"))
        ref[out] = ref[a] + ref[b]
        live.append(out)
    p = net.pad(live[0], "p", p=1, simd=int(rng.choice(PES)), name="pad")
    ref[p] = np.pad(ref[live[0]], ((0, 0), (1, 1), (1, 1), (0, 0)))
    y = net.gap(p, "y", pe=int(rng.choice(PES)), name="gap")
    ref[y] = ref[p].sum(axis=(1, 2), keepdims=True)
    return net, y, ref, x


@pytest.mark.parametrize("seed", range(8))
def test_random_fork_join_graphs_match_numpy(seed):
    net, y, ref, x = _random_net(seed)
    model = net.model([y], order=list(np.random.default_rng(seed).permutation(len(net.nodes))))
    g = DataflowGraph.from_model(model)
    assert sum(len(gn.outputs) > 1 for gn in g.nodes) >= 1 and sum(len(gn.inputs) > 1 for gn in g.nodes) >= 1
    sim = Simulator(model, backend="numpy")
    assert np.array_equal(sim.run(x), ref[y])
    out, vals = sim.run(x, keep=True)
    assert np.array_equal(out, ref[y])
    for t, v in ref.items():
        assert np.array_equal(vals[t], v), t
    assert np.array_equal(Simulator(model, backend="numpy", max_batch=2).run(x), ref[y])  # sub-batches
    cap_name = g.nodes[len(g.nodes) // 2].outputs[0].name
    _, cap = sim.run(x, capture=(cap_name,))
    assert np.array_equal(cap[cap_name], ref[cap_name])


def test_fused_xnor_chain_inside_a_branch_matches_numpy():
    """fork -> (MVAU -> MVAU) + MVAU -> add: the two-MVAU branch is one fused native call."""
    from pcnn_hw.sim import native
    from pcnn_hw.sim.fusion import FusedXnorChain

    native.load(required=True)
    rng = np.random.default_rng(7)
    net = Net("x", (4, 64), "BINARY")
    a, b = net.dup("x", ["a", "b"], pe=4)
    ws = [rng.integers(0, 2, size=s) for s in ((64, 32), (32, 16), (64, 16))]
    ts = [rng.integers(0, w.shape[0] + 1, size=w.shape[1]) for w in ws]
    h = net.mvau(a, "h", ws[0], ts[0], pe=4, simd=8)
    u = net.mvau(h, "u", ws[1], ts[1], pe=2, simd=4)
    v = net.mvau(b, "v", ws[2], ts[2], pe=1, simd=16)
    y = net.add(u, v, "y", pe=4)
    model = net.model([y])
    x = rng.integers(0, 2, size=(9, 4, 64))

    def xnor_layer(inp, w, t):  # popcount of agreeing bits >= threshold
        return ((inp[..., :, None] == w).sum(-2) >= t).astype(np.int64)

    expect = xnor_layer(xnor_layer(x, ws[0], ts[0]), ws[1], ts[1]) + xnor_layer(x, ws[2], ts[2])
    nat, ref = Simulator(model, backend="native"), Simulator(model, backend="numpy")
    fused = [u for u in nat._units if isinstance(u.run, FusedXnorChain)]  # noqa: SLF001 - the fusion
    assert [[s.node.name for s in f.run.steps] for f in fused] == [["mv_h", "mv_u"]]
    assert np.array_equal(nat.run(x), expect) and np.array_equal(ref.run(x), expect)
    assert np.array_equal(nat.run(x, keep=True)[1]["h"], xnor_layer(x, ws[0], ts[0]))


def test_partition_parent_with_host_ops_runs_like_its_child(tmp_path):
    """Transpose (host) -> StreamingDataflowPartition(child with forks/joins) -> Reshape (host)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    net, y, ref, x = _random_net(11)
    onnx.save(net.model([y]), str(tmp_path / "child.onnx"))
    nodes = [helper.make_node("Transpose", ["img"], ["x_in"], name="tr", perm=[0, 2, 1, 3]),
             helper.make_node("StreamingDataflowPartition", ["x_in"], ["y_out"], name="sdp",
                              domain="finn.custom_op.fpgadataflow", model="child.onnx"),
             helper.make_node("Reshape", ["y_out", "shape"], ["res"], name="rs")]
    parent = helper.make_model(helper.make_graph(
        nodes, "parent", [helper.make_tensor_value_info("img", TensorProto.FLOAT, [1, 4, 3, C])],
        [helper.make_tensor_value_info("res", TensorProto.FLOAT, [1, C])],
        initializer=[numpy_helper.from_array(np.array([1, C], np.int64), "shape")]))
    onnx.save(parent, str(tmp_path / "parent.onnx"))
    sim = Simulator(tmp_path / "parent.onnx", backend="numpy")
    assert [n.name for n in sim.graph.host_pre] == ["tr"] and [n.name for n in sim.graph.host_post] == ["rs"]
    got = sim.run(x.transpose(0, 2, 1, 3))
    assert np.array_equal(got, ref[y].reshape(len(x), C))
