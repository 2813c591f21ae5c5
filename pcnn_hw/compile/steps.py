"""The compile step list: named steps over FINN+'s transformations, each ``run(model, ctx) -> model``.

To add a stage (RTL, HLS, bitstream), append a :class:`Step` to a copy of :data:`DEFAULT_STEPS` and
pass it to :func:`pcnn_hw.compile.build.build`. Steps import FINN lazily (after finn_compat ran).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pcnn_hw.compile import checks, residual, transforms
from pcnn_hw.compile.context import BuildContext
from pcnn_hw.errors import UnsupportedOpError

Model = Any  # qonnx.core.modelwrapper.ModelWrapper (imported lazily)


@dataclass(frozen=True)
class Step:
    """A named build step: ``fn(model, ctx) -> model``; ``doc`` is shown with the progress line."""

    name: str
    fn: Callable[[Model, BuildContext], Model]
    doc: str = ""

    def run(self, model: Model, ctx: BuildContext) -> Model:
        """Run the step on ``model`` and return the new model.

        qonnx names new tensors with ``random.choice`` (``qonnx.util.basic.random_string``), which
        differs between processes: the module's generator is seeded from the step name for the
        step's duration (and restored after) so the same build gives byte-identical files.
        """
        import random
        import zlib

        state = random.getstate()
        random.seed(zlib.crc32(self.name.encode()))
        try:
            return self.fn(model, ctx)
        except Exception as exc:
            if type(exc).__name__ == "FINNUserError":  # FINN+ refuses this graph: a limit, said as one line
                raise UnsupportedOpError(
                    f"step {self.name}: FINN+ cannot map this network: {exc}") from exc
            raise
        finally:
            random.setstate(state)


def _tidy(model: Model) -> Model:
    from finn.transformation.qonnx.give_unique_node_names_recursive import GiveUniqueNodeNamesRecursive
    from qonnx.transformation.fold_constants import FoldConstants
    from qonnx.transformation.general import GiveReadableTensorNames, RemoveStaticGraphInputs
    from qonnx.transformation.infer_datatypes import InferDataTypes
    from qonnx.transformation.infer_shapes import InferShapes

    model = model.transform(InferShapes())
    model = model.transform(FoldConstants())
    model = model.transform(GiveUniqueNodeNamesRecursive())
    model = model.transform(GiveReadableTensorNames())
    model = model.transform(InferDataTypes())
    return model.transform(RemoveStaticGraphInputs())


def step_qonnx_to_finn(model: Model, ctx: BuildContext) -> Model:
    """QONNX cleanup, then QONNX → FINN-ONNX (Quant → MultiThreshold, BipolarQuant weights folded).

    The input quantizer (any signed/unsigned Quant of ≤ 8 bits with a per-tensor float scale, see
    :func:`checks.check_input_quantizer`) becomes a MultiThreshold on the uint8 pixels after
    pre_post's /255; :func:`_minimize_bit_width` clips its out-of-range thresholds.
    """
    from finn.transformation.qonnx.convert_qonnx_to_finn import ConvertQONNXtoFINN
    from finn.transformation.qonnx.quant_act_to_multithreshold import default_filter_function_generator
    from qonnx.util.cleanup import cleanup_model

    model = transforms.default_opset_first(model)
    model, _ = transforms.reduce_mean_to_global_pool(model)  # dynamo's form of global average pooling
    checks.check_supported_ops(model)
    model = cleanup_model(model)
    checks.check_input_quantizer(model)
    return model.transform(
        ConvertQONNXtoFINN(filter_function=default_filter_function_generator(max_multithreshold_bit_width=8))
    )


def step_tidy_up(model: Model, ctx: BuildContext) -> Model:
    """Shape and datatype inference, constant folding, readable unique names."""
    return _tidy(model)


def step_pre_post(model: Model, ctx: BuildContext) -> Model:
    """Input: uint8 pixels divided by 255 in the graph; output: top-1 label (TopK, k=1)."""
    from finn.builder.custom_step_library.general import add_postproc_top1, add_preproc_divide_by_255

    model = add_preproc_divide_by_255(model, None)
    model = add_postproc_top1(model, None)
    return _tidy(model)


def step_streamline(model: Model, ctx: BuildContext) -> Model:
    """FINN's streamlining: move scales/biases into thresholds, lower convs, bipolar → XNOR-popcount."""
    import finn.transformation.streamline.absorb as absorb
    from finn.transformation.streamline import Streamline
    from finn.transformation.streamline.reorder import MakeMaxPoolNHWC
    from qonnx.transformation.bipolar_to_xnor import ConvertBipolarMatMulToXnorPopcount
    from qonnx.transformation.general import RemoveUnusedTensors
    from qonnx.transformation.infer_data_layouts import InferDataLayouts
    from qonnx.transformation.lower_convs_to_matmul import LowerConvsToMatMul

    if residual.has_residual_joins(model):  # forks and joins: residual.py's pass list
        model = residual.streamline(model)
    else:
        model = model.transform(absorb.AbsorbScalarBiasIntoMultiThreshold())
        model = model.transform(Streamline())
    if model.get_nodes_by_op_type("Conv"):
        model = model.transform(LowerConvsToMatMul())
        model = model.transform(MakeMaxPoolNHWC())
        model = model.transform(absorb.AbsorbTransposeIntoMultiThreshold())
        model = model.transform(MakeMaxPoolNHWC())
        model = model.transform(absorb.AbsorbConsecutiveTransposes())
    model = model.transform(ConvertBipolarMatMulToXnorPopcount())
    model = model.transform(Streamline())
    model = model.transform(absorb.AbsorbScalarMulAddIntoTopK())
    model = model.transform(InferDataLayouts())
    model, flat = transforms.remove_leading_flatten(model)
    model, n_id = transforms.remove_identity_thresholds(model)
    if n_id and not flat:  # an identity input quantizer in front of the flatten (fuzzer seed 230)
        model, flat = transforms.remove_leading_flatten(model)
    model = model.transform(RemoveUnusedTensors())
    ctx.info["removed_input_flatten"] = flat
    ctx.info["removed_identity_thresholds"] = n_id
    checks.check_binary_weights(model)
    return model


def step_convert_to_hw(model: Model, ctx: BuildContext) -> Model:
    """Map streamlined nodes to FINN HW layers (MVAU, SWG, pool, thresholding, label select)."""
    from finn.transformation.fpgadataflow.convert_to_hw import (
        binary_matrix_vector_activation as bmva,
    )
    from finn.transformation.fpgadataflow.convert_to_hw import conv_inp_gen, label_select, pool, thresholding
    from finn.transformation.fpgadataflow.convert_to_hw import (
        quantized_matrix_vector_activation as qmva,
    )
    from finn.transformation.move_reshape import RemoveCNVtoFCFlatten
    from finn.transformation.qonnx.give_unique_node_names_recursive import GiveUniqueNodeNamesRecursive
    from finn.transformation.streamline import absorb
    from qonnx.transformation.infer_data_layouts import InferDataLayouts
    from qonnx.transformation.infer_datatypes import InferDataTypes
    from qonnx.transformation.infer_shapes import InferShapes

    for tr in (
        bmva.InferBinaryMatrixVectorActivation(),
        qmva.InferQuantizedMatrixVectorActivation(),
        label_select.InferLabelSelectLayer(),
        thresholding.InferThresholdingLayer(),
        pool.InferPool(),
        conv_inp_gen.InferConvInpGen(),
        RemoveCNVtoFCFlatten(),
        *residual.convert_to_hw_passes(),
    ):
        model = model.transform(tr)
    model = model.transform(absorb.AbsorbConsecutiveTransposes())
    model = model.transform(RemoveCNVtoFCFlatten())
    model, nhwc = transforms.remove_input_transpose(model)
    ctx.info["input_layout"] = "NHWC" if nhwc else "flat"
    model = model.transform(GiveUniqueNodeNamesRecursive())
    model = model.transform(InferDataLayouts())
    model = model.transform(InferShapes())
    model = model.transform(InferDataTypes())
    checks.check_all_hw(model)
    return _minimize_bit_width(model)


def _minimize_bit_width(model: Model) -> Model:
    from finn.transformation.fpgadataflow.minimize_accumulator_width import MinimizeAccumulatorWidth
    from finn.transformation.fpgadataflow.minimize_weight_bit_width import MinimizeWeightBitWidth
    from finn.transformation.streamline.round_thresholds import RoundAndClipThresholds
    from qonnx.transformation.infer_datatypes import InferDataTypes

    model, _ = transforms.clip_xnor_thresholds(model)
    # Integer-input thresholds (e.g. a float input quantizer on the uint8 pixels) rounded up and clipped
    # to the input range first: FINN's hardware layout needs non-negative thresholds on unsigned input.
    model = model.transform(RoundAndClipThresholds())
    model = model.transform(MinimizeWeightBitWidth())
    model = model.transform(MinimizeAccumulatorWidth())
    model = model.transform(InferDataTypes())
    model = model.transform(RoundAndClipThresholds())
    model, _ = transforms.clip_xnor_thresholds(model)
    model = model.transform(InferDataTypes())
    model = model.transform(MinimizeWeightBitWidth())
    return model.transform(InferDataTypes())


def step_dataflow_partition(model: Model, ctx: BuildContext) -> Model:
    """Cut the graph into one streaming dataflow partition and continue with its model."""
    from finn.transformation.fpgadataflow.create_dataflow_partition import CreateDataflowPartition
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.custom_op.registry import getCustomOp

    part_dir = ctx.finn_dir / "partitions"
    parent = model.transform(CreateDataflowPartition(partition_model_dir=str(part_dir)))
    sdps = parent.get_nodes_by_op_type("StreamingDataflowPartition")
    others = [n for n in parent.graph.node if n.op_type != "StreamingDataflowPartition"]
    checks.check_single_partition(sdps, others)
    inner = ModelWrapper(getCustomOp(sdps[0]).get_nodeattr("model"))
    return inner


def step_specialize_layers(model: Model, ctx: BuildContext) -> Model:
    """Choose the HLS or RTL variant of every HW layer (``*_hls`` / ``*_rtl``) for the board's part."""
    from finn.transformation.fpgadataflow.specialize_layers import SpecializeLayers
    from finn.transformation.qonnx.give_unique_node_names_recursive import GiveUniqueNodeNamesRecursive
    from qonnx.transformation.infer_datatypes import InferDataTypes
    from qonnx.transformation.infer_shapes import InferShapes

    model = model.transform(SpecializeLayers(ctx.fpga_part))
    model = model.transform(GiveUniqueNodeNamesRecursive())
    model = model.transform(InferShapes())
    return model.transform(InferDataTypes())


def step_folding(model: Model, ctx: BuildContext) -> Model:
    """Set PE/SIMD of every layer: SetFolding, our optimizer, maximum, or a folding-config file."""
    from pcnn_hw.compile import fold_opt, folding

    if ctx.folding.mode == "auto" and ctx.folding.resource_model == "ours":  # our model (#12)
        return fold_opt.step_folding(model, ctx)
    return folding.apply_folding(model, ctx)


def step_minimize_bit_width(model: Model, ctx: BuildContext) -> Model:
    """Tighten weight/accumulator widths and round/clip thresholds after folding."""
    return _minimize_bit_width(model)


def step_estimates(model: Model, ctx: BuildContext) -> Model:
    """Annotate cycles, write report.json/report.md and the weights/ memory images."""
    from finn.transformation.fpgadataflow.annotate_cycles import AnnotateCycles

    from pcnn_hw.compile import report, weights

    model = model.transform(AnnotateCycles())
    rep = report.make_report(model, ctx)
    report.write_report(rep, ctx.work_dir)
    weights.write_weights(model, ctx.work_dir / "weights")
    return model


DEFAULT_STEPS: tuple[Step, ...] = (
    Step("qonnx_to_finn", step_qonnx_to_finn, "QONNX → FINN-ONNX"),
    Step("tidy_up", step_tidy_up, "shapes, datatypes, names"),
    Step("pre_post", step_pre_post, "uint8 input /255, top-1 output"),
    Step("streamline", step_streamline, "streamline to thresholds and XNOR-popcount"),
    Step("convert_to_hw", step_convert_to_hw, "HW layers"),
    Step("dataflow_partition", step_dataflow_partition, "one streaming partition"),
    Step("specialize_layers", step_specialize_layers, "HLS/RTL variants"),
    Step("folding", step_folding, "PE/SIMD"),
    Step("minimize_bit_width", step_minimize_bit_width, "weight/accumulator widths"),
    Step("estimates", step_estimates, "report and weight images"),
)


def step_names(steps: tuple[Step, ...] | list[Step] = DEFAULT_STEPS) -> list[str]:
    """Names of ``steps`` in order."""
    return [s.name for s in steps]
