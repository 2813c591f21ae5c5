"""Third-party input quantizers: float-scale Brevitas quantizers become thresholds on the uint8 stream."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from pcnn_hw.compile import randnets
from pcnn_hw.compile.build import build
from pcnn_hw.errors import QuantizationError

CNN = {"convs": [{"out": 8, "k": 3, "pool": True}], "fcs": [16], "in_shape": (1, 10, 10), "classes": 6}


def _spec(seed: int, quant: randnets.InputQuant, **kw: object) -> randnets.NetSpec:
    return randnets.NetSpec(seed, "chain", input_quant=quant, **{**CNN, **kw})  # type: ignore[arg-type]


def _images(shape: tuple[int, ...], n: int = 12) -> np.ndarray:
    x = np.random.default_rng(0).integers(0, 256, size=(n, *shape)) / 255.0
    return np.concatenate([x, np.zeros((1, *shape)), np.ones((1, *shape))]).astype(np.float32)


def _build_and_ladder(spec: randnets.NetSpec, tmp: Path) -> tuple[list, object]:
    from qonnx.core.modelwrapper import ModelWrapper

    from pcnn_hw.board.level import board_level
    from pcnn_hw.verify.ladder import finn_level, qonnx_level, run_ladder, sim_level, torch_level

    model, onnx = randnets.export(spec, tmp / "m.onnx")
    res = build(onnx, tmp / "b", "pynq-z2", stream=io.StringIO())
    folded = ModelWrapper(str(res.model_path))
    levels = [torch_level(model), qonnx_level(onnx), finn_level(folded),
              sim_level(folded, build_dir=res.out_dir), board_level(res.out_dir, None)]  # fmt: skip
    return run_ladder(levels, _images(spec.in_shape), None), folded


def _assert_agree(results: list) -> None:
    for r in results:
        assert not r.mismatches, f"{r.name}: {r.detail}"


FAST = [
    randnets.InputQuant("stats", True, 8),  # the Int8ActPerTensorFloat (learned, signed)
    randnets.InputQuant("param", False, 4, 0.9 / 15),
    randnets.InputQuant("const", True, 3, 0.4),
]
SLOW = [
    randnets.InputQuant(kind, signed, bits, (0.5 if signed else 1.2) / (2 ** (bits - signed) - 1))
    for kind in ("const", "param") for signed in (False, True) for bits in (2, 5, 8)
]


@pytest.mark.parametrize("quant", FAST, ids=lambda q: f"{'s' if q.signed else 'u'}{q.bits}-{q.kind}")
def test_float_input_quantizer_builds_and_agrees(quant, tmp_path):
    results, folded = _build_and_ladder(_spec(3, quant), tmp_path)
    _assert_agree(results)
    first = folded.graph.node[0]
    assert first.op_type.startswith("Thresholding")  # the quantizer, on the uint8 pixel stream
    assert folded.get_tensor_datatype(first.input[0]).name == "UINT8"
    thr = folded.get_initializer(first.input[1])
    assert thr.min() >= 0 and thr.max() <= 256 and thr.shape[-1] == 2**quant.bits - 1


@pytest.mark.slow
@pytest.mark.parametrize("quant", SLOW, ids=lambda q: f"{'s' if q.signed else 'u'}{q.bits}-{q.kind}")
def test_input_quantizer_matrix(quant, tmp_path):
    _assert_agree(_build_and_ladder(_spec(5, quant, fcs=[]), tmp_path)[0])


def test_mlp_with_learned_signed_input(tmp_path):
    quant = randnets.InputQuant("stats", True, 8)
    spec = randnets.NetSpec(7, "chain", (1, 6, 6), quant, fcs=[32, 16], classes=4)
    _assert_agree(_build_and_ladder(spec, tmp_path)[0])


def _export_with_input(tmp: Path, quant_module: object) -> Path:
    import torch
    from brevitas.export import export_qonnx
    from brevitas.nn import QuantConv2d, QuantLinear
    from brevitas.quant import SignedBinaryWeightPerTensorConst as wq

    torch.manual_seed(0)
    conv = QuantConv2d(2, 4, 3, bias=False, weight_quant=wq)
    fc = QuantLinear(4 * 4 * 4, 3, bias=False, weight_quant=wq)
    model = torch.nn.Sequential(quant_module, conv, torch.nn.Flatten(), fc)
    model.eval()
    export_qonnx(model, torch.zeros(1, 2, 6, 6), str(tmp / "m.onnx"))
    return tmp / "m.onnx"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"bit_width": 12}, "bit width \\[12.0\\] is not supported.*at most 8 bits"),
        ({"scaling_per_output_channel": True, "per_channel_broadcastable_shape": (1, 2, 1, 1),
          "scaling_stats_permute_dims": (1, 0, 2, 3)}, "per-channel scale"),  # fmt: skip
    ],
)
def test_unsupported_input_quantizers_are_typed(kwargs, message, tmp_path):
    from brevitas.nn import QuantIdentity
    from brevitas.quant import Int8ActPerTensorFloat

    quant = QuantIdentity(act_quant=Int8ActPerTensorFloat, return_quant_tensor=True, **kwargs)
    onnx = _export_with_input(tmp_path, quant)
    with pytest.raises(QuantizationError, match=f"input quantizer .*{message}"):
        build(onnx, tmp_path / "b", "pynq-z2", stream=io.StringIO())
    assert not (tmp_path / "b").exists()


def test_input_quantizer_with_zero_point_is_typed(tmp_path):
    """An asymmetric quantizer (zero point 3, as Brevitas' shifted quantizers export once trained)."""
    import onnx
    from brevitas.nn import QuantIdentity
    from brevitas.quant import Uint8ActPerTensorFloat
    from onnx import numpy_helper

    quant_module = QuantIdentity(act_quant=Uint8ActPerTensorFloat, return_quant_tensor=True)
    path = _export_with_input(tmp_path, quant_module)
    proto = onnx.load(str(path))
    quant = next(n for n in proto.graph.node if n.op_type == "Quant")
    for init in proto.graph.initializer:
        if init.name == quant.input[2]:
            init.CopyFrom(numpy_helper.from_array(np.array(3.0, dtype=np.float32), init.name))
    onnx.save(proto, str(path))
    with pytest.raises(QuantizationError, match="zero point \\[3.0\\] is not supported"):
        build(path, tmp_path / "b", "pynq-z2", stream=io.StringIO())
