"""The training loop: loss goes down, outputs are written, runs are deterministic, resume is exact."""

from __future__ import annotations

import json

import pytest
import torch
import torch.nn.functional as F

from pcnn_hw.data import load_dataset
from pcnn_hw.errors import CheckpointError, ConfigError, UnknownNameError
from pcnn_hw.models import build_model
from pcnn_hw.quant import QuantConfig
from pcnn_hw.train import evaluate, load_checkpoint, train
from pcnn_hw.train import loop as loop_module
from pcnn_hw.train.loop import train_step
from pcnn_hw.train.settings import deterministic

PCNN = QuantConfig(kind="pcnn", projections=1, lam=1e-4)
FAST = {"epochs": 3, "batch_size": 60, "lr": 2e-3, "progress": False}


@pytest.mark.parametrize("cfg", [PCNN, QuantConfig(kind="sign")], ids=["pcnn", "sign"])
def test_a_few_steps_lower_the_loss_on_mnist5k(cfg):
    ds = load_dataset("mnist5k")
    x, y = ds.train_x[:500], ds.train_y[:500]
    with deterministic(threads=1):
        torch.manual_seed(0)
        model = build_model("sfc", cfg, in_shape=ds.in_shape)
        optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)

        def full_loss() -> float:
            model.eval()
            with torch.no_grad():
                return float(F.cross_entropy(model(x), y))

        before = full_loss()
        lps = []
        for step in range(25):
            idx = torch.arange(step * 20, step * 20 + 20) % 500
            model.train()
            _, lp, _ = train_step(model, optimizer, cfg, x[idx], y[idx])
            lps.append(lp)
        after = full_loss()
    assert after < 0.8 * before, (before, after)
    assert (min(lps) > 0) if cfg.kind == "pcnn" else (max(lps) == 0)


def _state(path):
    return torch.load(path / "checkpoint.pt", weights_only=True)


def _same_weights(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def _rows_without_time(metrics: dict) -> list[dict]:
    return [{k: v for k, v in row.items() if k != "time_s"} for row in metrics["history"]]


def test_train_writes_checkpoint_metrics_and_curve(tmp_path, mnist_small):
    metrics = train("tfc", PCNN, mnist_small, seed=1, out_dir=tmp_path, **FAST)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint.pt", "curve.png", "metrics.json"]
    assert (tmp_path / "curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    on_disk = json.loads((tmp_path / "metrics.json").read_text())
    assert on_disk == json.loads(json.dumps(metrics))
    assert [row["epoch"] for row in metrics["history"]] == [1, 2, 3]
    for row in metrics["history"]:
        assert set(row) == {"epoch", "lr", "train_loss", "lp", "train_acc", "test_acc", "time_s"}
        assert row["lp"] > 0 and 0 <= row["test_acc"] <= 1
    assert metrics["history"][0]["lr"] > metrics["history"][-1]["lr"]  # cosine schedule
    assert metrics["final_test_acc"] > 0.3  # 12 steps on 240 images; chance is 0.1

    model, meta = load_checkpoint(tmp_path / "checkpoint.pt")
    assert (meta["model_name"], meta["dataset"], meta["epoch"]) == ("tfc", "mnist5k", 3)
    assert meta["quant_config"] == PCNN and meta["in_shape"] == (1, 28, 28) and meta["num_classes"] == 10
    assert not model.training
    assert evaluate(model, mnist_small.test_x, mnist_small.test_y) == metrics["final_test_acc"]


def test_same_seed_same_weights_other_seed_differs(tmp_path, mnist_small):
    torch.manual_seed(7)
    expected_next = torch.rand(3)
    torch.manual_seed(7)
    train("tfc", PCNN, mnist_small, seed=3, out_dir=tmp_path / "a", **{**FAST, "epochs": 1})
    assert torch.equal(torch.rand(3), expected_next)  # the caller's RNG stream is left alone
    train("tfc", PCNN, mnist_small, seed=3, out_dir=tmp_path / "b", **{**FAST, "epochs": 1})
    train("tfc", PCNN, mnist_small, seed=4, out_dir=tmp_path / "c", **{**FAST, "epochs": 1})
    a, b, c = (_state(tmp_path / name)["model_state"] for name in "abc")
    assert _same_weights(a, b)
    assert not _same_weights(a, c)


class _Interrupted(Exception):
    pass


def test_resume_gives_bit_identical_weights(tmp_path, mnist_small, monkeypatch):
    full = train("tfc", PCNN, mnist_small, seed=5, out_dir=tmp_path / "full", **FAST)

    real_save = loop_module.save_checkpoint

    def save_then_crash(path, state):
        real_save(path, state)
        if state["epoch"] == 1:
            raise _Interrupted

    monkeypatch.setattr(loop_module, "save_checkpoint", save_then_crash)
    with pytest.raises(_Interrupted):
        train("tfc", PCNN, mnist_small, seed=5, out_dir=tmp_path / "split", **FAST)
    monkeypatch.undo()
    assert _state(tmp_path / "split")["epoch"] == 1
    torch.manual_seed(12345)  # disturb the global RNG: resume must restore it from the checkpoint
    resumed = train("tfc", PCNN, mnist_small, seed=5, out_dir=tmp_path / "split", resume=True, **FAST)

    want, got = _state(tmp_path / "full"), _state(tmp_path / "split")
    assert got["epoch"] == 3
    assert _same_weights(want["model_state"], got["model_state"])
    assert _same_weights(
        {f"{k}.{n}": t for k, s in want["optimizer_state"]["state"].items() for n, t in s.items()},
        {f"{k}.{n}": t for k, s in got["optimizer_state"]["state"].items() for n, t in s.items()},
    )
    assert _rows_without_time(full) == _rows_without_time(resumed)


def test_resume_can_extend_and_refuses_changed_settings(tmp_path, mnist_small):
    train("tfc", PCNN, mnist_small, out_dir=tmp_path, **{**FAST, "epochs": 1})
    with pytest.raises(ConfigError, match=r"lr=0\.002, not 0\.01"):
        train("tfc", PCNN, mnist_small, out_dir=tmp_path, resume=True, **{**FAST, "lr": 1e-2})
    with pytest.raises(ConfigError, match="quant="):
        train("tfc", QuantConfig(kind="sign"), mnist_small, out_dir=tmp_path, resume=True, **FAST)
    metrics = train("tfc", PCNN, mnist_small, out_dir=tmp_path, resume=True, **{**FAST, "epochs": 2})
    assert [row["epoch"] for row in metrics["history"]] == [1, 2]


def test_bad_options_fail_before_any_work(tmp_path, mnist_small):
    with pytest.raises(UnknownNameError, match="unknown model 'resnet'"):
        train("resnet", PCNN, mnist_small, out_dir=tmp_path)
    with pytest.raises(ConfigError, match="--batch-size"):
        train("tfc", PCNN, mnist_small, batch_size=0, out_dir=tmp_path)
    with pytest.raises(ConfigError, match="--lr"):
        train("tfc", PCNN, mnist_small, lr=float("nan"), out_dir=tmp_path)
    with pytest.raises(CheckpointError, match="no checkpoint"):
        train("tfc", PCNN, mnist_small, out_dir=tmp_path / "empty", resume=True)
    assert not any(tmp_path.iterdir())
