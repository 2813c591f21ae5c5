"""Folding rules of the residual kinds (FMPadding, DuplicateStreams, ElementwiseAdd, GlobalAccPool)."""

from __future__ import annotations

import pytest

from pcnn_hw.compile import finn_compat, folding
from pcnn_hw.errors import FoldingError


def _model(op: str, attrs: dict, shape=(1, 4, 4, 12)):
    from onnx import TensorProto, helper
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.util.basic import qonnx_make_model

    inputs = ["a", "b"] if op == "ElementwiseAdd" else ["a"]
    node = helper.make_node(op, inputs, ["y"], name=f"{op}_0", domain="finn.custom_op.fpgadataflow",
                            backend="fpgadataflow", **attrs)
    vis = [helper.make_tensor_value_info(n, TensorProto.FLOAT, list(shape)) for n in inputs]
    out = helper.make_tensor_value_info("y", TensorProto.FLOAT, list(shape))
    graph = helper.make_graph([node], "g", vis, [out])
    return ModelWrapper(qonnx_make_model(graph))


CASES = [
    ("FMPadding", {"ImgDim": [4, 4], "Padding": [1, 1, 1, 1], "NumChannels": 12, "inputDataType": "BINARY",
                   "numInputVectors": 1}, "SIMD", "NumChannels"),
    ("DuplicateStreams", {"NumChannels": 12, "PE": 1, "inputDataType": "BINARY", "numInputVectors": [1, 4, 4],
                          "NumOutputStreams": 2}, "PE", "NumChannels"),
    ("GlobalAccPool", {"NumChannels": 12, "PE": 1, "inputDataType": "BINARY", "numInputVectors": [1, 4, 4]},
     "PE", "NumChannels"),
    ("ElementwiseAdd", {"lhs_shape": [1, 4, 4, 12], "rhs_shape": [1, 4, 4, 12], "out_shape": [1, 4, 4, 12],
                        "lhs_dtype": "UINT2", "rhs_dtype": "BINARY", "out_dtype": "UINT3"}, "PE", "channels"),
]


@pytest.mark.parametrize("op,attrs,attr,dim", CASES, ids=[c[0] for c in CASES])
def test_residual_kinds_fold_and_check(op, attrs, attr, dim, tmp_path):
    finn_compat.prepare_finn(tmp_path / "finn")
    from qonnx.custom_op.registry import getCustomOp

    model = _model(op, attrs)
    node = model.graph.node[0]
    assert folding.fold_rules(node) == {attr: (dim, 12)}
    inst = getCustomOp(node)
    inst.set_nodeattr(attr, 4)
    folding.check_folding(model)  # 4 divides 12
    cycles = {}
    for f in (1, 3, 12):
        inst.set_nodeattr(attr, f)
        cycles[f] = inst.get_exp_cycles()
    assert cycles[1] > cycles[3] > cycles[12]  # folding really speeds the layer up
    inst.set_nodeattr(attr, 5)
    with pytest.raises(FoldingError, match=rf"{op}_0.*{dim} % {attr}"):
        folding.check_folding(model)
    settings = folding._candidate_settings(folding.Unit([node]))
    assert sorted(s[node.name][attr] for s in settings) == [1, 2, 3, 4, 6, 12]
