"""Whole-model equality: bit-exact simulator == FINN+'s execution == PyTorch argmax; memory images;
cycle model."""

from __future__ import annotations

import numpy as np
import pytest

from pcnn_hw.sim.executor import Simulator
from pcnn_hw.sim.finn_reference import FinnReference
from tests.folded import images

SHAPES = {"tfc": (1, 28, 28), "sfc": (1, 28, 28), "mini": (1, 12, 12), "cnv": (3, 32, 32)}


def _check(case, name: str, n: int, backend: str) -> None:
    from pcnn_hw.compile.weights import load_weights

    x = images(n, SHAPES[name], seed=1)
    gx = case.graph_input(x)
    # the simulator computes from the compiler's memory images (FINN's layout functions)
    sim = Simulator(case.folded, memory=load_weights(case.build_dir), backend=backend)
    assert sim.backend == backend
    ref = FinnReference(case.folded)
    # every intermediate tensor of image 0, then the outputs of all images
    _, vals = sim.run(gx[:1], keep=True)
    ctx = ref.run_one(gx[:1], all_tensors=True)
    compared = 0
    for tname, v in vals.items():
        if tname in ctx:
            np.testing.assert_array_equal(v.reshape(np.shape(ctx[tname])), ctx[tname], err_msg=tname)
            compared += 1
    assert compared >= len(sim.layers)
    y_sim = sim.run(gx).reshape(n, -1)
    y_ref = ref.run(gx).reshape(n, -1)
    np.testing.assert_array_equal(y_sim, y_ref)
    logits = case.torch_logits(x)
    top = np.sort(logits, axis=1)
    ties = int(np.sum(np.isclose(top[:, -1], top[:, -2], rtol=0, atol=1e-5)))
    agree = y_sim[:, 0] == logits.argmax(1)
    # a tie in the PyTorch logits is resolved to the lower index by both torch and LabelSelect
    assert agree.all(), f"{name}: {np.sum(~agree)} argmax mismatches ({ties} ties)"
    # cycle model = FINN's get_exp_cycles on every node
    from qonnx.custom_op.registry import getCustomOp

    finn_cycles = {nd.name: int(getCustomOp(nd).get_exp_cycles()) for nd in case.folded.graph.node}
    assert sim.exp_cycles() == {k: finn_cycles[k] for k in sim.exp_cycles()}


@pytest.mark.parametrize("backend", ["numpy", "native"])
@pytest.mark.parametrize("name", ["tfc", "sfc", "mini"])
def test_model_equality(folded_cases, name: str, backend: str) -> None:
    _check(folded_cases(name), name, 8, backend)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["numpy", "native"])
def test_cnv_equality(folded_cases, backend: str) -> None:
    _check(folded_cases("cnv"), "cnv", 3, backend)


def test_unknown_backend_is_rejected(folded_cases) -> None:
    from pcnn_hw.errors import UnknownNameError

    with pytest.raises(UnknownNameError, match="unknown simulator backend 'gpu'; known: auto, native, numpy"):
        Simulator(folded_cases("mini").folded, backend="gpu")


def test_batched_equals_single(folded_cases) -> None:
    case = folded_cases("mini")
    sim = Simulator(case.folded)
    gx = case.graph_input(images(5, SHAPES["mini"], seed=2))
    full = sim.run(gx)
    single = np.concatenate([sim.run(gx[i : i + 1]) for i in range(5)])
    np.testing.assert_array_equal(full, single)


def test_layout_bug_is_detected(folded_cases) -> None:
    """A memory image with its SIMD lanes in the wrong order must change the simulator's results."""
    from pcnn_hw.compile.weights import load_weights

    case = folded_cases("sfc")
    mem = load_weights(case.build_dir)
    name = next(k for k, v in mem.items() if "weights" in v and v["weights"].shape[-1] > 1)
    bad = {k: dict(v) for k, v in mem.items()}
    bad[name]["weights"] = np.flip(bad[name]["weights"], axis=-1)  # forget FINN's SIMD reversal
    gx = case.graph_input(images(16, SHAPES["sfc"], seed=3))
    good_sim, bad_sim = Simulator(case.folded, memory=mem), Simulator(case.folded, memory=bad)
    _, good_vals = good_sim.run(gx, keep=True)
    _, bad_vals = bad_sim.run(gx, keep=True)
    out = next(s.out for s in good_sim.steps if s.node.name == name)
    assert not np.array_equal(good_vals[out], bad_vals[out])


@pytest.mark.parametrize("name,seed", [("sfc", 1), ("mini", 2), ("mini", 3)])
def test_random_folding_equality(folded_cases, name: str, seed: int) -> None:
    """Random valid PE/SIMD: our memory images equal FINN's, and the simulator still equals FINN."""
    import copy

    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.custom_op.registry import getCustomOp

    from pcnn_hw.sim.testing import randomize_folding

    case = folded_cases(name)
    model = randomize_folding(ModelWrapper(copy.deepcopy(case.folded.model)), seed)
    sim = Simulator(model)
    for layer, node in zip(sim.layers, model.graph.node, strict=True):
        inst = getCustomOp(node)
        for key, img in layer.memory_images().items():
            init = model.get_initializer(
                node.input[1 if key == "weights" or "Thresholding" in node.op_type else 2]
            )
            finn = (
                inst.get_hw_compatible_weight_tensor(init)
                if key == "weights"
                else inst.get_hw_compatible_threshold_tensor(init)
            )[0]
            np.testing.assert_array_equal(img, finn, err_msg=f"{node.name} {key}")
    gx = case.graph_input(images(6, SHAPES[name], seed=seed))
    np.testing.assert_array_equal(sim.run(gx).reshape(6, -1), FinnReference(model).run(gx).reshape(6, -1))
