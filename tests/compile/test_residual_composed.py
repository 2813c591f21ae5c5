"""FastComposedTransformation: the residual streamline gives byte-identical graphs to qonnx's engine."""

from __future__ import annotations

import io
import random

import pytest
import torch

import pcnn_hw.compile.composed as composed
from pcnn_hw.compile import residual
from pcnn_hw.compile.build import build
from pcnn_hw.compile.steps import DEFAULT_STEPS
from pcnn_hw.export import export_model
from pcnn_hw.models import randomize_batchnorm
from pcnn_hw.models import resnet as resnet_models
from pcnn_hw.quant import QuantConfig


def _streamlined(model_path, monkeypatch, use_fast: bool) -> bytes:
    from qonnx.core.modelwrapper import ModelWrapper

    if not use_fast:
        monkeypatch.setattr(composed, "fast", lambda tr: tr)  # qonnx's own ComposedTransformation
    random.seed(1234)
    out = residual.streamline(ModelWrapper(str(model_path)))
    monkeypatch.undo()
    return out.model.SerializeToString()


@pytest.mark.slow
def test_fast_composed_equals_qonnx_composed(tmp_path, monkeypatch):
    monkeypatch.setitem(resnet_models.RESNET_PLANS, "resnet-mini", (4, 0, [(4, 1), (8, 2), (8, 1)]))
    torch.manual_seed(0)
    model = randomize_batchnorm(resnet_models.BinaryResNet("resnet-mini", (1, 8, 8), 10, QuantConfig()))
    monkeypatch.undo()
    model.eval()
    export_model(model, (1, 8, 8), tmp_path / "m.onnx", torch.rand(2, 1, 8, 8))
    res = build(tmp_path / "m.onnx", tmp_path / "b", "pynq-z2", steps=DEFAULT_STEPS[:3], stream=io.StringIO())
    fast = _streamlined(res.model_path, monkeypatch, True)
    slow = _streamlined(res.model_path, monkeypatch, False)
    assert fast == slow
