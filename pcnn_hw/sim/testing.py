"""Folded FINN graphs for tests and benchmarks of the simulator.

`fold_qonnx` takes a QONNX model through FINN+'s transformations (QONNX -> FINN, streamline, HW layers,
dataflow partition, specialization, folding, bit-width minimisation) into a folded dataflow graph.
It uses `pcnn_hw.compile.finn_compat.prepare_finn` for the FINN+ workarounds. It is a test fixture, not
the compiler: `pcnn-hw build` (pcnn_hw.compile) is the real pipeline.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


def randomize_folding(model: Any, seed: int) -> Any:
    """Set random valid PE/SIMD on every MVAU, Thresholding, sliding window, Pool and LabelSelect."""
    from qonnx.custom_op.registry import getCustomOp

    from pcnn_hw.layers.base import base_op_type

    rng = np.random.default_rng(seed)

    def pick(n: int) -> int:
        divs = [d for d in range(1, n + 1) if n % d == 0]
        return int(rng.choice(divs))

    for node in model.graph.node:
        op = base_op_type(node.op_type)
        inst = getCustomOp(node)
        if op == "MVAU":
            inst.set_nodeattr("PE", pick(inst.get_nodeattr("MH")))
            inst.set_nodeattr("SIMD", pick(inst.get_nodeattr("MW")))
        elif op == "Thresholding":
            inst.set_nodeattr("PE", pick(inst.get_nodeattr("NumChannels")))
        elif op == "ConvolutionInputGenerator" and not inst.get_nodeattr("depthwise"):
            inst.set_nodeattr("SIMD", pick(inst.get_nodeattr("IFMChannels")))
        elif op == "LabelSelect":
            inst.set_nodeattr("PE", pick(inst.get_nodeattr("Labels")))
    return model


def fold_qonnx(
    onnx_path: str | Path,
    work_dir: str | Path,
    target_fps: float = 3000.0,
    clk_ns: float = 10.0,
    fpga_part: str = "xc7z020clg400-1",
    folding_seed: int | None = None,
    top1: bool = True,
) -> Any:
    """QONNX file -> folded FINN dataflow graph (qonnx ModelWrapper of the single partition)."""
    from pcnn_hw.compile.finn_compat import prepare_finn

    work_dir = Path(work_dir)
    prepare_finn(work_dir / "finn")
    import finn.transformation.streamline.absorb as absorb
    from finn.transformation.fpgadataflow.convert_to_hw.binary_matrix_vector_activation import (
        InferBinaryMatrixVectorActivation,
    )
    from finn.transformation.fpgadataflow.convert_to_hw.conv_inp_gen import InferConvInpGen
    from finn.transformation.fpgadataflow.convert_to_hw.label_select import InferLabelSelectLayer
    from finn.transformation.fpgadataflow.convert_to_hw.pool import InferPool
    from finn.transformation.fpgadataflow.convert_to_hw.quantized_matrix_vector_activation import (
        InferQuantizedMatrixVectorActivation,
    )
    from finn.transformation.fpgadataflow.convert_to_hw.thresholding import InferThresholdingLayer
    from finn.transformation.fpgadataflow.create_dataflow_partition import CreateDataflowPartition
    from finn.transformation.fpgadataflow.minimize_accumulator_width import MinimizeAccumulatorWidth
    from finn.transformation.fpgadataflow.minimize_weight_bit_width import MinimizeWeightBitWidth
    from finn.transformation.fpgadataflow.set_folding import SetFolding
    from finn.transformation.fpgadataflow.specialize_layers import SpecializeLayers
    from finn.transformation.move_reshape import RemoveCNVtoFCFlatten
    from finn.transformation.qonnx.convert_qonnx_to_finn import ConvertQONNXtoFINN
    from finn.transformation.streamline import Streamline
    from finn.transformation.streamline.reorder import MakeMaxPoolNHWC
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.custom_op.registry import getCustomOp
    from qonnx.transformation.bipolar_to_xnor import ConvertBipolarMatMulToXnorPopcount
    from qonnx.transformation.fold_constants import FoldConstants
    from qonnx.transformation.general import (
        GiveReadableTensorNames,
        GiveUniqueNodeNames,
        RemoveStaticGraphInputs,
        RemoveUnusedTensors,
    )
    from qonnx.transformation.infer_data_layouts import InferDataLayouts
    from qonnx.transformation.infer_datatypes import InferDataTypes
    from qonnx.transformation.infer_shapes import InferShapes
    from qonnx.transformation.insert_topk import InsertTopK
    from qonnx.transformation.lower_convs_to_matmul import LowerConvsToMatMul
    from qonnx.util.cleanup import cleanup_model

    m = cleanup_model(ModelWrapper(str(onnx_path)))
    m = m.transform(ConvertQONNXtoFINN())
    for t in (
        InferShapes(),
        FoldConstants(),
        GiveUniqueNodeNames(),
        GiveReadableTensorNames(),
        InferDataTypes(),
        RemoveStaticGraphInputs(),
    ):
        m = m.transform(t)
    if top1:
        m = m.transform(InsertTopK(k=1))
    m = m.transform(absorb.AbsorbScalarBiasIntoMultiThreshold())
    m = m.transform(Streamline())
    if m.get_nodes_by_op_type("Conv"):
        for t in (
            LowerConvsToMatMul(),
            MakeMaxPoolNHWC(),
            absorb.AbsorbTransposeIntoMultiThreshold(),
            MakeMaxPoolNHWC(),
            absorb.AbsorbConsecutiveTransposes(),
        ):
            m = m.transform(t)
    m = m.transform(ConvertBipolarMatMulToXnorPopcount())
    m = m.transform(Streamline())
    m = m.transform(absorb.AbsorbScalarMulAddIntoTopK())
    m = m.transform(InferDataLayouts())
    m = m.transform(RemoveUnusedTensors())
    for t in (
        InferBinaryMatrixVectorActivation(),
        InferQuantizedMatrixVectorActivation(),
        InferLabelSelectLayer(),
        InferThresholdingLayer(),
        InferPool(),
        InferConvInpGen(),
        RemoveCNVtoFCFlatten(),
        absorb.AbsorbConsecutiveTransposes(),
        GiveUniqueNodeNames(),
        InferDataLayouts(),
        InferDataTypes(),
        InferShapes(),
    ):
        m = m.transform(t)
    parent = m.transform(CreateDataflowPartition(partition_model_dir=str(work_dir / "partitions")))
    sdp = parent.get_nodes_by_op_type("StreamingDataflowPartition")[0]
    m = ModelWrapper(str(getCustomOp(sdp).get_nodeattr("model")))
    m = m.transform(SpecializeLayers(fpga_part))
    for t in (GiveUniqueNodeNames(), InferShapes(), InferDataTypes()):
        m = m.transform(t)
    m = m.transform(SetFolding(int(1e9 / clk_ns / target_fps)))
    if folding_seed is not None:
        m = randomize_folding(m, folding_seed)
    m = m.transform(MinimizeWeightBitWidth())
    m = m.transform(MinimizeAccumulatorWidth())
    m = m.transform(InferDataTypes())
    return m
