"""pcnn_hw/outputs.py and the file outputs of export, huffman, deploy, train (#14): a directory given
as a file output, or a file we did not write, is one clear error and stays untouched."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from pcnn_hw.cli import main
from pcnn_hw.errors import OutputPathError
from pcnn_hw.outputs import check_file_output, check_not_input, user_cache_dir


def _one_line_error(capsys: pytest.CaptureFixture, cmd: str, needle: str) -> None:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"pcnn-hw {cmd}: error:") and needle in err[0], err


@pytest.mark.parametrize(
    "argv",
    [
        ["export", "ckpt.pt", "-o", "{d}"],
        ["huffman", "m.onnx", "-o", "{d}"],
        ["deploy", "build/x", "-o", "{d}"],
    ],
)
def test_existing_directory_as_file_output(argv, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """`export/huffman/deploy -o DIR` with an existing directory: typed error, not IsADirectoryError."""
    (tmp_path / "d").mkdir()
    args = [a.format(d=tmp_path / "d") for a in argv]
    assert main(args) == 1
    _one_line_error(capsys, argv[0], "is an existing directory")


@pytest.mark.parametrize(
    "argv",
    [
        ["export", "ckpt.pt", "-o", "{f}"],
        ["huffman", "m.onnx", "-o", "{f}"],
        ["deploy", "build/x", "-o", "{f}"],
    ],
)
def test_foreign_file_not_overwritten(argv, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """An existing file we did not write is refused and keeps its contents."""
    f = tmp_path / "users_file"
    f.write_text("precious")
    assert main([a.format(f=f) for a in argv]) == 1
    _one_line_error(capsys, argv[0], "not written by pcnn-hw")
    assert f.read_text() == "precious"


def test_our_files_are_recognised(tmp_path: Path) -> None:
    """Our own huffman JSON and deployment zip may be overwritten; a foreign zip may not."""
    from pcnn_hw.board.deploy import _is_our_zip
    from pcnn_hw.outputs import is_ours_json

    j = tmp_path / "h.json"
    j.write_text(json.dumps({"layers": [], "ratio": 1.0}))
    check_file_output(j, is_ours=lambda p: is_ours_json(p, ("layers", "ratio")))
    ours, foreign = tmp_path / "ours.zip", tmp_path / "foreign.zip"
    with zipfile.ZipFile(ours, "w") as z:
        z.writestr("x/accelerator.json", "{}")
        z.writestr("x/README.md", "")
    with zipfile.ZipFile(foreign, "w") as z:
        z.writestr("photos/a.jpg", "")
    check_file_output(ours, is_ours=_is_our_zip)
    with pytest.raises(OutputPathError):
        check_file_output(foreign, is_ours=_is_our_zip)
    check_file_output(foreign, is_ours=_is_our_zip, force=True)


def test_output_is_or_contains_input(tmp_path: Path) -> None:
    """The input itself, or a directory containing it, is never an output."""
    m = tmp_path / "sub" / "m.onnx"
    for out in (m, m.parent, tmp_path):
        with pytest.raises(OutputPathError, match="input"):
            check_not_input(out, [m])
    check_not_input(tmp_path / "other", [m])
    check_not_input(m.parent / "b", [m])


def test_train_refuses_foreign_run_files(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """`train -o DIR` where DIR holds a metrics.json that is not ours, or DIR is a file."""
    (tmp_path / "metrics.json").write_text("my own metrics")
    assert main(["train", "--quiet", "--epochs", "1", "-o", str(tmp_path)]) == 1
    _one_line_error(capsys, "train", "metrics.json")
    assert (tmp_path / "metrics.json").read_text() == "my own metrics"
    f = tmp_path / "file"
    f.write_text("x")
    assert main(["train", "--quiet", "--epochs", "1", "-o", str(f)]) == 1
    _one_line_error(capsys, "train", "existing file")


def test_user_cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """$XDG_CACHE_HOME/pcnn-hw/..., else a per-user temp folder when that is not writable."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert user_cache_dir("yosys") == tmp_path / "cache" / "pcnn-hw" / "yosys"
    blocker = tmp_path / "blocked"
    blocker.write_text("a file, so nothing can be created below it")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "tmp"))
    got = user_cache_dir("yosys")
    assert got.is_dir() and got.parent.parent == tmp_path / "tmp"
