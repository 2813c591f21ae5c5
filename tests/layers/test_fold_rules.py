"""Each kind's divisibility rules are stated once, by its layer class (`HwLayer.fold_dims`): the layer's
own check (`check_folding`), the compile stage's check (`compile.folding.check_folding`) and its candidate
generator (`compile.folding._candidate_settings`) all accept exactly the same values, on random shapes;
a kind's ``fold.py`` holds no copy of them, and changing the rule in the layer class reaches all three."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from onnx import TensorProto, helper

from pcnn_hw.errors import FoldingError
from pcnn_hw.layers.base import node_attrs
from pcnn_hw.layers.fold import DivisorRules
from pcnn_hw.layers.registry import KINDS

DOMAIN = "finn.custom_op.fpgadataflow"
DIM = st.integers(1, 36)


def _swg(c: int) -> dict:
    return dict(IFMChannels=c, IFMDim=[4, 4], OFMDim=[2, 2], ConvKernelDim=[3, 3], Stride=[1, 1],
                Dilation=[1, 1], inputDataType="BINARY", outputDataType="BINARY")  # fmt: skip


def _add(c: int) -> dict:
    shape = [1, 2, 2, c]
    return dict(lhs_shape=shape, rhs_shape=shape, out_shape=shape, lhs_dtype="UINT2", rhs_dtype="BINARY",
                out_dtype="UINT3")  # fmt: skip


# kind -> (generic op type, node attributes from random dimensions); every kind with a "fold" backend
SHAPES = {
    "mvau": ("MVAU", st.builds(lambda mw, mh: dict(MW=mw, MH=mh, PE=1, SIMD=1, inputDataType="BINARY",
                                                   weightDataType="BINARY", outputDataType="BINARY",
                                                   binaryXnorMode=1, noActivation=1), DIM, DIM)),
    "thresholding": ("Thresholding", st.builds(lambda c: dict(NumChannels=c, inputDataType="INT8",
                                                              outputDataType="BINARY"), DIM)),
    "swg": ("ConvolutionInputGenerator", st.builds(_swg, DIM)),
    "pool": ("Pool", st.builds(lambda c: dict(Channels=c, KernelSize=[2, 2], ImgDim=[4, 4], OutImgDim=[2, 2],
                                              Function="MaxPool", InputDataType="BINARY"), DIM)),
    "labelselect": ("LabelSelect", st.builds(lambda n: dict(Labels=n, K=1, inputDataType="INT8"), DIM)),
    "fmpadding": ("FMPadding", st.builds(lambda c: dict(NumChannels=c, ImgDim=[2, 2], Padding=[1, 1, 1, 1],
                                                        inputDataType="BINARY"), DIM)),
    "duplicate": ("DuplicateStreams", st.builds(lambda c: dict(NumChannels=c, NumOutputStreams=2,
                                                               inputDataType="BINARY",
                                                               numInputVectors=[1, 2, 2]), DIM)),
    "globalpool": ("GlobalAccPool", st.builds(lambda c: dict(NumChannels=c, inputDataType="BINARY",
                                                             numInputVectors=[1, 2, 2]), DIM)),
    "addstreams": ("ElementwiseAdd", st.builds(_add, DIM)),
}  # fmt: skip
FOLDED = [k for k in KINDS if "fold" in k.backends]


@pytest.fixture(scope="module", autouse=True)
def _finn(tmp_path_factory):
    """FINN+ imported with our workarounds (its custom ops are what the compile stage reads)."""
    from pcnn_hw.compile.finn_compat import prepare_finn

    prepare_finn(tmp_path_factory.mktemp("finn"))


def _model(op: str, attrs: dict):
    """A one-node FINN graph (ModelWrapper) of generic op `op`."""
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.util.basic import qonnx_make_model

    inputs = ["a", "b"] if op == "ElementwiseAdd" else ["a"]
    node = helper.make_node(op, inputs, ["y"], name="n0", domain=DOMAIN, backend="fpgadataflow", **attrs)
    vis = [helper.make_tensor_value_info(n, TensorProto.FLOAT, [1]) for n in inputs]
    graph = helper.make_graph([node], "g", vis, [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])])
    return ModelWrapper(qonnx_make_model(graph))


def _accepted(kind, model, attr: str, upto: int) -> tuple[set[int], set[int]]:
    """The values 1..upto of `attr` (the other folding attributes at 1) that the layer's check_folding
    and the compile stage's check_folding accept."""
    from qonnx.custom_op.registry import getCustomOp

    from pcnn_hw.compile import folding

    node = model.graph.node[0]
    layer_ok, compile_ok = set(), set()
    for f in range(1, upto + 1):
        getCustomOp(node).set_nodeattr(attr, f)
        layer = kind.layer_cls(name=node.name, op_type=node.op_type, attrs=node_attrs(node))
        checks = ((layer_ok, layer.check_folding), (compile_ok, lambda: folding.check_folding(model)))
        for ok, check in checks:
            try:
                check()
                ok.add(f)
            except FoldingError:
                pass
    getCustomOp(node).set_nodeattr(attr, 1)
    return layer_ok, compile_ok


@pytest.mark.parametrize("kind", FOLDED, ids=[k.name for k in FOLDED])
@settings(max_examples=8, deadline=None)
@given(data=st.data())
def test_candidates_are_what_the_checks_accept(kind, data) -> None:
    """For every folding attribute of a random node: the candidates == what both checks accept ==
    the divisors of its dimension."""
    from pcnn_hw.compile import folding

    op, attrs = SHAPES[kind.name]
    model = _model(op, data.draw(attrs))
    node = model.graph.node[0]
    dims = folding.fold_rules(node)
    assert dims, f"kind {kind.name}: no folding rules"
    cands = folding._candidate_settings(folding.Unit([node]))  # noqa: SLF001
    for attr, (_, total) in dims.items():
        offered = {c[node.name][attr] for c in cands if c[node.name].get("parallel_window", 0) == 0}
        layer_ok, compile_ok = _accepted(kind, model, attr, 2 * total + 1)
        divs = {d for d in range(1, total + 1) if total % d == 0}
        assert offered == layer_ok == compile_ok == divs, (kind.name, attr, total)


def test_every_folded_kind_is_covered_and_reads_its_layer_class() -> None:
    """No kind's fold.py keeps a rule table of its own: its rules are its layer class's `fold_dims`."""
    assert set(SHAPES) == {k.name for k in FOLDED}
    for kind in FOLDED:
        fold = kind.backend("fold")
        assert isinstance(fold, DivisorRules) and fold.layer is kind.layer_cls, kind.name
        assert fold.attrs == {}, kind.name


def test_a_rule_changed_in_the_layer_class_reaches_every_user(monkeypatch) -> None:
    """Swap the MVAU's table (SIMD | MH, PE | MW) in the layer class only: the layer's check, the
    compile check and the candidates all follow."""
    from pcnn_hw.compile import folding
    from pcnn_hw.layers.mvau import MVAU

    monkeypatch.setattr(MVAU, "FOLD_RULES", {"SIMD": "MH", "PE": "MW"})
    kind = next(k for k in KINDS if k.name == "mvau")
    model = _model("MVAU", dict(MW=6, MH=10, PE=1, SIMD=1, inputDataType="BINARY", weightDataType="BINARY",
                                outputDataType="BINARY", binaryXnorMode=1, noActivation=1))  # fmt: skip
    node = model.graph.node[0]
    assert folding.fold_rules(node) == {"SIMD": ("MH", 10), "PE": ("MW", 6)}
    cands = folding._candidate_settings(folding.Unit([node]))  # noqa: SLF001
    assert {c["n0"]["SIMD"] for c in cands} == {1, 2, 5, 10}
    assert {c["n0"]["PE"] for c in cands} == {1, 2, 3, 6}
    assert _accepted(kind, model, "SIMD", 12) == ({1, 2, 5, 10},) * 2
