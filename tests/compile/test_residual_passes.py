"""residual.py's graph passes on hand-made graphs (fast): the forked stem of a first-block projection.

The graph is what a residual net whose first block has a projection shortcut looks like after FINN+'s
streamlining: the stem's MatMul → bipolar MultiThreshold, forked into two thresholds (block input and
shortcut). FINN's ExtractMultiThresholdScaleBias then leaves the stem threshold declared BIPOLAR while
it emits bits, and FINN+'s MVAU conversion refused it (fuzzer seeds 0, 2–6, 8, 10).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

IN, OUT = 4, 3


def _forked_stem() -> object:
    """x (1, 4) UINT2 → MatMul(W bipolar) → MT(BIPOLAR, 2·b − 1) → {MT_a, MT_b} (BINARY) → two outputs."""
    from onnx import TensorProto, helper
    from qonnx.core.datatype import DataType
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.util.basic import qonnx_make_model

    rng = np.random.default_rng(3)
    vi = helper.make_tensor_value_info
    nodes = [
        helper.make_node("MatMul", ["x", "w"], ["acc"]),
        helper.make_node("MultiThreshold", ["acc", "t0"], ["s"], domain="qonnx.custom_op.general",
                         out_dtype="BIPOLAR", out_scale=2.0, out_bias=-1.0),
        helper.make_node("MultiThreshold", ["s", "ta"], ["ya"], domain="qonnx.custom_op.general",
                         out_dtype="BINARY"),
        helper.make_node("MultiThreshold", ["s", "tb"], ["yb"], domain="qonnx.custom_op.general",
                         out_dtype="BINARY"),
    ]
    graph = helper.make_graph(nodes, "forked_stem", [vi("x", TensorProto.FLOAT, [1, IN])],
                              [vi("ya", TensorProto.FLOAT, [1, OUT]), vi("yb", TensorProto.FLOAT, [1, OUT])])
    model = ModelWrapper(qonnx_make_model(graph))
    model.set_tensor_datatype("x", DataType["UINT2"])
    model.set_initializer("w", rng.choice([-1.0, 1.0], size=(IN, OUT)).astype(np.float32))
    model.set_tensor_datatype("w", DataType["BIPOLAR"])
    model.set_initializer("t0", np.array([[0.5], [-1.5], [2.5]], dtype=np.float32))
    model.set_initializer("ta", np.array([[0.0], [0.0], [0.0]], dtype=np.float32))  # identity on ±1
    model.set_initializer("tb", np.array([[2.0], [0.0], [-2.0]], dtype=np.float32))  # off, identity, on
    from qonnx.transformation.infer_datatypes import InferDataTypes
    from qonnx.transformation.infer_shapes import InferShapes

    return model.transform(InferShapes()).transform(InferDataTypes())


def _outputs(model: object) -> np.ndarray:
    """Both outputs for every input of the UINT2 grid (4^4 vectors), by qonnx's execution."""
    from qonnx.core.onnx_exec import execute_onnx

    inp, outs = model.graph.input[0].name, [o.name for o in model.graph.output]  # names change
    rows = []
    for x in itertools.product(range(4), repeat=IN):
        out = execute_onnx(model, {inp: np.array([x], dtype=np.float32)})
        rows.append(np.concatenate([out[o].reshape(-1) for o in outs]))
    return np.array(rows)


def _streamline_tail(model: object, retype: bool) -> object:
    """The part of residual.streamline that meets the forked stem: extract, [retype], absorb the affine."""
    from finn.transformation.streamline.extract_multithreshold_scale_bias import (
        ExtractMultiThresholdScaleBias,
    )

    from pcnn_hw.compile import residual

    model = model.transform(ExtractMultiThresholdScaleBias())
    if retype:
        model = model.transform(residual.RetypeUnscaledBipolarThresholds())
    return model.transform(residual.residual_streamline())


@pytest.fixture(scope="module")
def finn_ready(tmp_path_factory):
    from pcnn_hw.compile import finn_compat

    finn_compat.prepare_finn(tmp_path_factory.mktemp("finn"))


def test_unscaled_bipolar_stem_becomes_binary_mvau_and_keeps_the_function(finn_ready):
    from finn.transformation.fpgadataflow.convert_to_hw.quantized_matrix_vector_activation import (
        InferQuantizedMatrixVectorActivation,
    )
    from qonnx.custom_op.registry import getCustomOp

    model = _forked_stem()
    want = _outputs(model)
    assert set(np.unique(want)) == {0.0, 1.0}  # both branches vary: the test sees a wrong threshold
    model = _streamline_tail(model, retype=True)
    stem = model.find_consumer(model.get_nodes_by_op_type("MatMul")[0].output[0])
    assert getCustomOp(stem).get_nodeattr("out_dtype") == "BINARY"
    assert (getCustomOp(stem).get_nodeattr("out_scale"), getCustomOp(stem).get_nodeattr("out_bias")) == (1, 0)
    assert not model.get_nodes_by_op_type("Mul") and not model.get_nodes_by_op_type("Add")  # absorbed
    np.testing.assert_array_equal(_outputs(model), want)
    hw = model.transform(InferQuantizedMatrixVectorActivation())
    (mvau,) = [n for n in hw.graph.node if n.op_type.startswith("MVAU")]
    assert getCustomOp(mvau).get_nodeattr("outputDataType") == "BINARY"
    assert getCustomOp(mvau).get_nodeattr("ActVal") == 0


def test_without_the_retype_finn_refuses_the_stem(finn_ready):
    """The bug itself (documents why the pass exists; fails once FINN+ fixes its extraction)."""
    from finn.transformation.fpgadataflow.convert_to_hw.quantized_matrix_vector_activation import (
        InferQuantizedMatrixVectorActivation,
    )

    model = _streamline_tail(_forked_stem(), retype=False)
    with pytest.raises(Exception, match="Signed output requires actval < 0"):
        model.transform(InferQuantizedMatrixVectorActivation())


def test_retype_leaves_scaled_bipolar_and_other_thresholds_alone():
    from qonnx.custom_op.registry import getCustomOp

    from pcnn_hw.compile import residual

    model = _forked_stem()
    model, changed = residual.RetypeUnscaledBipolarThresholds().apply(model)
    assert not changed
    assert [getCustomOp(n).get_nodeattr("out_dtype") for n in model.graph.node[1:]] == [
        "BIPOLAR", "BINARY", "BINARY"]
