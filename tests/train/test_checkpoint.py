"""load_checkpoint: rebuilds the model, and names the file on missing / corrupt / incompatible input."""

from __future__ import annotations

import pytest
import torch

from pcnn_hw.errors import CheckpointError
from pcnn_hw.quant import QuantConfig
from pcnn_hw.train import load_checkpoint, train
from pcnn_hw.train.checkpoint import capture_rng, restore_rng


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, mnist_small):
    out = tmp_path_factory.mktemp("run")
    train("tfc", QuantConfig(), mnist_small, epochs=1, batch_size=60, out_dir=out, progress=False)
    return out


def test_loads_from_file_or_directory(run_dir):
    model_a, meta = load_checkpoint(run_dir)
    model_b, _ = load_checkpoint(run_dir / "checkpoint.pt")
    assert meta["path"] == str(run_dir / "checkpoint.pt") and meta["hparams"]["batch_size"] == 60
    x = torch.rand(4, 1, 28, 28)
    with torch.no_grad():
        assert torch.equal(model_a(x), model_b(x))


def test_missing_file(tmp_path):
    with pytest.raises(CheckpointError, match=f"checkpoint {tmp_path / 'x.pt'} does not exist"):
        load_checkpoint(tmp_path / "x.pt")


@pytest.mark.parametrize("cut", [0, 100, 2000, -200])
def test_truncated_or_garbage(tmp_path, run_dir, cut):
    data = (run_dir / "checkpoint.pt").read_bytes()
    bad = tmp_path / "bad.pt"
    bad.write_bytes(data[:cut] if cut else b"not a checkpoint at all")
    with pytest.raises(CheckpointError, match=f"checkpoint {bad}"):
        load_checkpoint(bad)


def _edited(tmp_path, run_dir, **changes):
    state = torch.load(run_dir / "checkpoint.pt", weights_only=True)
    state.update(changes)
    path = tmp_path / "edited.pt"
    torch.save(state, path)
    return path


def test_incompatible_contents(tmp_path, run_dir):
    with pytest.raises(CheckpointError, match="does not fit model 'sfc'"):
        load_checkpoint(_edited(tmp_path, run_dir, model_name="sfc"))
    with pytest.raises(CheckpointError, match="cannot be built.*unknown model 'vgg'"):
        load_checkpoint(_edited(tmp_path, run_dir, model_name="vgg"))
    with pytest.raises(CheckpointError, match="invalid quant config"):
        load_checkpoint(_edited(tmp_path, run_dir, quant={"kind": "ternary"}))
    with pytest.raises(CheckpointError, match="format version 99"):
        load_checkpoint(_edited(tmp_path, run_dir, version=99))
    with pytest.raises(CheckpointError, match="not a pcnn-hw training checkpoint"):
        load_checkpoint(_edited(tmp_path, run_dir, format="other"))
    plain = tmp_path / "weights.pt"
    torch.save({"weight": torch.zeros(2)}, plain)
    with pytest.raises(CheckpointError, match="not a pcnn-hw training checkpoint"):
        load_checkpoint(plain)


def test_rng_capture_roundtrip():
    import random

    import numpy as np

    state = capture_rng()
    first = (torch.rand(3), np.random.rand(3), random.random())
    restore_rng(state)
    again = (torch.rand(3), np.random.rand(3), random.random())
    assert torch.equal(first[0], again[0]) and np.array_equal(first[1], again[1]) and first[2] == again[2]
