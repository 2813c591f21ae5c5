"""FINN+ accepts our exported models: QONNX → FINN → streamline leaves thresholds and XNOR popcounts only."""

import pytest
import torch

from pcnn_hw.export import export_model
from pcnn_hw.models import build_model, randomize_batchnorm
from pcnn_hw.quant import QuantConfig

SHAPE = (1, 28, 28)
# Ops allowed once streamlined: integer matmuls (first layer 8-bit, XNOR for the rest), thresholds,
# max-pool, im2col for lowered convs, layout moves, and the label select at the end.
INTEGER_OPS = {"MatMul", "XnorPopcountMatMul", "MultiThreshold", "MaxPoolNHWC", "Im2Col", "Transpose",
               "Reshape", "Flatten", "TopK"}


def _streamlined(tmp_path, name, cfg):
    from pcnn_hw.compile.context import BuildContext, FoldingSpec
    from pcnn_hw.compile.finn_compat import prepare_finn
    from pcnn_hw.compile.steps import step_pre_post, step_qonnx_to_finn, step_streamline, step_tidy_up
    from pcnn_hw.core.boards import get_board

    torch.manual_seed(0)
    model = randomize_batchnorm(build_model(name, cfg, SHAPE)).eval()
    export_model(model, SHAPE, tmp_path / "m.onnx", torch.rand(2, *SHAPE))
    prepare_finn(tmp_path / "finn")
    from qonnx.core.modelwrapper import ModelWrapper

    ctx = BuildContext(get_board("pynq-z2"), 100.0, FoldingSpec(), tmp_path)
    wrapper = ModelWrapper(str(tmp_path / "m.onnx"))
    for step in (step_qonnx_to_finn, step_tidy_up, step_pre_post, step_streamline):
        wrapper = step(wrapper, ctx)
    return wrapper


@pytest.mark.parametrize("name,cfg", [("tfc", QuantConfig(projections=2)),
                                      ("mini-cnv", QuantConfig()),
                                      ("mini-cnv", QuantConfig(kind="sign", per_channel_scale=True))])
def test_streamline_leaves_no_float_ops(tmp_path, name, cfg):
    wrapper = _streamlined(tmp_path, name, cfg)
    ops = [n.op_type for n in wrapper.graph.node]
    assert "MultiThreshold" in ops and "XnorPopcountMatMul" in ops
    first_binary = ops.index("XnorPopcountMatMul")
    assert set(ops[first_binary:]) <= INTEGER_OPS, ops
    assert set(ops) <= INTEGER_OPS | {"Mul", "Add"}, ops  # pre-processing scale only before layer 1
