"""Simulator error paths: unsupported node, corrupt ONNX file."""

from __future__ import annotations

import pytest
from onnx import TensorProto, helper

from pcnn_hw.errors import ModelFileError, UnsupportedOpError
from pcnn_hw.sim.executor import Simulator


def test_unsupported_node_named() -> None:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])
    g = helper.make_graph([helper.make_node("Sigmoid", ["x"], ["y"], name="act_7")], "g", [x], [y])
    with pytest.raises(UnsupportedOpError, match="act_7.*Sigmoid.*supported: .*MVAU"):
        Simulator(helper.make_model(g))


def test_corrupt_onnx(tmp_path) -> None:
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\x08\x07garbage-not-a-model" * 3)
    with pytest.raises(ModelFileError, match="bad.onnx"):
        Simulator(bad)
    with pytest.raises(ModelFileError, match="no such"):
        Simulator(tmp_path / "missing.onnx")
