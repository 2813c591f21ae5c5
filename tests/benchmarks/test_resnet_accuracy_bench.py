"""benchmarks/resnet_accuracy.py's documented CIFAR-10 command without data: one typed error, nothing run."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import resnet_accuracy  # noqa: E402 (a benchmark script)


@pytest.mark.parametrize("root", [None, "missing-dir"])
def test_cifar10_without_data_fails_with_typed_error(root: str | None, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """--data cifar10 with no (or a missing) --data-root: exit 2 naming DatasetError and what to pass,
    before any training run or results file exists."""
    argv = ["--data", "cifar10", "--epochs", "1", "--seeds", "1", "--workers", "1", "--no-build",
            "--runs-dir", str(tmp_path / "runs"), "--results", str(tmp_path / "res")]
    if root is not None:
        argv += ["--data-root", str(tmp_path / root)]
    assert resnet_accuracy.main(argv) == 2
    err = capsys.readouterr().err
    assert "DatasetError" in err
    assert ("--data-root DIR" if root is None else "missing-dir") in err
    assert not (tmp_path / "runs").exists() and not (tmp_path / "res.json").exists()
