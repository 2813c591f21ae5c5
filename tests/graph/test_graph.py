"""DataflowGraph on hand-made graphs with forks and joins: order, ports, stream widths, typed errors."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from pcnn_hw.errors import GraphError, UnsupportedOpError
from pcnn_hw.graph import DataflowGraph
from tests.graph.graphs import DOMAIN, Net, residual_net


def _ends(e):
    return (e.producer.name if e.producer else None, e.producer_port,
            e.consumer.name if e.consumer else None, e.consumer_port)


def test_forks_and_joins_become_ported_streams():
    net, out = residual_net()
    g = DataflowGraph.from_model(net.model([out]))
    assert [n.name for n in g.nodes] == ["dup_x", "add_s", "dup_s", "add_t", "add_u", "pad_p", "gap_y"]
    assert not g.is_chain
    by = {e.name: e for e in g.edges}
    assert [e.name for e in g.edges] == ["x", "a", "b", "c", "s", "s1", "s2", "t", "u", "p", "y"]
    assert _ends(by["x"]) == (None, 0, "dup_x", 0)
    assert _ends(by["c"]) == ("dup_x", 2, "add_t", 1)
    assert _ends(by["s2"]) == ("dup_s", 1, "add_u", 1)
    assert _ends(by["y"]) == ("gap_y", 0, None, 0)
    assert g.inputs == [by["x"]] and g.outputs == [by["y"]]
    add_t = g.node("add_t")
    assert [e.name for e in add_t.inputs] == ["s1", "c"] and [e.name for e in add_t.outputs] == ["t"]
    assert [e.name for e in g.node("dup_x").outputs] == ["a", "b", "c"]
    # per beat: dup PE=2 writes 2, add PE=4 reads 4; pad SIMD=2; gap PE=1
    assert (by["a"].producer_elems, by["a"].consumer_elems) == (2, 4)
    assert (by["u"].producer_elems, by["u"].consumer_elems) == (2, 2)
    assert (by["x"].producer_elems, by["y"].consumer_elems) == (2, 1)  # AXI ends take the node's width
    assert by["s"].dtype.name == "UINT3" and by["s"].fmt.bits == 3 and not by["s"].fmt.signed
    assert by["p"].shape == (5, 5, 4) and by["p"].elems_per_frame == 100 and by["p"].beats_per_frame == 50
    assert by["y"].shape == (1, 1, 4) and by["y"].beats_per_frame == 4


def test_order_is_topological_and_deterministic_for_any_onnx_order():
    net, out = residual_net()
    shuffled = [6, 4, 2, 0, 5, 3, 1]
    g = DataflowGraph.from_model(net.model([out], order=shuffled))
    names = [n.name for n in g.nodes]
    seen: set[str] = set()
    for gn in g.nodes:
        assert all(e.producer is None or e.producer.name in seen for e in gn.inputs)
        seen.add(gn.name)
    again = DataflowGraph.from_model(net.model([out], order=shuffled))
    assert [n.name for n in again.nodes] == names
    assert [e.name for e in again.edges] == [e.name for e in g.edges]


def test_chain_is_chain():
    net = Net()
    net.pad("x", "p")
    y = net.gap("p", "y")
    g = DataflowGraph.from_model(net.model([y]))
    assert g.is_chain and [e.name for e in g.edges] == ["x", "p", "y"]


def test_two_consumers_without_duplicatestreams_is_an_error():
    net = Net()
    net.pad("x", "p", name="pad0")
    net.gap("x", "q", name="gap0")  # x read by pad0 and gap0
    with pytest.raises(GraphError, match="tensor 'x' has 2 consumers.*pad0.*gap0.*DuplicateStreams"):
        DataflowGraph.from_model(net.model(["p", "q"]))


def test_stream_read_by_a_node_and_the_graph_output_is_an_error():
    net = Net()
    p = net.pad("x", "p")
    net.gap(p, "y")
    with pytest.raises(GraphError, match="tensor 'p' has 2 consumers"):
        DataflowGraph.from_model(net.model(["p", "y"]))


def test_cycle_is_an_error():
    net = Net()
    net.dup("x", ["a", "b"])
    net.shapes["t"], net.dtypes["t"] = (3, 3, 4), "UINT2"
    net.add("a", "t", "s")  # t is produced below from s: a cycle s -> dup -> t -> s
    net.dup("s", ["t", "y"], name="dup_loop")
    with pytest.raises(GraphError, match="cycle through nodes .*add_s.*dup_loop"):
        DataflowGraph.from_model(net.model(["y", "b"]))


def test_unknown_op_is_an_error_naming_node_and_op():
    net = Net()
    net.node("Sigmoid", ["x"], ["y"], name="act_7")
    with pytest.raises(GraphError, match="node 'act_7': op 'Sigmoid'.*supported: .*ElementwiseAdd") as info:
        DataflowGraph.from_model(net.model(["y"]))
    assert isinstance(info.value, UnsupportedOpError)  # older callers catch UnsupportedOpError


def test_unread_output_and_missing_input_are_errors():
    net = Net()
    net.dup("x", ["a", "b"])
    with pytest.raises(GraphError, match="tensor 'b' .*output 1 of node 'dup_x'.* never read"):
        DataflowGraph.from_model(net.model(["a"]))
    net = Net()
    net.shapes["ghost"], net.dtypes["ghost"] = (3, 3, 4), "UINT2"
    net.add("x", "ghost", "y")
    model = net.model(["y"])
    with pytest.raises(GraphError, match="node 'add_y': input tensor 'ghost'"):
        DataflowGraph.from_model(model)


def test_host_ops_before_and_after_the_accelerator():
    net = Net("x0", (3, 3, 4))
    net.node("Transpose", ["x0"], ["x"], name="tr", perm=[0, 1, 2, 3])
    net.pad("x", "p")
    y = net.gap("p", "g")
    net.node("Flatten", [y], ["y"], name="fl", axis=1)
    g = DataflowGraph.from_model(net.model(["y"]))
    assert [n.name for n in g.host_pre] == ["tr"] and [n.name for n in g.host_post] == ["fl"]
    assert [n.name for n in g.nodes] == ["pad_p", "gap_g"]
    assert [e.name for e in g.inputs] == ["x"] and [e.name for e in g.outputs] == ["g"]


def test_host_op_between_accelerator_nodes_is_an_error():
    net = Net()
    net.pad("x", "p")
    net.node("Transpose", ["p"], ["pt"], name="tr_mid", perm=[0, 1, 2, 3])
    y = net.gap("pt", "y")
    with pytest.raises(GraphError, match="host op 'tr_mid' stands between accelerator nodes.*gap_y"):
        DataflowGraph.from_model(net.model([y]))


def test_partition_is_followed_into_its_child(tmp_path):
    net, out = residual_net()
    onnx.save(net.model([out]), str(tmp_path / "child.onnx"))
    sdp = helper.make_node("StreamingDataflowPartition", ["inp"], ["res"], name="sdp0", model="child.onnx",
                           domain="finn.custom_op.fpgadataflow")
    parent = helper.make_model(helper.make_graph(
        [sdp], "parent", [helper.make_tensor_value_info("inp", TensorProto.FLOAT, [1, 3, 3, 4])],
        [helper.make_tensor_value_info("res", TensorProto.FLOAT, [1, 1, 1, 4])]))
    onnx.save(parent, str(tmp_path / "parent.onnx"))
    g = DataflowGraph.from_model(tmp_path / "parent.onnx")  # relative child path: next to the parent
    assert len(g.nodes) == 7 and g.inputs[0].name == "inp" and g.outputs[0].name == "res"
    assert g.inputs[0].dtype.name == "UINT2" and g.outputs[0].shape == (1, 1, 4)
    assert g.node("dup_x").inputs[0] is g.inputs[0]


def test_node_lookup_and_ports_are_checked():
    net, out = residual_net()
    g = DataflowGraph.from_model(net.model([out]))
    with pytest.raises(GraphError, match="no accelerator node 'nope'"):
        g.node("nope")
    with pytest.raises(GraphError, match="no input port 2"):
        g.node("add_s").layer.in_elems_per_beat(2)
    with pytest.raises(GraphError, match="no output port 3"):
        g.node("dup_x").layer.out_elems_per_beat(3)
    assert g.node("dup_x").layer.out_elems_per_beat(2) == 2


def test_memory_images_override_initializers():
    net = Net("x", (2, 2, 4), "UINT2")
    thr = np.array([[1], [2], [3], [0]], np.float32)
    y = net.thresholds("x", "y", thr, "BINARY", pe=2)
    model = net.model([y])
    g = DataflowGraph.from_model(model)
    assert np.array_equal(g.nodes[0].layer.thresholds, thr)
    mem = {"thr_y": {"thresholds": np.array([[[3], [3]], [[3], [3]]], np.float32)}}  # (PE, TMEM, steps)
    g2 = DataflowGraph.from_model(model, memory=mem)
    assert np.array_equal(g2.nodes[0].layer.thresholds, np.full((4, 1), 3))
    assert [e.name for e in g2.edges] == ["x", "y"]  # the threshold initializer is no stream
    assert g2.nodes[0].node.domain == DOMAIN + ".hls"
