"""`pcnn-hw verify` refuses bad inputs before any work, with a typed one-line error (#14)."""

from __future__ import annotations

import shutil
from pathlib import Path

import onnx
import pytest
from onnx import TensorProto, helper

from pcnn_hw.cli import main
from pcnn_hw.errors import ConfigError
from pcnn_hw.verify.cli import choose_dataset


def _err(capsys: pytest.CaptureFixture) -> str:
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pcnn-hw verify: error:"), lines
    return lines[0]


@pytest.fixture
def tfc_copy(folded_cases, tmp_path: Path) -> tuple[Path, Path]:
    """A private copy of the tfc build directory (and its model) to break."""
    case = folded_cases("tfc")
    build = tmp_path / "build"
    shutil.copytree(case.build_dir, build)
    return case.onnx_path, build


@pytest.mark.parametrize(
    ("remove", "needle"),
    [
        ("folded.onnx", "folded.onnx: missing"),
        ("weights", "weights: missing"),
        ("weights/index.json", "index.json: missing"),
        ("build.json", "build.json: missing"),
        ("one weight file", ".weights.npy missing (listed in index.json)"),
    ],
)
def test_missing_artifact_named(remove: str, needle: str, tfc_copy, capsys) -> None:
    """A missing artefact is named; verify does not fall back to the graph's own weights."""
    model, build = tfc_copy
    victim = build / remove
    if remove == "one weight file":
        victim = sorted((build / "weights").glob("*.weights.npy"))[0]
    shutil.rmtree(victim) if victim.is_dir() else victim.unlink()
    assert main(["verify", str(model), str(build), "--limit", "2", "--no-csim"]) == 1
    assert needle in _err(capsys)


def test_build_of_another_model(tfc_copy, tmp_path: Path, capsys) -> None:
    """A model file that is not the one the build was made from: both named, before any work."""
    model, build = tfc_copy
    other = onnx.load(str(model))
    helper.set_model_props(other, {"note": "changed"})
    onnx.save(other, str(tmp_path / "other.onnx"))
    assert main(["verify", str(tmp_path / "other.onnx"), str(build), "--limit", "2"]) == 1
    msg = _err(capsys)
    assert f"build {build} was made from model" in msg and "other.onnx" in msg and "sha256" in msg


@pytest.mark.parametrize("limit", ["0", "-5"])
def test_bad_limit(limit: str, tfc_copy, capsys) -> None:
    model, build = tfc_copy
    assert main(["verify", str(model), str(build), "--limit", limit]) == 1
    assert "--limit must be >= 1" in _err(capsys)


def _graph(shape: list[int], op: str = "Relu") -> onnx.ModelProto:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, shape)
    return helper.make_model(helper.make_graph([helper.make_node(op, ["x"], ["y"])], "g", [x], [y]))


def test_float_model(tfc_copy, tmp_path: Path, capsys) -> None:
    """A float (non-quantized) ONNX model is a typed error."""
    _, build = tfc_copy
    onnx.save(_graph([1, 1, 28, 28]), str(tmp_path / "float.onnx"))
    assert main(["verify", str(tmp_path / "float.onnx"), str(build)]) == 1
    assert "not a quantized QONNX model" in _err(capsys)


def test_dataset_chosen_by_input_shape(tmp_path: Path) -> None:
    """No dataset recorded: the one whose images fit the input; none fits / a wrong --data → error."""
    m = tmp_path / "m.onnx"
    assert choose_dataset(m, _graph([1, 3, 32, 32]), None) == "cifar10"
    assert choose_dataset(m, _graph([1, 784]), None) == "mnist5k"
    with pytest.raises(ConfigError, match="none matches its input"):
        choose_dataset(m, _graph([1, 1, 12, 12]), None)
    with pytest.raises(ConfigError, match="--data mnist5k: its images have 784 values.*use --data cifar10"):
        choose_dataset(m, _graph([1, 3, 32, 32]), "mnist5k")
    recorded = _graph([1, 3, 32, 32])
    helper.set_model_props(recorded, {"pcnn_hw.dataset": "cifar10"})
    assert choose_dataset(m, recorded, None) == "cifar10"
