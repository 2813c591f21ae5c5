"""The ladder counts exact score ties separately and still fails on real disagreements."""

import numpy as np

from pcnn_hw.verify.ladder import Level, run_ladder


def _level(name, labels, raw):
    return Level(name, lambda x: (np.array(labels), np.array(raw, dtype=float)))


def test_tie_is_counted_not_failed():
    scores = [[1.5, 0.0, 1.5], [0.0, 2.0, 1.0], [3.0, 1.0, 0.0]]
    top = _level("float", [0, 1, 0], scores)
    integer = _level("integer", [2, 1, 0], [[2], [1], [0]])  # picks the other tied class on image 0
    res = run_ladder([top, integer], np.zeros((3, 1)), None)
    assert res[1].ties == [0] and res[1].mismatches == [] and res[1].agreement == 1.0


def test_real_disagreement_still_fails():
    scores = [[1.5, 0.0, 1.4], [0.0, 2.0, 1.0]]
    res = run_ladder([_level("a", [0, 1], scores), _level("b", [2, 1], [[2], [1]])], np.zeros((2, 1)), None)
    assert res[1].mismatches == [0] and res[1].ties == [] and "image 0" in res[1].detail
