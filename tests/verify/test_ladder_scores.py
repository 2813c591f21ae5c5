"""The ladder compares the bit-exact levels' integer class scores exactly (Level.scores): equal labels
do not hide a wrong score, a tie never excuses one, and the comparison skips levels without scores."""

from __future__ import annotations

import numpy as np

from pcnn_hw.verify.ladder import Level, format_ladder, run_ladder


def _level(name: str, labels: list[int], scores: list[list[int]] | None) -> Level:
    out = np.array(labels)[:, None]
    return Level(name, lambda x: (np.array(labels), out),
                 scores=None if scores is None else (lambda x: np.array(scores)))


def test_wrong_score_with_the_same_label_fails_naming_class_and_values() -> None:
    sim = _level("bit-exact sim", [1, 0], [[3, 9, 1], [8, 2, 2]])
    rtl = _level("RTL (Verilator)", [1, 0], [[3, 9, 1], [8, 2, 5]])
    res = run_ladder([sim, rtl], np.zeros((2, 1)), None)
    assert res[1].mismatches == [1] and res[1].agreement == 0.5
    assert "image 1: class 2 score RTL (Verilator) 5 vs bit-exact sim 2" in res[1].detail


def test_scores_compare_with_the_nearest_level_that_has_them() -> None:
    """A level without scores in between (e.g. FINN graph) is skipped over; equal scores agree."""
    a = _level("bit-exact sim", [0, 1], [[5, 1], [0, 4]])
    b = _level("no scores", [0, 1], None)
    c = _level("C-sim (g++)", [0, 1], [[5, 1], [0, 4]])
    d = _level("RTL (Verilator)", [0, 1], [[5, 1], [1, 4]])
    res = run_ladder([a, b, c, d], np.zeros((2, 1)), None)
    assert [r.mismatches for r in res[1:]] == [[], [], [1]]
    assert "vs C-sim (g++) 0" in res[3].detail
    assert ("class scores (the integers into LabelSelect) compared exactly: bit-exact sim, C-sim (g++), "
            "RTL (Verilator)") in format_ladder(res, 2)


def test_a_tie_in_labels_does_not_excuse_different_scores() -> None:
    """Labels differ among tied classes (an excused tie) but the scores differ too: a mismatch."""
    a = Level("a", lambda x: (np.array([0]), np.array([[2.0, 2.0]])), scores=lambda x: np.array([[2, 2]]))
    b = Level("b", lambda x: (np.array([1]), np.array([[2.0, 2.0]])), scores=lambda x: np.array([[2, 3]]))
    res = run_ladder([a, b], np.zeros((1, 1)), None)
    assert res[1].mismatches == [0] and res[1].ties == []
