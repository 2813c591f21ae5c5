"""Whole-model report: `pcnn-hw huffman` on an exported model, every layer round-trip checked."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np


def test_huffman_command_on_exported_model(tmp_path: Path):
    from pcnn_hw.compile import testmodels
    from pcnn_hw.compress.onnx_weights import binary_weights

    onnx = testmodels.export_mini_cnn(tmp_path / "cnn.onnx", seed=1)
    out = tmp_path / "huffman.json"
    proc = subprocess.run([sys.executable, "-m", "pcnn_hw.cli", "huffman", str(onnx), "-o", str(out)],
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    rep = json.loads(out.read_text())
    layers = binary_weights(onnx)
    assert [r["layer"] for r in rep["layers"]] == [name for name, _, _ in layers]
    assert rep["packed_bits"] == sum(int(np.prod(s.shape)) for _, s, _ in layers)
    assert rep["coded_bits"] == sum(r["total_bits"] for r in rep["layers"])
    assert rep["ratio"] >= 1.0 and rep["stored_bits"] == min(rep["packed_bits"], rep["coded_bits"])
    assert "entropy bound" in proc.stdout and "stored" in proc.stdout
