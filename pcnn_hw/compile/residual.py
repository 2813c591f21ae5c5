"""Streamlining of residual (fork/join) graphs: what FINN+'s StreamlinePlus leaves for us to do.

FINN+'s ``StreamlinePlus`` absorbs every batch-norm into thresholds and moves scalar ops across forks
and joins, but it leaves three things a 1-bit residual network needs (measured on resnet-mini):

1. Joins of bipolar streams. A block adds two bipolar (±1) MultiThreshold outputs. ``BipolarJoinToBinary``
   rewrites such a threshold to emit the bit b (out_scale 1, bias 0) followed by an explicit
   ``Mul(2) → Add(−1)``, so that ``StreamlinePlus`` can move the affine past the add
   ((2·b1 − 1) + (2·b2 − 1) = 2·(b1 + b2) − 2) and absorb it into the thresholds that read the sum. The
   residual stream then is the integer count u of +1 terms; the hardware adds bits and small integers.
2. Same padding with −1. qonnx lowers ``Conv`` to ``Im2Col`` (which can pad with any constant) but keeps
   an explicit ``Pad`` node as it is, behind a layout Transpose. ``AbsorbPadIntoIm2Col`` folds a spatial
   constant Pad into the Im2Col that follows (pad amounts and value), and after the bipolar → binary
   conversion of the XNOR layers ``RebasePadValueToBinary`` maps the pad value −1 to the bit 0 it now is
   (the producing threshold emits b = (x + 1) / 2).
3. Unscaled bipolar thresholds. FINN's ``ExtractMultiThresholdScaleBias`` moves a bipolar threshold's
   ``out_scale`` 2 / ``out_bias`` −1 into a Mul/Add but keeps ``out_dtype`` BIPOLAR, although the node now
   emits the bit b ∈ {0, 1}. Where the stream is a fork into thresholds only (the stem of a net whose first
   block has a projection shortcut: block input and shortcut are two thresholds of the stem), the affine
   is then absorbed into those thresholds, and FINN+'s MVAU conversion refuses the stem ("Signed output
   requires actval < 0"). ``RetypeUnscaledBipolarThresholds`` declares such nodes BINARY.
4. The global-average-pool tail. Handled in the step list by FINN's own InferGlobalAccPoolLayer followed by
   moving its 1/(H·W) scale past the classifier into the TopK.

Each is a qonnx ``Transformation`` (reuse of qonnx's graph walking and re-inference), in
:mod:`pcnn_hw.compile.residual_passes`; what makes a graph residual is :mod:`pcnn_hw.compile.residual_graph`.
This module holds the pass lists the compiler runs (`streamline`, `convert_to_hw_passes`).
"""

from __future__ import annotations

from typing import Any

from qonnx.transformation.base import Transformation

from pcnn_hw.compile.residual_graph import (  # noqa: F401 - the residual compile API in one namespace
    chain_only,
    check_chain_backend,
    first_dag_node,
    has_residual_joins,
    is_join_add,
)
from pcnn_hw.compile.residual_passes import (
    AbsorbPadIntoIm2Col,
    BipolarJoinToBinary,
    MoveLinearPastJoinAdd,
    RebasePadValueToBinary,
    RetypeUnscaledBipolarThresholds,
)


def residual_streamline() -> Transformation:
    """Push the explicit bipolar affines of BipolarJoinToBinary through forks and joins into thresholds."""
    import finn.transformation.streamline.absorb as absorb
    import finn.transformation.streamline.collapse_repeated as collapse
    import finn.transformation.streamline.reorder as reorder
    from qonnx.transformation.composed import ComposedTransformation

    from pcnn_hw.compile.composed import fast

    return fast(ComposedTransformation([
        reorder.MoveAddPastFork(), reorder.MoveMulPastFork(), MoveLinearPastJoinAdd(),
        reorder.MoveAddPastMul(), collapse.CollapseRepeatedAdd(), collapse.CollapseRepeatedMul(),
        absorb.AbsorbAddIntoMultiThreshold(), absorb.AbsorbMulIntoMultiThreshold(),
        reorder.MoveScalarLinearPastInvariants(),
    ]))


def streamline(model: Any) -> Any:
    """Streamline a residual graph to XNOR-popcount MatMuls, thresholds, integer adds and a pooled tail.

    StreamlinePlus; bipolar joins to bits (BipolarJoinToBinary + residual_streamline); conv lowering
    with the −1 padding folded into Im2Col; bipolar → XNOR; the pad value rebased to bit 0; threshold
    scales extracted (the bipolar ones left unscaled retyped BINARY) and the global average pool turned
    into FINN's GlobalAccPool, whose 1/(H·W) and all other scalar scales move past the classifier into
    the TopK.
    """
    import finn.transformation.streamline.absorb as absorb
    from finn.transformation.fpgadataflow.convert_to_hw.global_acc_pool import InferGlobalAccPoolLayer
    from finn.transformation.streamline.extract_multithreshold_scale_bias import (
        ExtractMultiThresholdScaleBias,
    )
    from finn.transformation.streamline.streamline_plus import StreamlinePlus as finn_streamline_plus
    from qonnx.transformation.bipolar_to_xnor import ConvertBipolarMatMulToXnorPopcount
    from qonnx.transformation.infer_data_layouts import InferDataLayouts
    from qonnx.transformation.infer_shapes import InferShapes
    from qonnx.transformation.lower_convs_to_matmul import LowerConvsToMatMul

    from pcnn_hw.compile.composed import fast

    def StreamlinePlus() -> Transformation:  # noqa: N802 (FINN+'s pass list, run by composed.fast)
        return fast(finn_streamline_plus())

    model = model.transform(absorb.AbsorbScalarBiasIntoMultiThreshold())
    model = model.transform(StreamlinePlus())
    model = model.transform(BipolarJoinToBinary())
    model = model.transform(residual_streamline())
    model = model.transform(LowerConvsToMatMul())
    model = model.transform(AbsorbPadIntoIm2Col())
    model = model.transform(InferShapes())
    model = model.transform(StreamlinePlus())
    model = model.transform(ConvertBipolarMatMulToXnorPopcount())
    model = model.transform(RebasePadValueToBinary())
    model = model.transform(ExtractMultiThresholdScaleBias())
    model = model.transform(RetypeUnscaledBipolarThresholds())
    model = model.transform(StreamlinePlus())
    model = model.transform(InferDataLayouts())
    model = model.transform(InferGlobalAccPoolLayer())
    model = model.transform(StreamlinePlus())
    model = model.transform(absorb.AbsorbScalarMulAddIntoTopK())
    return model.transform(InferDataLayouts())


def convert_to_hw_passes() -> list[Transformation]:
    """FINN+'s conversions for the residual kinds: join Adds → ElementwiseAdd, fan-out → DuplicateStreams.

    Empty-handed on chains (no join Add, no fan-out), so the chain step list is unchanged. The
    DuplicateStreams pass must come last: every consumer of a forked tensor is a HW layer by then.
    """
    from finn.transformation.fpgadataflow.convert_to_hw.duplicate_streams import InferDuplicateStreamsLayer
    from finn.transformation.fpgadataflow.convert_to_hw.elementwise_binary_operation import (
        InferElementwiseBinaryOperation,
    )

    return [InferElementwiseBinaryOperation(lambda model, node: is_join_add(model, node)),
            InferDuplicateStreamsLayer()]


