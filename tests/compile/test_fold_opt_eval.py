"""The folding optimizer's evaluation cache (compile/fold_eval.py) and wrapper cache (folding._inst):
exact re-use, shapes-only RTL views, and the same foldings with the cache as without it. The budgets are
those of test_fold_opt_expected.json (its foldings were the pre-cache optimizer's at 49ccb3f; the resource
model has changed since, so the reference is now an uncached run of the current model: :class:`_NoReuse`)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from pcnn_hw.compile import finn_compat, fold_eval, fold_opt, folding, testmodels
from pcnn_hw.compile.build import build, load_model, step_path
from pcnn_hw.core.boards import get_board
from pcnn_hw.resources.columns import rtl_bases

EXPECTED = json.loads((Path(__file__).with_name("test_fold_opt_expected.json")).read_text())


@pytest.fixture(scope="module")
def cnn_specialized(cnn_build) -> Path:
    """The mini CNN's graph before folding."""
    return step_path(cnn_build.out_dir, "specialize_layers")


def _mvau(model):
    return next(n for n in model.graph.node if folding.base_op(n.op_type) == "MVAU")


def test_shape_bases_match_rtl_bases_without_rom_text(cnn_specialized) -> None:
    """Same module, parameters, streams and ROM shapes/styles as rtl_bases; no ROM Verilog rendered."""
    m = load_model(cnn_specialized, check=False)
    full, light = rtl_bases(m), fold_eval.shape_bases(m)
    assert list(full) == list(light)
    for name, f in full.items():
        g = light[name]
        assert (g.module, g.params, g.inp, g.out) == (f.module, f.params, f.inp, f.out), name
        assert g.roms == f.roms, name
    assert any(f.files for f in full.values())
    assert all(not t for g in light.values() for t in g.files.values())


def test_cache_reuses_only_the_same_node_state(cnn_specialized) -> None:
    """A second look-up of a node at the same folding is a hit equal to a fresh evaluation; another
    PE or ram_style is a miss with other numbers."""
    m = load_model(cnn_specialized, check=False)
    bases, part = fold_eval.shape_bases(m), "xc7z020clg400-1"
    node = _mvau(m)
    inst = folding._inst(node)
    cache = fold_eval.EvalCache()
    inst.set_nodeattr("PE", 1)
    inst.set_nodeattr("ram_style", "distributed")
    a = cache.get(node, bases[node.name], part)
    assert (cache.hits, cache.misses) == (0, 1)
    assert cache.get(node, bases[node.name], part) == a == fold_eval.node_eval(node, bases[node.name], part)
    assert cache.hits == 1
    pe = [d for d in folding._divisors(int(inst.get_nodeattr("MH"))) if d > 1][0]
    inst.set_nodeattr("PE", pe)
    b = cache.get(node, bases[node.name], part)
    assert cache.misses == 2 and b.cycles < a.cycles
    inst.set_nodeattr("ram_style", "block")
    c = cache.get(node, bases[node.name], part)
    assert cache.misses == 3 and c.parts != b.parts


def test_wrapper_cached_per_node_and_follows_attributes(cnn_specialized) -> None:
    """One wrapper per node object that reads attributes set through any wrapper; read-only attribute
    types; a node whose op type changed gets a new wrapper."""
    m = load_model(cnn_specialized, check=False)
    node = _mvau(m)
    a = folding._inst(node)
    assert folding._inst(node) is a
    folding._inst(node).set_nodeattr("PE", 1)
    assert a.get_nodeattr("PE") == 1
    with pytest.raises(TypeError):
        a.get_nodeattr_types()["PE"] = None  # type: ignore[index]
    op, dom = node.op_type, node.domain
    node.op_type, node.domain = "MVAU", "finn.custom_op.fpgadataflow"
    try:
        assert type(folding._inst(node)) is not type(a)
    finally:
        node.op_type, node.domain = op, dom


class _NoReuse(fold_eval.EvalCache):
    """A cache that never re-uses: every look-up is a fresh :func:`fold_eval.node_eval` (the reference)."""

    def get(self, node, base, part):  # type: ignore[no-untyped-def]
        self.misses += 1
        return fold_eval.node_eval(node, base, part)


def _fold_config(path: Path, lim: fold_opt.Limits, part: str, **kw: Any) -> tuple[bool, dict, Any]:
    m = load_model(path, check=False)
    fits = fold_opt.fold(m, part, lim, **kw)[1]
    folding.check_folding(m)
    return fits, folding.folding_config(m), m


@pytest.mark.parametrize("case", range(len(EXPECTED["mini_cnn"])))
def test_mini_cnn_same_folding_as_before_the_cache(cnn_specialized, tmp_path, case: int) -> None:
    """The mini CNN's folding at each stored budget is the same with the cache as with no re-use, and
    obeys the rules."""
    exp = EXPECTED["mini_cnn"][case]
    finn_compat.prepare_finn(tmp_path / "finn")
    b = get_board("pynq-z2")
    lim = fold_opt.Limits(b.lut * exp["lut"], b.bram36 * exp["bram"], b.dsp,
                          fold_opt.FMAX_MARGIN * b.clock_mhz)
    ref = _fold_config(cnn_specialized, lim, b.part, style_choice=exp["style_choice"], cache=_NoReuse())
    got = _fold_config(cnn_specialized, lim, b.part, style_choice=exp["style_choice"])
    assert got[:2] == ref[:2]


def test_shared_cache_gives_the_same_folding(cnn_specialized, tmp_path) -> None:
    """One cache over a budget sweep: same foldings as fresh caches, later runs all hits."""
    finn_compat.prepare_finn(tmp_path / "finn")
    b, cache = get_board("pynq-z2"), fold_eval.EvalCache()
    for exp in [e for e in EXPECTED["mini_cnn"] if e["style_choice"] and e["bram"] == 1.0]:
        lim = fold_opt.Limits(b.lut * exp["lut"], b.bram36, b.dsp, fold_opt.FMAX_MARGIN * b.clock_mhz)
        ref = _fold_config(cnn_specialized, lim, b.part)[1]  # a fresh cache
        misses = cache.misses
        assert _fold_config(cnn_specialized, lim, b.part, cache=cache)[1] == ref
    assert cache.misses == misses and cache.hits > 0


@pytest.fixture(scope="module")
def bnn_graphs(tmp_path_factory) -> dict:
    """{(model, board): the graph before folding}, each built once (BNN-PYNQ 1w1a, seed 0)."""
    from pcnn_hw.compile.steps import DEFAULT_STEPS

    work, made = tmp_path_factory.mktemp("bnn"), {}
    finn_compat.prepare_finn(work / "finn")
    upto = DEFAULT_STEPS[: [s.name for s in DEFAULT_STEPS].index("folding")]

    def get(name: str, board: str) -> Path:
        if (name, board) not in made:
            onnx = testmodels.export_bnn_pynq(f"{name}_1w1a", work / f"{name}.onnx")
            build(onnx, work / f"{name}-{board}", board, steps=upto, stream=io.StringIO(), force=True)
            made[name, board] = step_path(work / f"{name}-{board}", "specialize_layers", upto)
        return made[name, board]

    return get  # type: ignore[return-value]


@pytest.mark.slow
@pytest.mark.parametrize("key", sorted(EXPECTED["bnn_pynq"]))
def test_bnn_pynq_same_folding_as_before_the_cache(bnn_graphs, key: str) -> None:
    """cnv / sfc (BNN-PYNQ, seed 0) on pynq-z2: same folding and cycles with the cache as without re-use."""
    name, board, frac = key.split("/")
    b = get_board(board)
    lim = fold_opt.Limits(b.lut * float(frac), b.bram36 * 0.9, b.dsp, fold_opt.FMAX_MARGIN * b.clock_mhz)
    ref = _fold_config(bnn_graphs(name, board), lim, b.part, cache=_NoReuse())
    fits, config, m = _fold_config(bnn_graphs(name, board), lim, b.part)
    assert fits and (fits, config) == ref[:2]
    cycles = max(int(folding._inst(n).get_exp_cycles()) for n in m.graph.node)
    assert cycles == max(int(folding._inst(n).get_exp_cycles()) for n in ref[2].graph.node)
