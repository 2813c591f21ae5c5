"""torch's dynamo exporter writes global average pooling as ReduceMean over (2, 3): the compiler reads it
as GlobalAveragePool (found by the residual fuzzer: raw Brevitas exports of pooled-head nets)."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper
from qonnx.core.modelwrapper import ModelWrapper

from pcnn_hw.compile.transforms import reduce_mean_to_global_pool


def _model(axes: list[int], keepdims: int, as_input: bool) -> ModelWrapper:
    inits, inputs, attrs = [], ["x"], {"keepdims": keepdims}
    if as_input:
        inits.append(numpy_helper.from_array(np.array(axes, dtype=np.int64), "axes"))
        inputs.append("axes")
    else:
        attrs["axes"] = axes
    node = helper.make_node("ReduceMean", inputs, ["y"], name="mean", **attrs)
    out_shape = [1, 3, 1, 1] if keepdims else [1, 3]
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 4, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, out_shape)
    graph = helper.make_graph([node], "g", [x], [y], inits)
    opset = 18 if as_input else 13
    return ModelWrapper(helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)]))


@pytest.mark.parametrize("as_input", [True, False])
def test_spatial_mean_with_keepdims_becomes_global_average_pool(as_input: bool) -> None:
    model, n = reduce_mean_to_global_pool(_model([2, 3], 1, as_input))
    assert n == 1 and [x.op_type for x in model.graph.node] == ["GlobalAveragePool"]
    assert list(model.graph.node[0].input) == ["x"] and list(model.graph.node[0].output) == ["y"]


@pytest.mark.parametrize(("axes", "keepdims"), [([1], 1), ([2, 3], 0), ([3], 1)])
def test_other_means_are_left_alone(axes: list[int], keepdims: int) -> None:
    model, n = reduce_mean_to_global_pool(_model(axes, keepdims, True))
    assert n == 0 and [x.op_type for x in model.graph.node] == ["ReduceMean"]
