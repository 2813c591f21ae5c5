"""The QONNX level runs a raw Brevitas export (no intermediate shapes) and never writes the user's file."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest


@pytest.fixture(scope="module")
def raw_export(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, Path]:
    """A mini MLP exported by Brevitas, its intermediate shape annotations removed (as some raw
    ``export_qonnx`` files have them: qonnx's ``execute_onnx`` then refuses the graph)."""
    import onnx
    import torch
    from brevitas.export import export_qonnx

    from pcnn_hw.compile import testmodels

    model = testmodels.mini_mlp(in_features=64, seed=3).eval()
    path = tmp_path_factory.mktemp("raw") / "raw.onnx"
    export_qonnx(model, torch.zeros(1, 1, 8, 8), str(path))
    proto = onnx.load(str(path))
    del proto.graph.value_info[:]
    onnx.save(proto, str(path))
    return model, path


def test_raw_export_needs_cleaning(raw_export):
    """The reproducer: qonnx executes the file as written only after shape inference."""
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.core.onnx_exec import execute_onnx

    _, path = raw_export
    m = ModelWrapper(str(path))
    with pytest.raises(Exception, match="unspecified tensor shapes"):
        execute_onnx(m, {m.graph.input[0].name: np.zeros((1, 1, 8, 8), np.float32)})


def test_qonnx_level_runs_raw_export_and_leaves_file_unchanged(raw_export):
    import torch

    from pcnn_hw.verify.ladder import qonnx_level

    model, path = raw_export
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    files = sorted(p.name for p in path.parent.iterdir())
    x = (np.random.default_rng(0).integers(0, 256, (5, 1, 8, 8)) / 255.0).astype(np.float32)
    labels, raw = qonnx_level(path).predict(x)
    with torch.no_grad():
        ref = model(torch.from_numpy(x)).numpy()
    assert np.allclose(raw, ref, atol=1e-5)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in path.parent.iterdir()) == files  # nothing written beside it


def test_qonnx_level_unreadable_file_is_typed(tmp_path: Path):
    from pcnn_hw.errors import ModelFileError
    from pcnn_hw.verify.ladder import qonnx_level

    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not an onnx file")
    with pytest.raises(ModelFileError, match="bad.onnx"):
        qonnx_level(bad)
