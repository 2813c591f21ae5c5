"""Our own graph passes, only where FINN+ has none: drop no-op input reshapes and identity thresholds."""

from __future__ import annotations

from typing import Any

import numpy as np


def _rewire(model: Any, node: Any) -> None:
    """Remove single-input ``node``: its consumers (or the graph output) read its input instead."""
    src, dst = node.input[0], node.output[0]
    graph_outs = [o.name for o in model.graph.output]
    model.graph.node.remove(node)
    if dst in graph_outs:  # keep the graph output name, rename the producer's output instead
        prod = model.find_producer(src)
        for i, o in enumerate(prod.output):
            if o == src:
                prod.output[i] = dst
        return
    for n in model.graph.node:
        for i, name in enumerate(n.input):
            if name == dst:
                n.input[i] = src


def _absorb_into_input(model: Any, node: Any, shape: list[int]) -> None:
    """Remove ``node`` (the graph input's only consumer); the graph input takes its output ``shape``.

    The node's consumers read the graph input instead; its datatype annotation is kept.
    """
    from onnx import helper

    inp, out = model.graph.input[0].name, node.output[0]
    dt = model.get_tensor_datatype(inp)
    model.graph.node.remove(node)
    for n in model.graph.node:
        for i, name in enumerate(n.input):
            if name == out:
                n.input[i] = inp
    for vi in list(model.graph.value_info):
        if vi.name == out:
            model.graph.value_info.remove(vi)
    elem = model.graph.input[0].type.tensor_type.elem_type
    model.graph.input[0].CopyFrom(helper.make_tensor_value_info(inp, elem, shape))
    model.set_tensor_datatype(inp, dt)


def remove_leading_flatten(model: Any) -> tuple[Any, bool]:
    """Remove a Reshape right after the graph input that only flattens (batch 1 kept).

    The accelerator reads its input as one flat stream, so the reshape is a no-op in hardware; the
    graph input takes the flattened shape (the input must be flattened in C order, as PyTorch does).
    Returns (model, removed).
    """
    inp = model.graph.input[0].name
    consumers = model.find_consumers(inp)
    if len(consumers) != 1 or consumers[0].op_type not in ("Reshape", "Flatten"):
        return model, False
    node = consumers[0]
    out_shape = model.get_tensor_shape(node.output[0])
    in_shape = model.get_tensor_shape(inp)
    if len(out_shape) != 2 or out_shape[0] != 1 or int(np.prod(in_shape)) != out_shape[1]:
        return model, False
    _absorb_into_input(model, node, list(out_shape))
    return model, True


def remove_identity_thresholds(model: Any) -> tuple[Any, int]:
    """Remove MultiThreshold nodes that map every value of their integer input to itself.

    This is what an 8-bit input quantiser with the fixed scale 1/255 becomes after the /255
    pre-processing: thresholds k - 0.5 on a uint8 pixel, i.e. the identity. Returns (model, count).
    """
    from qonnx.custom_op.registry import getCustomOp

    removed = 0
    for node in list(model.graph.node):
        if node.op_type != "MultiThreshold":
            continue
        idt = model.get_tensor_datatype(node.input[0])
        if not idt.is_integer() or idt.bitwidth() > 8:
            continue
        inst = getCustomOp(node)
        if inst.get_nodeattr("out_scale") != 1.0 or inst.get_nodeattr("out_bias") != idt.min():
            if not (inst.get_nodeattr("out_bias") == 0 and idt.min() == 0):
                continue
        thr = model.get_initializer(node.input[1])
        values = np.arange(idt.min(), idt.max() + 1, dtype=np.float64)
        counts = (values[None, :, None] >= thr[:, None, :]).sum(axis=2)  # channels x values
        out = counts * inst.get_nodeattr("out_scale") + inst.get_nodeattr("out_bias")
        if not np.array_equal(out, np.broadcast_to(values, out.shape)):
            continue
        odt = model.get_tensor_datatype(node.output[0])
        _rewire(model, node)
        if odt != idt:
            pass
        removed += 1
    return model, removed


def remove_input_transpose(model: Any) -> tuple[Any, bool]:
    """Remove an NCHW → NHWC Transpose right after the graph input; the input becomes NHWC.

    The accelerator streams pixels channel-last, so the host (driver, simulator) supplies NHWC
    data; FINN itself would leave this Transpose outside the dataflow partition. Returns
    (model, removed).
    """

    inp = model.graph.input[0].name
    consumers = model.find_consumers(inp)
    if len(consumers) != 1 or consumers[0].op_type != "Transpose":
        return model, False
    node = consumers[0]
    perm = [a for a in node.attribute if a.name == "perm"]
    if not perm or list(perm[0].ints) != [0, 2, 3, 1]:
        return model, False
    _absorb_into_input(model, node, list(model.get_tensor_shape(node.output[0])))
    model.set_tensor_layout(inp, ["N", "H", "W", "C"])
    return model, True


def clip_xnor_thresholds(model: Any) -> tuple[Any, int]:
    """Clip the thresholds of XNOR MVAUs to the popcount range [0, MW + 1].

    The popcount of an XNOR MVAU lies in [0, MW], so a threshold <= 0 always fires (same as 0) and
    one > MW never fires (same as MW + 1): clipping keeps the function, and FINN's hardware layout
    (``get_hw_compatible_threshold_tensor``) requires non-negative XNOR thresholds, which BN folding
    does not guarantee (a channel that is always on). Returns (model, number of values changed).
    """
    from qonnx.custom_op.registry import getCustomOp

    changed = 0
    for node in model.graph.node:
        if not node.op_type.startswith("MVAU") or len(node.input) < 3:
            continue
        inst = getCustomOp(node)
        if not inst.get_nodeattr("binaryXnorMode") or inst.get_nodeattr("noActivation"):
            continue
        thr = model.get_initializer(node.input[2])
        clipped = np.clip(thr, 0, inst.get_nodeattr("MW") + 1)
        n = int(np.count_nonzero(clipped != thr))
        if n:
            model.set_initializer(node.input[2], clipped.astype(thr.dtype))
            changed += n
    return model, changed


def default_opset_first(model: Any) -> Any:
    """Put the default ONNX domain first in ``opset_import``.

    qonnx's FoldConstants (and range analysis) read ``opset_import[0].version`` as the ONNX opset;
    torch's exporter may list the qonnx custom domain (version 2) first, which makes onnxruntime
    look for opset-2 kernels (e.g. ``Could not find an implementation for Mul(1)``).
    """
    ops = list(model.model.opset_import)
    default = [o for o in ops if o.domain in ("", "ai.onnx")]
    if default and ops[0] is not default[0]:
        rest = [o for o in ops if o not in default]
        copies = [type(o)() for o in default + rest]
        for c, o in zip(copies, default + rest, strict=True):
            c.CopyFrom(o)
        del model.model.opset_import[:]
        model.model.opset_import.extend(copies)
    return model


def reduce_mean_to_global_pool(model: Any) -> tuple[Any, int]:
    """Replace ReduceMean over the spatial axes (2, 3) of an NCHW tensor, keepdims=1, by GlobalAveragePool.

    torch's dynamo exporter (Brevitas' default ``export_qonnx``) writes ``adaptive_avg_pool2d(x, 1)`` as
    that ReduceMean; the TorchScript exporter as GlobalAveragePool, which FINN+'s streamlining and our
    residual conversion map to GlobalAccPool. The two compute the same. Returns (model, replaced).
    """
    from onnx import helper

    replaced = 0
    for node in list(model.graph.node):
        if node.op_type != "ReduceMean" or node.domain not in ("", "ai.onnx"):
            continue
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        axes = attrs.get("axes")
        if axes is None and len(node.input) > 1:
            init = model.get_initializer(node.input[1])
            axes = None if init is None else [int(v) for v in np.asarray(init).reshape(-1)]
        shape = model.get_tensor_shape(node.input[0])
        if shape is None or len(shape) != 4 or attrs.get("keepdims", 1) != 1:
            continue
        if axes is None or sorted(a % 4 for a in axes) != [2, 3]:
            continue
        pool = helper.make_node("GlobalAveragePool", [node.input[0]], list(node.output), name=node.name)
        idx = list(model.graph.node).index(node)
        model.graph.node.remove(node)
        model.graph.node.insert(idx, pool)
        replaced += 1
    return model, replaced
