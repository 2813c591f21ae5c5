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
