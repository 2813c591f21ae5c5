"""DataflowGraph of real builds: stream widths and types against FINN+'s own custom ops and the RTL view."""

from __future__ import annotations

import numpy as np
import pytest

from pcnn_hw.core.streams import fmt_of_datatype
from pcnn_hw.graph import DataflowGraph
from tests.graph.graphs import residual_net


@pytest.fixture(scope="module", autouse=True)
def _finn(tmp_path_factory):
    from pcnn_hw.compile.finn_compat import prepare_finn

    prepare_finn(tmp_path_factory.mktemp("finn"))


def _check_against_finn(g: DataflowGraph) -> int:
    """Every stream's per-beat elements, type and beats per frame equal FINN's widths / shapes."""
    from qonnx.custom_op.registry import getCustomOp

    checked = 0
    for gn in g.nodes:
        op = getCustomOp(gn.node)
        for port, e in enumerate(gn.inputs):
            dt = op.get_input_datatype(port)
            assert e.dtype == dt, (gn.name, port)
            assert e.consumer_elems * dt.bitwidth() == op.get_instream_width(port), (gn.name, port)
            checked += 1
        for port, e in enumerate(gn.outputs):
            dt = op.get_output_datatype(port)
            assert e.dtype == dt, (gn.name, port)
            assert e.producer_elems * dt.bitwidth() == op.get_outstream_width(port), (gn.name, port)
            folded = op.get_folded_output_shape(port)
            assert e.beats_per_frame * folded[-1] == e.elems_per_frame
            assert e.beats_per_frame == int(np.prod(folded[:-1])), (gn.name, port)
            checked += 1
    return checked


def _downstream(node) -> list[str]:
    """Names of `node` and every node below it."""
    seen, todo = [], [node]
    while todo:
        n = todo.pop()
        if n is None or n.name in seen:
            continue
        seen.append(n.name)
        todo += [e.consumer for e in n.outputs]
    return seen


def test_handmade_forks_and_joins_agree_with_finn():
    net, out = residual_net()
    g = DataflowGraph.from_model(net.model([out]))
    assert _check_against_finn(g) == 2 * len(g.edges) - 2  # every port of every node


@pytest.mark.parametrize("which", ["mlp", "cnn"])
def test_chain_builds_agree_with_finn_and_rtl(which, request):
    from pcnn_hw.compile.weights import load_weights
    from pcnn_hw.rtl.spec import rtl_layers

    res = request.getfixturevalue(f"{which}_build")
    g = DataflowGraph.from_model(res.model_path, memory=load_weights(res.out_dir))
    assert g.is_chain and len(g.edges) == len(g.nodes) + 1
    assert [e.name for e in g.edges][0] == g.nodes[0].inputs[0].name
    assert _check_against_finn(g) == 2 * len(g.nodes)
    # the RTL view (rtl/spec.py) streams the same number of elements per beat on every port
    rtl = {r.name: r for r in rtl_layers(g.layers, fmt_of_datatype(g.inputs[0].dtype.name))}
    for gn in g.nodes:
        if gn.name in rtl:
            assert rtl[gn.name].inp.elems == gn.inputs[0].consumer_elems, gn.name
            assert rtl[gn.name].out.elems == gn.outputs[0].producer_elems, gn.name
    assert len(rtl) >= 3


@pytest.mark.slow
def test_resnet_mini_build_agrees_with_finn_and_runs_natively(tmp_path):
    """resnet-mini (random weights): forks, joins and padding streams as FINN+ sees them; the native and
    numpy simulators of the graph agree."""
    import io

    import torch

    from pcnn_hw.compile.build import build
    from pcnn_hw.export import export_model
    from pcnn_hw.models import build_model
    from pcnn_hw.quant import QuantConfig
    from pcnn_hw.sim.builddir import BuildDir
    from tests.compile.test_residual import _mild_batchnorm

    torch.manual_seed(0)
    shape = (1, 12, 12)
    model = build_model("resnet-mini", QuantConfig(), shape).eval()
    _mild_batchnorm(model, 0)
    images = torch.randint(0, 256, (16, *shape), generator=torch.Generator().manual_seed(1)) / 255.0
    export_model(model, shape, tmp_path / "model.onnx", images)
    build(tmp_path / "model.onnx", tmp_path / "build", "pynq-z2", stream=io.StringIO())
    bd = BuildDir(tmp_path / "build")
    g = bd.graph
    assert not g.is_chain and _check_against_finn(g) == 2 * len(g.edges) - 2
    forks = [gn for gn in g.nodes if len(gn.outputs) == 2]
    joins = [gn for gn in g.nodes if len(gn.inputs) == 2]
    assert len(forks) == len(joins) == 3
    for fork in forks:  # both branches of every fork meet again in a join
        reach = [_downstream(e.consumer) for e in fork.outputs]
        assert set(reach[0]) & set(reach[1]) & {j.name for j in joins}, fork.name
    x = np.rint(images.numpy() * 255).transpose(0, 2, 3, 1)
    assert np.array_equal(bd.simulator("native").run(x), bd.simulator("numpy").run(x))
