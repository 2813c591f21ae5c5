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

Each is a qonnx ``Transformation`` (reuse of qonnx's graph walking and re-inference).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from qonnx.transformation.base import Transformation

from pcnn_hw.core.datatypes import base_op_type


def is_join_add(model: Any, node: Any) -> bool:
    """An Add of two dynamic tensors (a residual join), as opposed to adding a constant."""
    return (node.op_type == "Add" and len(node.input) == 2
            and all(model.get_initializer(i) is None for i in node.input))


def has_residual_joins(model: Any) -> bool:
    """True when the graph contains an Add of two dynamic tensors."""
    return any(is_join_add(model, n) for n in model.graph.node)


class BipolarJoinToBinary(Transformation):
    """MultiThreshold (BIPOLAR out) feeding a join Add → MultiThreshold (BINARY) → Mul(2) → Add(−1).

    Exact: a bipolar threshold emits 2·b − 1 where b ∈ {0, 1} is the count of thresholds passed.
    """

    def apply(self, model: Any) -> tuple[Any, bool]:
        from onnx import TensorProto, helper
        from qonnx.core.datatype import DataType
        from qonnx.custom_op.registry import getCustomOp

        graph = model.graph
        for index, node in enumerate(graph.node):
            if node.op_type != "MultiThreshold":
                continue
            inst = getCustomOp(node)
            if inst.get_nodeattr("out_dtype") != "BIPOLAR":
                continue
            if not any(is_join_add(model, c) for c in model.find_consumers(node.output[0]) or []):
                continue
            if inst.get_nodeattr("out_scale") != 2.0 or inst.get_nodeattr("out_bias") != -1.0:
                continue
            out = node.output[0]
            shape = model.get_tensor_shape(out)
            bits, doubled = model.make_new_valueinfo_name(), model.make_new_valueinfo_name()
            two, minus_one = model.make_new_valueinfo_name(), model.make_new_valueinfo_name()
            for name in (bits, doubled):
                graph.value_info.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, shape))
            model.set_initializer(two, np.array(2.0, dtype=np.float32))
            model.set_initializer(minus_one, np.array(-1.0, dtype=np.float32))
            node.output[0] = bits
            inst.set_nodeattr("out_dtype", "BINARY")
            inst.set_nodeattr("out_scale", 1.0)
            inst.set_nodeattr("out_bias", 0.0)
            model.set_tensor_datatype(bits, DataType["BINARY"])
            graph.node.insert(index + 1, helper.make_node("Mul", [bits, two], [doubled]))
            graph.node.insert(index + 2, helper.make_node("Add", [doubled, minus_one], [out]))
            return model, True
        return model, False


class RetypeUnscaledBipolarThresholds(Transformation):
    """MultiThreshold with out_dtype BIPOLAR, out_scale 1 and out_bias 0 → out_dtype BINARY.

    Exact: qonnx's MultiThreshold computes out_scale · count + out_bias whatever its out_dtype, so with
    (1, 0) it emits the count b ∈ {0, 1} of thresholds passed; only the declared type was wrong. Run after
    ``ExtractMultiThresholdScaleBias`` (which leaves such nodes behind).
    """

    def apply(self, model: Any) -> tuple[Any, bool]:
        from qonnx.core.datatype import DataType
        from qonnx.custom_op.registry import getCustomOp

        changed = False
        for node in model.graph.node:
            if node.op_type != "MultiThreshold":
                continue
            inst = getCustomOp(node)
            if inst.get_nodeattr("out_dtype") != "BIPOLAR":
                continue
            if inst.get_nodeattr("out_scale") != 1.0 or inst.get_nodeattr("out_bias") != 0.0:
                continue
            inst.set_nodeattr("out_dtype", "BINARY")
            model.set_tensor_datatype(node.output[0], DataType["BINARY"])
            changed = True
        return model, changed


class AbsorbPadIntoIm2Col(Transformation):
    """Pad(NCHW, spatial only, constant v) → Transpose(0,2,3,1) → Im2Col  ⇒  Transpose → Im2Col(pad, v).

    The Im2Col's padding must be zero before (qonnx's lowering of a Conv without pads), its pad value
    becomes v; the pads [top, left, bottom, right] are taken from the ONNX Pad's
    [n0, c0, h0, w0, n1, c1, h1, w1].
    """

    def apply(self, model: Any) -> tuple[Any, bool]:
        from qonnx.custom_op.registry import getCustomOp

        for pad in model.graph.node:
            if pad.op_type != "Pad" or len(pad.input) < 2:
                continue
            consumers = model.find_consumers(pad.output[0]) or []
            if len(consumers) != 1 or consumers[0].op_type != "Transpose":
                continue
            tr = consumers[0]
            perm = [a for a in tr.attribute if a.name == "perm"]
            if not perm or list(perm[0].ints) != [0, 2, 3, 1]:
                continue
            nexts = model.find_consumers(tr.output[0]) or []
            if len(nexts) != 1 or nexts[0].op_type != "Im2Col":
                continue
            im2col = getCustomOp(nexts[0])
            pads = model.get_initializer(pad.input[1])
            value = model.get_initializer(pad.input[2]) if len(pad.input) > 2 and pad.input[2] else 0.0
            if pads is None or value is None or len(pads) != 8:
                continue
            pads = [int(p) for p in pads]
            if any(pads[i] for i in (0, 1, 4, 5)) or any(im2col.get_nodeattr("pad_amount")):
                continue
            if float(value) != int(value):
                continue
            im2col.set_nodeattr("pad_amount", [pads[2], pads[3], pads[6], pads[7]])
            im2col.set_nodeattr("pad_value", int(value))
            tr.input[0] = pad.input[0]
            n, c, h, w = model.get_tensor_shape(pad.input[0])
            model.set_tensor_shape(tr.output[0], [n, h, w, c])
            model.set_tensor_datatype(tr.output[0], model.get_tensor_datatype(pad.input[0]))
            model.graph.node.remove(pad)
            return model, True
        return model, False


class RebasePadValueToBinary(Transformation):
    """Im2Col padding with −1 on a BINARY input → padding with 0.

    Run after ConvertBipolarMatMulToXnorPopcount: the threshold that fed the bipolar value x now emits
    b = (x + 1) / 2, so the bipolar pad value −1 is the bit 0 (what FINN's FMPadding inserts).
    """

    def apply(self, model: Any) -> tuple[Any, bool]:
        from qonnx.custom_op.registry import getCustomOp

        changed = False
        for node in model.graph.node:
            if node.op_type != "Im2Col":
                continue
            inst = getCustomOp(node)
            binary_in = model.get_tensor_datatype(node.input[0]).name == "BINARY"
            if inst.get_nodeattr("pad_value") == -1 and binary_in:
                inst.set_nodeattr("pad_value", 0)
                changed = True
        return model, changed


def _single_consumer(model: Any, node: Any) -> bool:
    return len(model.find_consumers(node.output[0]) or []) == 1


class MoveLinearPastJoinAdd(Transformation):
    """FINN's MoveLinearPastEltwiseAdd, applied only where both linear producers feed nothing else.

    FINN's version rewires a producer whose output also feeds another branch (a fork), which makes the
    graph cyclic; here such joins wait until MoveAddPastFork / MoveMulPastFork split the fork.
    """

    def apply(self, model: Any) -> tuple[Any, bool]:
        from finn.transformation.streamline.reorder import MoveLinearPastEltwiseAdd
        from qonnx.transformation.infer_datatypes import InferDataTypes
        from qonnx.transformation.infer_shapes import InferShapes

        mover = MoveLinearPastEltwiseAdd()
        for node_ind, n in enumerate(model.graph.node, start=1):
            if not is_join_add(model, n):
                continue
            prod0, prod1 = model.find_producer(n.input[0]), model.find_producer(n.input[1])
            if prod0 is None or prod1 is None or prod0 == prod1 or prod0.op_type != prod1.op_type:
                continue
            if prod0.op_type not in ("Add", "Mul") or len(prod0.input) < 2 or len(prod1.input) < 2:
                continue
            if not (_single_consumer(model, prod0) and _single_consumer(model, prod1)):
                continue
            init0, init1 = model.get_initializer(prod0.input[1]), model.get_initializer(prod1.input[1])
            if init0 is None or init1 is None:
                continue
            if prod0.op_type == "Mul" and not np.array_equal(init0, init1):
                continue
            if prod0.op_type == "Add":
                model.set_initializer(prod0.input[1], (init0 + init1).astype(np.float32))
            mover.move_node(model.graph, n, prod0, prod1, node_ind)
            model.set_tensor_shape(n.output[0], None)
            model.set_tensor_shape(prod0.output[0], None)
            model = model.transform(InferShapes())
            return model.transform(InferDataTypes()), True
        return model, False


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


DAG_OPS = ("DuplicateStreams", "ElementwiseAdd")


def first_dag_node(model: Any) -> Any | None:
    """The first fork or join node (DuplicateStreams / ElementwiseAdd, any variant), or None for a chain."""
    for node in model.graph.node:
        if base_op_type(node.op_type) in DAG_OPS:
            return node
    return None


def check_chain_backend(model: Any, backend: str) -> None:
    """Raise UnsupportedOpError naming the first fork/join node if `backend` (chains only) gets a DAG."""
    from pcnn_hw.errors import UnsupportedOpError

    node = first_dag_node(model)
    if node is not None:
        raise UnsupportedOpError(
            f"node {node.name!r} ({node.op_type}): the {backend} backend is not supported for residual "
            "graphs yet (forks and joins); build without it, verify with the simulator levels")


def chain_only(step: Any, backend: str) -> Any:
    """`step` (a compile Step of a chain-only backend) preceded by check_chain_backend on its input."""
    from dataclasses import replace

    def run(model: Any, ctx: Any) -> Any:
        check_chain_backend(model, backend)
        return step.fn(model, ctx)

    return replace(step, fn=run)
