"""The stage store (content addresses, skip when finished, nothing left on failure), the output-folder
claim, and the Pareto filter."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pcnn_hw.errors import ConfigError
from pcnn_hw.explore.results import pareto_mask
from pcnn_hw.explore.store import StageStore, claim_dir, stage_key


def test_stage_key_depends_on_kind_and_every_input_not_on_key_order() -> None:
    base = stage_key("train", {"model": "sfc", "epochs": 1})
    assert base == stage_key("train", {"epochs": 1, "model": "sfc"})
    assert base != stage_key("train", {"model": "sfc", "epochs": 2})
    assert base != stage_key("build", {"model": "sfc", "epochs": 1})
    assert len(base) == 20 and int(base, 16) >= 0


def test_finished_stage_is_found_not_rerun(tmp_path: Path) -> None:
    store, calls = StageStore(tmp_path), []

    def work(folder: Path) -> dict:
        calls.append(folder)
        (folder / "out.txt").write_text("made")
        return {"value": 3}

    rec, ran = store.run("train", {"a": 1}, work)
    assert ran and rec["result"] == {"value": 3} and len(calls) == 1
    assert (store.path("train", rec["key"]) / "out.txt").read_text() == "made"
    again, ran = store.run("train", {"a": 1}, work)
    assert not ran and again["result"] == {"value": 3} and len(calls) == 1
    _, ran = store.run("train", {"a": 2}, work)
    assert ran and len(calls) == 2


def test_failing_stage_leaves_nothing_and_is_not_finished(tmp_path: Path) -> None:
    store = StageStore(tmp_path)

    def work(folder: Path) -> dict:
        (folder / "half.txt").write_text("x")
        raise ConfigError("bad")

    with pytest.raises(ConfigError):
        store.run("build", {"a": 1}, work)
    assert store.done("build", stage_key("build", {"a": 1})) is None
    assert list((tmp_path / "build").iterdir()) == []


def test_claim_dir_refuses_foreign_folders_and_accepts_its_own(tmp_path: Path) -> None:
    foreign = tmp_path / "results"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("keep me")
    with pytest.raises(ConfigError, match="refusing to write into"):
        claim_dir(foreign, "explore.json", {})
    assert sorted(p.name for p in foreign.iterdir()) == ["thesis.tex"]
    (foreign / "explore.json").write_text(json.dumps({"tool": "something else"}))
    with pytest.raises(ConfigError, match="was not written by"):
        claim_dir(foreign, "explore.json", {})
    ours = tmp_path / "ours"
    claim_dir(ours, "explore.json", {"sweep": "s.toml"})
    (ours / "results.csv").write_text("x")
    claim_dir(ours, "explore.json", {"sweep": "s.toml"})  # a rerun into its own folder is fine
    assert json.loads((ours / "explore.json").read_text())["tool"] == "pcnn-hw explore"


def test_pareto_mask_keeps_only_non_dominated_finished_rows() -> None:
    rows = [
        {"status": "ok", "accuracy": 0.9, "fps": 100.0, "lut": 50.0},   # best accuracy
        {"status": "ok", "accuracy": 0.8, "fps": 1000.0, "lut": 50.0},  # best fps
        {"status": "ok", "accuracy": 0.8, "fps": 900.0, "lut": 60.0},   # dominated by row 1
        {"status": "ok", "accuracy": 0.5, "fps": 10.0, "lut": 5.0},     # cheapest
        {"status": "failed", "accuracy": None, "fps": None, "lut": None},
        {"status": "ok", "accuracy": 0.9, "fps": 100.0, "lut": 50.0},   # a tie with row 0 stays
    ]
    assert pareto_mask(rows, ("accuracy", "fps", "lut")) == [True, True, False, True, False, True]
    assert pareto_mask(rows, ("accuracy", "fps")) == [True, True, False, False, False, True]
