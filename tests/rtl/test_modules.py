"""Every RTL module against the bit-exact layer definitions, on random data and random foldings, with
and without output backpressure; deadlock detection on a stalled sink."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import chain_a, chain_b
from helpers import run_chain

from pcnn_hw.errors import SimulationError
from pcnn_hw.rtl.spec import Fmt
from pcnn_hw.rtl.verilate import build_model, run_model


@pytest.fixture(scope="module")
def chain_a_design(rtl_work):
    layers = chain_a(seed=3)
    x = np.random.default_rng(0).integers(0, 256, size=(6, 6, 6, 2))
    out, ref, res, d = run_chain(layers, Fmt(8), x, rtl_work / "chain_a")
    return layers, x, out, ref, res, d


def test_chain_a_bit_exact(chain_a_design):
    """SWG (parallel, buffered, depthwise), int/XNOR/accumulator MVAU, pool, label select, DWCs, FIFOs."""
    layers, x, out, ref, res, d = chain_a_design
    np.testing.assert_array_equal(out, ref)
    assert any(i.kind == "dwc" for i in d.instances) or all(
        a.out_width == b.in_width for a, b in zip(d.instances, d.instances[1:], strict=False)
    )
    table = {row["layer"]: row for row in res.layer_table()}
    assert set(table) == {layer.name for layer in layers}
    assert table["mv0"]["in_beats"] > 0 and table["ls0"]["out_beats"] == x.shape[0]


@pytest.mark.parametrize("bp", [0.3, 0.8])
def test_chain_a_backpressure(chain_a_design, rtl_work, bp):
    """Random output backpressure changes timing, never values."""
    layers, x, out, ref, res, d = chain_a_design
    exe = build_model(d, rtl_work / "chain_a" / "rtl", rtl_work / "chain_a" / "sim")
    r2 = run_model(exe, d, rtl_work / "chain_a" / "rtl", x.reshape(x.shape[0], -1), backpressure=bp, seed=7)
    np.testing.assert_array_equal(r2.outputs, ref)
    assert r2.cycles >= res.cycles


def test_chain_b_thresholding_signed_int_mvau(rtl_work):
    """Standalone multi-threshold unit (INT4 out) feeding a signed-input, INT3-weight, multi-step MVAU."""
    layers = chain_b(seed=5)
    x = np.random.default_rng(1).integers(0, 256, size=(4, 5, 6))
    out, ref, res, d = run_chain(layers, Fmt(8), x, rtl_work / "chain_b", backpressure=0.5)
    np.testing.assert_array_equal(out, ref)
    assert ref.min() < 0  # signed outputs really exercised


def test_stalled_sink_is_a_deadlock_error(chain_a_design, rtl_work):
    """A sink that never takes data: SimulationError naming the sink, within the stall window (no hang)."""
    layers, x, out, ref, res, d = chain_a_design
    exe = build_model(d, rtl_work / "chain_a" / "rtl", rtl_work / "chain_a" / "sim")
    with pytest.raises(SimulationError, match="stalled sink|deadlock"):
        run_model(
            exe,
            d,
            rtl_work / "chain_a" / "rtl",
            x.reshape(x.shape[0], -1),
            backpressure=1.0,
            stall_window=500,
        )
