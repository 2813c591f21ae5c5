"""Whole-model equality: bit-exact simulator == FINN+'s execution == PyTorch argmax."""

from __future__ import annotations

import numpy as np
import pytest

from pcnn_hw.sim.executor import Simulator
from pcnn_hw.sim.finn_reference import FinnReference
from tests.sim.conftest import images

SHAPES = {"tfc": (1, 28, 28), "sfc": (1, 28, 28), "mini": (1, 12, 12), "cnv": (3, 32, 32)}


def _check(case, name: str, n: int) -> None:
    x = images(n, SHAPES[name], seed=1)
    gx = case.graph_input(x)
    sim = Simulator(case.folded)
    ref = FinnReference(case.folded)
    # every intermediate tensor of image 0, then the outputs of all images
    _, vals = sim.run(gx[:1], keep=True)
    ctx = ref.run_one(gx[:1], all_tensors=True)
    for tname, v in vals.items():
        if tname in ctx:
            np.testing.assert_array_equal(v.reshape(np.shape(ctx[tname])), ctx[tname], err_msg=tname)
    y_sim = sim.run(gx).reshape(n, -1)
    y_ref = ref.run(gx).reshape(n, -1)
    np.testing.assert_array_equal(y_sim, y_ref)
    logits = case.torch_logits(x)
    top = np.sort(logits, axis=1)
    ties = int(np.sum(np.isclose(top[:, -1], top[:, -2], rtol=0, atol=1e-5)))
    agree = y_sim[:, 0] == logits.argmax(1)
    # a tie in the PyTorch logits is resolved to the lower index by both torch and LabelSelect
    assert agree.all(), f"{name}: {np.sum(~agree)} argmax mismatches ({ties} ties)"


@pytest.mark.parametrize("name", ["tfc", "sfc", "mini"])
def test_model_equality(folded_cases, name: str) -> None:
    _check(folded_cases(name), name, 16)


@pytest.mark.slow
def test_cnv_equality(folded_cases) -> None:
    _check(folded_cases("cnv"), "cnv", 3)


def test_batched_equals_single(folded_cases) -> None:
    case = folded_cases("mini")
    sim = Simulator(case.folded)
    gx = case.graph_input(images(5, SHAPES["mini"], seed=2))
    full = sim.run(gx)
    single = np.concatenate([sim.run(gx[i : i + 1]) for i in range(5)])
    np.testing.assert_array_equal(full, single)
