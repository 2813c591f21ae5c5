"""benchmarks/resnet_levels.py's --append merge: a re-run level replaces the old one, the others stay."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import resnet_levels  # noqa: E402 (a benchmark script)


def _row(model: str, build_s: float | None, *levels: tuple[str, str]) -> dict:
    return {"model": model, "instance": "full", "board": "zcu104", "build_s": build_s,
            "levels": [{"level": lv, "tag": tag} for lv, tag in levels]}


def test_merge_row_replaces_rerun_levels_and_keeps_the_others() -> None:
    """A reused build (build_s None) keeps the first build time; levels stay in LEVELS order."""
    rows = [_row("wrn22", 5.0, ("csim", "w")), _row("resnet18", 100.0, ("csim", "old"), ("rtl", "old"))]
    merged = resnet_levels.merge_row(rows, _row("resnet18", None, ("board-rtl", "new"), ("csim", "new")))
    assert len(merged) == 2 and merged[0] is rows[0]
    r = merged[1]
    assert [(lv["level"], lv["tag"]) for lv in r["levels"]] == [("csim", "new"), ("rtl", "old"),
                                                               ("board-rtl", "new")]
    assert r["build_s"] == 100.0


def test_merge_row_appends_a_new_key() -> None:
    """Another board is a new row."""
    rows = [_row("resnet18", 1.0, ("rtl", "a"))]
    new = _row("resnet18", 2.0, ("rtl", "b")) | {"board": "kv260"}
    assert resnet_levels.merge_row(rows, new) == [*rows, new]
