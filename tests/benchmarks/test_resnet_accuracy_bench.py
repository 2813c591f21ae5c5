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


def test_markdown_has_our_model_cost_beside_finns() -> None:
    """A cost row shows FINN's estimate and our model's LUT / BRAM36; a stored row from before the model
    columns shows '-' there (old results tabulate unchanged otherwise)."""
    settings = {"data": "mnist5k", "epochs": 1, "batch_size": 100, "lr": 2e-3, "seeds": 1, "board": "pynq-z2",
                "workers": 1, "machine": "x", "wall_time_s": 60.0, "load_average": "0"}
    base = {"model": "resnet-mini", "variant": "pcnn", "per_seed": [0.9], "mean": 0.9, "std": 0.0,
            "time_s": 1.0, "epochs_done": [1]}
    cost = {"LUT": 37126.0, "BRAM36": 67.0, "bottleneck_cycles": 2028, "fps": 49310.0}
    md = resnet_accuracy.to_markdown([{**base, "cost": {**cost, "model_LUT": 21000.4, "model_BRAM36": 2.5}},
                                      {**base, "variant": "sign", "cost": cost}], settings)
    rows = [line for line in md.splitlines() if line.startswith("| resnet-mini")]
    assert "| 37,126 | 67 | 21,000 / 2.5 | 2,028 | 49,310 |" in rows[0]
    assert "| 37,126 | 67 | - | 2,028 | 49,310 |" in rows[1]
    assert "our model LUT / BRAM36" in md
