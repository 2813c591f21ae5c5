"""An MLP whose 8-bit input quantizer is the identity on pixels (scale exactly 1/255) in front of the
flatten: the quantizer's identity thresholds are removed and the flatten then leads the graph; it
must be absorbed into the input too (fuzzer seed 230 failed with "Reshape was not mapped")."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import onnx

from pcnn_hw.compile import randnets
from pcnn_hw.compile.build import build


def test_identity_input_quantizer_before_flatten_builds(tmp_path: Path) -> None:
    spec = randnets.NetSpec(seed=3, in_shape=(1, 4, 4), input_quant=randnets.InputQuant("const", False, 8),
                            fcs=[16], classes=4)
    model, path = randnets.export(spec, tmp_path / "m.onnx")
    res = build(path, tmp_path / "b", "pynq-z2", folding="auto", stream=io.StringIO())
    folded = onnx.load(str(res.model_path))
    ops = [n.op_type for n in folded.graph.node]
    assert "Reshape" not in ops and "Flatten" not in ops, ops
    from pcnn_hw.compile import load_weights
    from pcnn_hw.sim import Simulator

    x = np.random.default_rng(0).integers(0, 256, size=(5, 16)).astype(np.float32)
    y = Simulator(res.model_path, memory=load_weights(tmp_path / "b")).run(x)
    import torch

    with torch.no_grad():
        ref = model(torch.from_numpy(x.reshape(5, 1, 4, 4) / 255.0)).argmax(1).numpy()
    np.testing.assert_array_equal(np.asarray(y).reshape(-1), ref)
