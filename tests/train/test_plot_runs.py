"""`pcnn-hw plot runs/a runs/b -o F.png`: one line per run and panel; never replaces a foreign file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pcnn_hw.cli import main
from pcnn_hw.errors import ConfigError
from pcnn_hw.train.report import _load_history, plot_runs, runs_figure


def _run(root: Path, name: str, acc: list[float], lp: float = 0.0) -> Path:
    d = root / name
    d.mkdir(parents=True)
    hist = [{"epoch": i + 1, "train_loss": 2.0 - 0.1 * i, "lp": lp, "train_acc": a, "test_acc": a}
            for i, a in enumerate(acc)]
    (d / "metrics.json").write_text(json.dumps({"model": "sfc", "history": hist}))
    return d


def test_figure_has_one_line_per_run(tmp_path: Path) -> None:
    a, b = _run(tmp_path, "a", [0.5, 0.7, 0.8], lp=0.01), _run(tmp_path, "b", [0.4, 0.6])
    fig = runs_figure([_load_history(a), _load_history(b)], ["a", "b"])
    axes = fig.axes
    assert len(axes) == 3  # L_S, L_P, accuracy (run a has L_P)
    acc_lines = axes[-1].get_lines()
    assert [ln.get_label() for ln in acc_lines] == ["a", "b"]
    assert list(acc_lines[0].get_ydata()) == pytest.approx([50, 70, 80])
    assert list(acc_lines[1].get_xdata()) == [1, 2]
    assert len(runs_figure([_load_history(b)], ["b"]).axes) == 2  # no L_P panel without L_P


def test_plot_cli_and_overwrite_rules(tmp_path: Path, capsys) -> None:
    a, b = _run(tmp_path / "x", "run", [0.5, 0.6]), _run(tmp_path / "y", "run", [0.4, 0.7])
    out = tmp_path / "cmp.png"
    assert main(["plot", str(a), str(b), "-o", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["plot", str(a), "-o", str(out)]) == 0  # our own file: replaced
    foreign = tmp_path / "mine.png"
    foreign.write_bytes(b"not ours")
    assert main(["plot", str(a), "-o", str(foreign)]) == 1
    err = capsys.readouterr().err
    assert "not written by `pcnn-hw plot`" in err and foreign.read_bytes() == b"not ours"
    assert main(["plot", str(a), "-o", str(foreign), "--force"]) == 0
    assert foreign.read_bytes()[:4] == b"\x89PNG"


def test_bad_run_dir_is_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="metrics.json"):
        plot_runs([tmp_path / "nope"], tmp_path / "o.png")
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "metrics.json").write_text('{"history": []}')
    with pytest.raises(ConfigError, match="history"):
        plot_runs([tmp_path / "r"], tmp_path / "o.png")
    assert not (tmp_path / "o.png").exists()
