"""Sweep files: the grid they describe, Optuna suggestions, and a SweepError naming the key for bad ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from pcnn_hw.cli import main
from pcnn_hw.errors import SweepError
from pcnn_hw.explore.sweep import Range, load_sweep


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sweep.toml"
    path.write_text(text)
    return path


def test_grid_is_every_combination_of_list_axes_with_fixed_settings(tmp_path: Path) -> None:
    sweep = load_sweep(_write(tmp_path, """
[sweep]
verify_images = 7
[axes]
model = ["sfc", "mini-cnv"]
board = ["pynq-z2", "zcu104", "kv260"]
epochs = 2
projections = [3]
"""))
    grid = sweep.grid()
    assert sweep.verify_images == 7 and sweep.mode == "grid"
    assert [(t["model"], t["board"]) for t in grid] == [
        ("sfc", "pynq-z2"), ("sfc", "zcu104"), ("sfc", "kv260"),
        ("mini-cnv", "pynq-z2"), ("mini-cnv", "zcu104"), ("mini-cnv", "kv260"),
    ]
    assert {t["epochs"] for t in grid} == {2} and {t["projections"] for t in grid} == {3}
    assert {t["lut_fraction"] for t in grid} == {0.85} and {t["rtl"] for t in grid} == {False}  # defaults


def test_search_mode_reads_ranges_and_suggests_from_them(tmp_path: Path) -> None:
    import optuna

    sweep = load_sweep(_write(tmp_path, """
[sweep]
mode = "search"
trials = 5
objectives = ["accuracy", "lut"]
[axes]
lam = {low = 1e-6, high = 1e-2, log = true}
projections = {low = 1, high = 4}
board = ["pynq-z2", "zcu104"]
"""))
    assert sweep.axes["lam"] == Range(1e-6, 1e-2, log=True, integer=False)
    assert sweep.axes["projections"] == Range(1, 4, integer=True)
    study = optuna.create_study(directions=["maximize", "minimize"])
    for _ in range(4):
        s = sweep.suggest(study.ask())
        assert 1e-6 <= s["lam"] <= 1e-2 and s["projections"] in (1, 2, 3, 4)
        assert s["board"] in ("pynq-z2", "zcu104") and s["model"] == "sfc"


@pytest.mark.parametrize(
    "text, key",
    [
        ("[axes]\nmodle = 'sfc'\n", "axes.modle"),
        ("[axes]\nprojections = [1, 0]\n", "axes.projections[1]"),
        ("[axes]\nboard = 'pynq-z9'\n", "axes.board"),
        ("[axes]\nlam = {low = 0.0, high = 1.0}\n", "axes.lam"),  # a range needs search mode
        ("[sweep]\nmode = 'search'\n[axes]\nlam = [0.0]\n", "sweep.trials"),
        ("[sweep]\nmode = 'random'\n[axes]\n", "sweep.mode"),
        ("[sweep]\nverify_images = 0\n[axes]\n", "sweep.verify_images"),
        ("[sweep]\nobjectives = ['speed']\n[axes]\n", "sweep.objectives"),
        ("[sweep]\nbudget = 3\n[axes]\n", "sweep.budget"),
        ("[sweep]\n", "axes"),
        ("[axes]\nfolding = 'missing.json'\n", "axes.folding"),
        ("[axes]\nfolding = 'max'\ntarget_fps = 1000.0\n", "axes.target_fps"),
        ("[axes]\nrtl = 'yes'\n", "axes.rtl"),
        ("[trainer]\n[axes]\n", "trainer"),
        ("[sweep]\nmode = 'search'\ntrials = 2\n[axes]\nlut_fraction = {low = 0.5, high = 1.5}\n",
         "axes.lut_fraction.high"),
    ],
)
def test_malformed_sweep_names_the_key(tmp_path: Path, text: str, key: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(SweepError) as err:
        load_sweep(path)
    assert f"{path}: {key}:" in str(err.value)


def test_not_toml_and_missing_file_are_sweep_errors(tmp_path: Path) -> None:
    with pytest.raises(SweepError, match="not valid TOML"):
        load_sweep(_write(tmp_path, "[axes\nmodel = 'sfc'\n"))
    with pytest.raises(SweepError, match="no such sweep file"):
        load_sweep(tmp_path / "none.toml")


def test_cli_prints_one_line_naming_the_key_and_exits_1(tmp_path: Path, capsys) -> None:
    path = _write(tmp_path, "[axes]\nepochs = 'ten'\n")
    assert main(["explore", str(path), "-o", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "axes.epochs" in err[0] and "'ten'" in err[0]
    assert not (tmp_path / "out").exists()  # nothing written for a bad sweep file
