"""The qonnx graph passes of residual streamlining (see :mod:`pcnn_hw.compile.residual` for why each
exists and the order they run in): bipolar joins to bits, −1 padding folded into Im2Col and rebased to
bit 0, unscaled bipolar thresholds retyped BINARY, linear ops moved past joins.

Each is a qonnx ``Transformation``; the rewriting ones do every rewrite in one walk of the nodes (so
qonnx's re-apply loop confirms in a second walk instead of walking once per rewrite), looking consumers
up in one map instead of searching the graph per node.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from qonnx.transformation.base import Transformation

from pcnn_hw.compile.residual_graph import is_join_add


def consumer_map(model: Any) -> dict[str, list[Any]]:
    """{tensor name: the nodes reading it, in graph order} of the whole graph (one walk)."""
    out: dict[str, list[Any]] = {}
    for node in model.graph.node:
        for name in node.input:
            out.setdefault(name, []).append(node)
    return out


class BipolarJoinToBinary(Transformation):
    """MultiThreshold (BIPOLAR out) feeding a join Add → MultiThreshold (BINARY) → Mul(2) → Add(−1).

    Exact: a bipolar threshold emits 2·b − 1 where b ∈ {0, 1} is the count of thresholds passed.
    One walk rewrites every such threshold (consumers looked up in one map built before the walk), in
    graph order, as one rewrite per walk did.
    """

    def apply(self, model: Any) -> tuple[Any, bool]:
        from onnx import TensorProto, helper
        from qonnx.core.datatype import DataType
        from qonnx.custom_op.registry import getCustomOp

        graph = model.graph
        consumers = consumer_map(model)
        inserted = 0
        for index, node in enumerate(list(graph.node)):
            if node.op_type != "MultiThreshold":
                continue
            inst = getCustomOp(node)
            if inst.get_nodeattr("out_dtype") != "BIPOLAR":
                continue
            if not any(is_join_add(model, c) for c in consumers.get(node.output[0], [])):
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
            at = index + inserted  # position of `node` now (two nodes inserted per earlier rewrite)
            graph.node.insert(at + 1, helper.make_node("Mul", [bits, two], [doubled]))
            graph.node.insert(at + 2, helper.make_node("Add", [doubled, minus_one], [out]))
            inserted += 2
        return model, inserted > 0


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
    [n0, c0, h0, w0, n1, c1, h1, w1]. One walk absorbs every such Pad (consumers from one map).
    """

    def apply(self, model: Any) -> tuple[Any, bool]:
        from qonnx.custom_op.registry import getCustomOp

        consumer_of = consumer_map(model)
        changed = False
        for pad in list(model.graph.node):
            if pad.op_type != "Pad" or len(pad.input) < 2:
                continue
            consumers = consumer_of.get(pad.output[0], [])
            if len(consumers) != 1 or consumers[0].op_type != "Transpose":
                continue
            tr = consumers[0]
            perm = [a for a in tr.attribute if a.name == "perm"]
            if not perm or list(perm[0].ints) != [0, 2, 3, 1]:
                continue
            nexts = consumer_of.get(tr.output[0], [])
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
            changed = True
        return model, changed


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


