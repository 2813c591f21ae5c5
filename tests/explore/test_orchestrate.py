"""Sweeps on one module-scoped 2-CPU local Ray: results, shared training, reruns, failures, killed workers.

All tests share one stage store, so later sweeps reuse the models the first one trained (as a user's
sweeps would) and the module stays short.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from pcnn_hw.cli import main
from pcnn_hw.explore import Options, load_sweep, run_sweep

SWEEP = """
[sweep]
verify_images = 20
[axes]
model = ["sfc", "mini-cnv"]
board = ["pynq-z2", "zcu104"]
epochs = 1
limit_train = 200
"""


@pytest.fixture(scope="module")
def ray_cluster():
    """One local Ray with 2 CPUs for the whole module (its start-up costs seconds)."""
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("explore_store")


@pytest.fixture(scope="module")
def first(ray_cluster, store: Path, tmp_path_factory: pytest.TempPathFactory):
    """The 4-trial sweep (2 models x 2 boards), run once."""
    folder = tmp_path_factory.mktemp("explore_main")
    (folder / "mini.toml").write_text(SWEEP)
    out = folder / "out"
    rows, tally = run_sweep(load_sweep(folder / "mini.toml"), Options(out=out, store=store, progress=False))
    return folder / "mini.toml", out, rows, tally


def _finished(store: Path, kind: str) -> list[Path]:
    return sorted(p.parent for p in (store / kind).glob("*/stage.json"))


def test_four_trials_write_table_and_plots_and_train_each_model_once(first, store: Path) -> None:
    import pandas as pd

    _, out, rows, tally = first
    assert [(r["model"], r["board"], r["status"]) for r in rows] == [
        ("sfc", "pynq-z2", "ok"), ("sfc", "zcu104", "ok"),
        ("mini-cnv", "pynq-z2", "ok"), ("mini-cnv", "zcu104", "ok"),
    ], [r["error"] for r in rows]
    assert tally.tasks == {"train": 2, "trial": 4}  # one training task per model, shared by its boards
    assert tally.stages_run == {"train": 2, "build": 4, "verify": 4} and tally.trials_run == 4
    assert len(_finished(store, "train")) == 2
    assert rows[0]["train_key"] == rows[1]["train_key"] != rows[2]["train_key"] == rows[3]["train_key"]
    assert len({r["build_key"] for r in rows}) == 4
    with open(out / "results.csv") as f:
        table = list(csv.DictReader(f))
    assert [t["trial"] for t in table] == [r["trial"] for r in rows]
    for t in table:
        assert 0 < float(t["accuracy"]) <= 1 and 0 < float(t["hw_accuracy"]) <= 1
        assert float(t["fps"]) > 0 and float(t["latency_us"]) > 0 and float(t["lut"]) > 0
        assert float(t["bram36"]) >= 0 and float(t["wall_s"]) > 0
    frame = pd.read_parquet(out / "results.parquet")
    assert list(frame["trial"]) == [r["trial"] for r in rows] and frame["pareto"].any()
    # the sfc on the bigger board folds wider: more FPS for more LUTs, both on the FPS-LUT trade-off
    assert rows[1]["fps"] > rows[0]["fps"] and rows[1]["lut"] > rows[0]["lut"]
    for png in ("pareto_accuracy_fps.png", "pareto_fps_lut.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = (out / "report.html").read_text()
    assert page.count("data:image/png;base64,iVBOR") == 2 and all(r["trial"] in page for r in rows)
    assert "$" not in page.replace("$$", "")  # every template field filled


def test_rerun_does_no_work(first, store: Path) -> None:
    sweep_path, out, rows, _ = first
    stamps = {p: p.stat().st_mtime_ns for p in store.rglob("*") if p.is_file()}
    outputs = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    again, tally = run_sweep(load_sweep(sweep_path), Options(out=out, store=store, progress=False))
    assert tally.tasks == {"train": 0, "trial": 0} and tally.trials_run == 0
    assert tally.stages_run == {"train": 0, "build": 0, "verify": 0}
    assert [(r["trial"], r["fps"], r["accuracy"]) for r in again] == [
        (r["trial"], r["fps"], r["accuracy"]) for r in rows
    ]
    assert {p: p.stat().st_mtime_ns for p in store.rglob("*") if p.is_file()} == stamps
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == outputs  # byte-identical


def test_interrupted_sweep_resumes_with_the_missing_stage_only(first, store: Path) -> None:
    import shutil

    sweep_path, out, rows, _ = first
    victim = rows[2]  # as if the sweep had stopped after this trial's build, before its verify
    (out / "trials" / f"{victim['trial']}.json").unlink()
    for stage in _finished(store, "verify"):
        if json.loads((stage / "stage.json").read_text())["inputs"]["build"] == victim["build_key"]:
            shutil.rmtree(stage)
    again, tally = run_sweep(load_sweep(sweep_path), Options(out=out, store=store, progress=False))
    assert tally.trials_run == 1 and tally.stages_run == {"train": 0, "build": 0, "verify": 1}
    assert again[2]["status"] == "ok" and again[2]["hw_accuracy"] == victim["hw_accuracy"]


def test_impossible_folding_fails_alone_with_its_error_in_the_table(first, store: Path, capsys) -> None:
    folder = first[0].parent
    (folder / "bad_fold.json").write_text(json.dumps({"Defaults": {}, "MVAU_hls_0": {"PE": 7, "SIMD": 16}}))
    (folder / "fold.toml").write_text(SWEEP.replace('model = ["sfc", "mini-cnv"]', 'model = "sfc"').replace(
        'board = ["pynq-z2", "zcu104"]', 'board = "pynq-z2"\nfolding = ["auto", "bad_fold.json", "max"]'))
    out = folder / "fold"
    code = main(["explore", str(folder / "fold.toml"), "-o", str(out), "--store", str(store), "--quiet"])
    assert code == 0
    printed = capsys.readouterr().out
    with open(out / "results.csv") as f:
        table = list(csv.DictReader(f))
    assert [t["status"] for t in table] == ["ok", "failed", "ok"]
    bad = table[1]
    assert bad["error_type"] == "FoldingError" and bad["error_stage"] == "build"
    assert "MVAU_hls_0" in bad["error"] and "PE=7" in bad["error"] and bad["fps"] == ""
    assert f"trial {bad['trial']} failed at build: FoldingError" in printed
    assert float(table[2]["fps"]) >= float(table[0]["fps"])  # max folding is at least as fast as auto
    assert not list((store / "build").glob(".*.partial-*"))  # the failed build left nothing behind


def test_worker_killed_mid_trial_is_retried_and_the_sweep_completes(first, store: Path) -> None:
    folder = first[0].parent
    (folder / "kill.toml").write_text(SWEEP.replace('model = ["sfc", "mini-cnv"]', 'model = "sfc"').replace(
        'board = ["pynq-z2", "zcu104"]', 'board = "kv260"'))
    result: dict = {}

    def sweep() -> None:
        opts = Options(out=folder / "kill", store=store, progress=False)
        result["rows"], result["tally"] = run_sweep(load_sweep(folder / "kill.toml"), opts)

    thread = threading.Thread(target=sweep, daemon=True)
    thread.start()
    killed, deadline = None, time.monotonic() + 120
    while killed is None and time.monotonic() < deadline and thread.is_alive():
        for partial in (store / "build").glob(".*.partial-*"):  # .<key>.partial-<pid>-<rand>
            pid = int(partial.name.rsplit(".partial-", 1)[1].split("-")[0])
            if pid != os.getpid():
                os.kill(pid, signal.SIGKILL)
                killed = partial
        time.sleep(0.05)
    assert killed is not None, "the build stage was never seen running"
    thread.join(timeout=300)
    assert not thread.is_alive()
    (row,) = result["rows"]
    assert row["status"] == "ok", row["error"]
    assert result["tally"].stages_run["build"] == 1 and row["fps"] > 0
    assert killed.exists()  # the killed attempt's folder is left aside, never read
    assert (store / "build" / row["build_key"] / "stage.json").is_file()


def test_search_mode_runs_the_budget_through_optuna_on_the_shared_stages(first, store: Path) -> None:
    folder = first[0].parent
    text = SWEEP.replace("[sweep]", '[sweep]\nmode = "search"\ntrials = 3\nseed = 1')
    (folder / "search.toml").write_text(text.replace('model = ["sfc", "mini-cnv"]', 'model = "sfc"'))
    rows, tally = run_sweep(load_sweep(folder / "search.toml"),
                            Options(out=folder / "search", store=store, progress=False))
    assert len(rows) == 3 and {r["board"] for r in rows} <= {"pynq-z2", "zcu104"}
    assert all(r["status"] == "ok" for r in rows)
    # both boards of this model were trained and built by the first sweep: only trial records are new
    assert tally.stages_run == {"train": 0, "build": 0, "verify": 0}
    assert {r["trial"] for r in rows} <= {r["trial"] for r in first[2]}
