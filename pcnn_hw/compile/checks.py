"""Graph checks that turn unmappable models into typed errors naming the node/layer at fault."""

from __future__ import annotations

from typing import Any

from pcnn_hw.core.datatypes import base_op_type
from pcnn_hw.errors import QuantizationError, UnsupportedOpError

# Ops of an exported QONNX model that the pipeline can map (before QONNX → FINN).
SUPPORTED_QONNX_OPS = (
    "Add", "BatchNormalization", "BinaryQuant", "BipolarQuant", "Cast", "Concat", "Constant", "Conv",
    "Div", "Flatten", "Gather", "Gemm", "Identity", "MatMul", "MaxPool", "Mul", "Pad", "Quant",
    "GlobalAveragePool", "Reshape", "Shape", "Sign", "Squeeze", "Sub", "Transpose", "Unsqueeze",
)

# HW layers the pipeline produces and the later stages (simulator, RTL, HLS) handle.
SUPPORTED_HW_OPS = (
    "ConvolutionInputGenerator", "LabelSelect", "MVAU", "Pool", "StreamingMaxPool", "Thresholding",
    "DuplicateStreams", "ElementwiseAdd", "FMPadding", "GlobalAccPool",
)


def _supported_hw(op_type: str) -> bool:
    return base_op_type(op_type) in SUPPORTED_HW_OPS


def _activation_nodes(model: Any) -> list:
    """Nodes that depend on the graph input (constant weight-path subgraphs are folded away)."""
    live = {i.name for i in model.graph.input} - {i.name for i in model.graph.initializer}
    out = []
    for node in model.graph.node:  # ONNX graphs are topologically sorted
        if any(i in live for i in node.input):
            out.append(node)
            live.update(node.output)
    return out


def check_supported_ops(model: Any) -> None:
    """Raise UnsupportedOpError for the first activation-path node whose op cannot be mapped."""
    for node in _activation_nodes(model):
        if node.op_type not in SUPPORTED_QONNX_OPS:
            raise UnsupportedOpError(
                f"node {node.name or '(unnamed)'!r}: op {node.op_type} cannot be mapped to hardware; "
                f"supported ops: {', '.join(SUPPORTED_QONNX_OPS)}"
            )


# Element-wise or layout ops allowed between the graph input and its quantizer (e.g. BNN-PYNQ's 2x - 1).
_PRE_QUANT_OPS = ("Add", "Div", "Flatten", "Identity", "Mul", "Reshape", "Sub", "Transpose")
MAX_INPUT_BITS = 8


def _scalar(model: Any, name: str) -> Any:
    import numpy as np

    value = model.get_initializer(name)
    return None if value is None else np.asarray(value)


def check_input_quantizer(model: Any) -> None:
    """The first quantizer on the input must be a per-tensor, zero-point-0 Quant of at most 8 bits.

    The accelerator reads uint8 pixels (the /255 of the pre-processing is folded in) and implements
    the input quantizer as a thresholding layer on that stream: one threshold per output level, the
    thresholds outside the pixel range clipped (they always or never fire). That needs integer
    output levels (≤ 8 bits: at most 255 thresholds per channel, the hardware's threshold memory),
    one scale for the whole tensor (a per-channel scale would sit between the thresholds and the
    first convolution, where the integer datapath cannot absorb it) and zero point 0 (FINN's
    QONNX → FINN conversion supports no other). Raise QuantizationError otherwise.
    """
    inp = model.graph.input[0].name
    node = model.find_consumers(inp)
    node = node[0] if len(node) == 1 else None
    while node is not None and node.op_type in _PRE_QUANT_OPS:
        nxt = model.find_consumers(node.output[0])
        node = nxt[0] if len(nxt) == 1 else None
    if node is None or node.op_type != "Quant":
        return  # no input quantizer: check_binary_weights names the float first layer
    where = f"input quantizer {node.name or '(unnamed)'!r} (Quant on the graph input {inp!r})"
    scale, zeropt, bits = (_scalar(model, node.input[i]) for i in (1, 2, 3))
    if bits is None or scale is None or zeropt is None:
        raise QuantizationError(f"{where}: scale, zero point and bit width must be constants")
    if bits.size != 1 or float(bits.reshape(-1)[0]) > MAX_INPUT_BITS or float(bits.reshape(-1)[0]) < 1:
        raise QuantizationError(
            f"{where}: bit width {bits.reshape(-1).tolist()} is not supported; the accelerator turns the "
            f"input quantizer into thresholds on its uint8 pixel stream, at most {MAX_INPUT_BITS} bits"
        )
    if scale.size != 1:
        raise QuantizationError(
            f"{where}: per-channel scale (shape {list(scale.shape)}) is not supported; only a per-tensor "
            "scale can be folded into the next layer's thresholds (a per-channel one would sit between "
            "the input thresholds and the first convolution)"
        )
    if zeropt.size != 1 or float(zeropt.reshape(-1)[0]) != 0.0:
        raise QuantizationError(
            f"{where}: zero point {zeropt.reshape(-1).tolist()[:4]} is not supported; FINN's QONNX → "
            "FINN conversion needs zero point 0 (use a signed or unsigned quantizer without shift)"
        )


def check_binary_weights(model: Any) -> None:
    """Every matrix layer must have binary (bipolar) weights; raise QuantizationError otherwise."""
    for node in model.graph.node:
        if node.op_type not in ("MatMul", "XnorPopcountMatMul"):
            continue
        wname = node.input[1]
        if model.get_initializer(wname) is None:
            raise QuantizationError(f"layer {node.name!r}: weights are not constant")
        wdt = model.get_tensor_datatype(wname)
        if wdt.name not in ("BIPOLAR", "BINARY"):
            raise QuantizationError(
                f"layer {node.name!r} (weights {wname!r}, shape {list(model.get_tensor_shape(wname))}): "
                f"weights are {wdt.name}, but XNOR-popcount hardware needs binary (bipolar) weights"
            )
        idt = model.get_tensor_datatype(node.input[0])
        if node.op_type == "MatMul" and not idt.is_integer():
            raise QuantizationError(
                f"layer {node.name!r}: input {node.input[0]!r} is {idt.name}, not quantised; the first "
                f"layer needs 8-bit integer input and the others bipolar activations"
            )


def check_all_hw(model: Any) -> None:
    """After conversion every node must be a supported HW layer; name the first that is not."""
    for node in model.graph.node:
        if node.domain.startswith("finn.custom_op.fpgadataflow") and _supported_hw(node.op_type):
            continue
        detail = ""
        if node.op_type in ("MatMul", "XnorPopcountMatMul"):
            detail = " (a matrix layer without integer input / binary weights)"
        elif node.op_type == "MultiThreshold":
            detail = " (thresholds that are not between two matrix layers)"
        elif node.op_type in ("Mul", "Add", "Sub", "Div"):
            detail = " (a float scale/bias that streamlining could not absorb)"
        raise UnsupportedOpError(
            f"node {node.name!r}: op {node.op_type}{detail} was not mapped to a hardware layer; "
            f"supported hardware layers: {', '.join(SUPPORTED_HW_OPS)}"
        )


def check_single_partition(sdps: list, others: list) -> None:
    """The whole graph must be one streaming dataflow partition."""
    if len(sdps) != 1 or others:
        names = ", ".join(f"{n.name} ({n.op_type})" for n in others) or "-"
        raise UnsupportedOpError(
            f"graph does not form a single dataflow partition ({len(sdps)} partitions, "
            f"nodes outside: {names}); supported hardware layers: {', '.join(SUPPORTED_HW_OPS)}"
        )
