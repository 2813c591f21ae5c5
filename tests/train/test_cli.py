"""`pcnn-hw train`: a quick run, --resume from the checkpoint's options, one-line errors with exit code 1."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from pcnn_hw.cli import main
from pcnn_hw.data.synthetic import write_fake_cifar10
from pcnn_hw.quant import QuantConfig
from pcnn_hw.train.cli import RUN_DEFAULTS
from pcnn_hw.train.settings import DEFAULTS


def test_quick_run_then_resume_takes_options_from_checkpoint(tmp_path, capsys):
    out = tmp_path / "run"
    common = ["train", "-o", str(out), "--quiet"]
    first_run = ["--model", "tfc", "--epochs", "1", "--limit-train", "200", "--batch-size", "50"]
    assert main([*common, *first_run]) == 0
    first = json.loads(capsys.readouterr().out.splitlines()[0])
    assert first["model"] == "tfc" and first["epochs_done"] == 1
    assert main([*common, "--resume", "--epochs", "2"]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["model"] == "tfc" and metrics["epochs_done"] == 2
    assert metrics["train_size"] == 200 and metrics["hparams"]["batch_size"] == 50


@pytest.mark.parametrize(
    "args, message",
    [
        (["--model", "resnet50"], "unknown model 'resnet50'"),
        (["--projections", "0"], r"--projections \(J\) must be an integer >= 1, got 0"),
        (["--quant", "sign", "-J", "2"], "--projections > 1 needs --quant pcnn"),
        (["--lam", "-1"], "--lam"),
        (["--epochs", "0"], "--epochs must be"),
        (["--data", "cifar10", "--data-root", "{tmp}/no_such_dir"], "no_such_dir does not exist"),
        (["--data", "svhn"], "unknown dataset 'svhn'"),
        (["--resume", "-o", "{tmp}/fresh"], "fresh/checkpoint.pt does not exist"),
        (["--resume", "-o", "{tmp}/corrupt"], "corrupt/checkpoint.pt is corrupt"),
    ],
)
def test_bad_input_one_line_error_exit_1(tmp_path, capsys, args, message):
    (tmp_path / "corrupt").mkdir()
    (tmp_path / "corrupt" / "checkpoint.pt").write_bytes(b"PK\x03\x04 truncated")
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    if "-o" not in args:
        args += ["-o", str(tmp_path / "out")]
    assert main(["train", "--quiet", *args]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("pcnn-hw train: error: ")
    assert __import__("re").search(message, err), err
    assert not (tmp_path / "out").exists()


def test_console_script_exit_code(tmp_path):
    """The real process exit code; -J 0 is rejected before torch or brevitas are imported."""
    proc = subprocess.run(
        [sys.executable, "-m", "pcnn_hw.cli", "train", "-J", "0", "-o", str(tmp_path)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 1
    assert proc.stderr.strip() == "pcnn-hw train: error: --projections (J) must be an integer >= 1, got 0"
    assert not any(tmp_path.iterdir())


def test_cli_defaults_match_library_defaults():
    cfg = QuantConfig()
    assert (RUN_DEFAULTS["quant"], RUN_DEFAULTS["projections"], RUN_DEFAULTS["lam"], RUN_DEFAULTS["eta"]) == (
        cfg.kind, cfg.projections, cfg.lam, cfg.eta,
    )  # fmt: skip
    assert RUN_DEFAULTS["per_channel_scale"] == cfg.per_channel_scale
    for key in ("epochs", "batch_size", "lr", "seed", "threads", "schedule"):
        assert RUN_DEFAULTS[key] == DEFAULTS[key]


def test_cifar10_directory_and_resume_keeps_data_root(tmp_path, capsys):
    root = tmp_path / "cifar"
    write_fake_cifar10(root, images_per_batch=8)
    out = tmp_path / "run"
    base = ["train", "-o", str(out), "--quiet"]
    assert main([*base, "--model", "tfc", "--data", "cifar10", "--data-root", str(root), "--epochs", "1",
                 "--batch-size", "10", "--quant", "sign"]) == 0  # fmt: skip
    assert main([*base, "--resume", "--epochs", "2"]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert (metrics["dataset"], metrics["data_root"], metrics["train_size"]) == ("cifar10", str(root), 40)
    assert metrics["quant"]["kind"] == "sign" and metrics["epochs_done"] == 2


def test_digits_dataset(tmp_path):
    assert main(["train", "--quiet", "--model", "tfc", "--data", "digits", "--epochs", "1",
                 "--limit-train", "300", "-o", str(tmp_path)]) == 0  # fmt: skip
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["dataset"] == "digits" and metrics["test_size"] == 359
