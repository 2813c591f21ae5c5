"""Build directories: the build never moves, hides or deletes what it did not create (#14)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pcnn_hw.compile.build import BuildResult, step_path
from pcnn_hw.errors import ModelMismatchError, OutputPathError


def test_refuses_foreign_directory(mlp_onnx: Path, tmp_path: Path, build_fn) -> None:
    """A non-empty directory that is not a build of ours is refused and left exactly as it was."""
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    with pytest.raises(OutputPathError, match="not a pcnn-hw build directory"):
        build_fn(mlp_onnx, out)
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    assert not list(tmp_path.glob(".mine.*"))
    with pytest.raises(OutputPathError):  # --force does not make a foreign directory ours
        build_fn(mlp_onnx, out, force=True)
    assert (out / "notes.txt").read_text() == "keep me"


def test_refuses_output_containing_or_being_the_input(tmp_path: Path, mlp_onnx: Path, build_fn) -> None:
    """`build m.onnx -o .` and `build m.onnx -o m.onnx` are refused; the model stays where it is."""
    model = tmp_path / "m.onnx"
    shutil.copyfile(mlp_onnx, model)
    for out in (tmp_path, model, tmp_path.parent):
        with pytest.raises(OutputPathError, match="input"):
            build_fn(model, out, force=True)
    assert model.read_bytes() == mlp_onnx.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.onnx"]


def test_existing_file_refused(mlp_onnx: Path, tmp_path: Path, build_fn) -> None:
    """An existing file as build directory is refused (never renamed aside)."""
    f = tmp_path / "out"
    f.write_text("data")
    with pytest.raises(OutputPathError, match="existing file"):
        build_fn(mlp_onnx, f, force=True)
    assert f.read_text() == "data" and sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_replace_needs_force_and_keeps_user_files(
    mlp_onnx: Path, mlp_build: BuildResult, tmp_path: Path, build_fn
) -> None:
    """Rebuilding into a build of ours needs --force and replaces only what the build made."""
    out = tmp_path / "b"
    shutil.copytree(mlp_build.out_dir, out)
    state = json.loads((out / "build.json").read_text())
    assert state["pcnn_hw_build"] == 1 and "folded.onnx" in state["outputs"]
    (out / "my_notes.md").write_text("mine")
    (out / "steps" / "stale.onnx").write_text("old build's, goes with steps/")
    with pytest.raises(OutputPathError, match="--force"):
        build_fn(mlp_onnx, out)
    res = build_fn(mlp_onnx, out, folding="max", force=True)
    assert res.report["folding"] == "max"
    assert (out / "my_notes.md").read_text() == "mine"
    assert not (out / "steps" / "stale.onnx").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_empty_directory_is_fine(mlp_onnx: Path, tmp_path: Path, build_fn) -> None:
    """An existing empty directory is used as the build directory."""
    out = tmp_path / "empty"
    out.mkdir()
    build_fn(mlp_onnx, out)
    assert (out / "folded.onnx").is_file()


def test_resume_with_another_model_refused(
    mlp_build: BuildResult, cnn_onnx: Path, mlp_onnx: Path, tmp_path: Path, build_fn
) -> None:
    """`build NEW.onnx --from-step folding -o OLD` names both models; step 1 restarts are allowed."""
    out = tmp_path / "b"
    shutil.copytree(mlp_build.out_dir, out)
    before = step_path(out, "streamline").read_bytes()
    with pytest.raises(ModelMismatchError, match="was made from model .*mlp.onnx"):
        build_fn(cnn_onnx, out, from_step="folding")
    assert step_path(out, "streamline").read_bytes() == before
    digest = json.loads((out / "build.json").read_text())["input_sha256"]
    import hashlib

    data = mlp_onnx.with_name(mlp_onnx.name + ".data")  # the weights, stored beside the graph
    assert digest == hashlib.sha256(mlp_onnx.read_bytes() + data.read_bytes()).hexdigest()


def test_cli_foreign_dir_one_line(mlp_onnx: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """The CLI prints one error line, exit 1."""
    from pcnn_hw.cli import main

    (tmp_path / "x").write_text("x")
    assert main(["build", str(mlp_onnx), "-o", str(tmp_path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("pcnn-hw build: error:")
