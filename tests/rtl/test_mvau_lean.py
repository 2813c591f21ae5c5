"""The LUT-lean MVAU datapath (#12): 3-lane XNOR counts, narrow adder-tree nodes (pcnn_addtree LMAX),
unsigned bipolar sums and the threshold compare, bit-exact in Verilator against the layer definitions on
foldings that stress them: SIMD not a multiple of 3 or 6 (padded leaves), PE > 1, a deep tree (SIMD 67),
8-bit and 2-bit unsigned inputs, signed 4-bit inputs (full-width tree), 1 and 3 thresholds, raw
accumulator outputs (every bit of the tree's sum visible)."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import make_layer, mvau, run_chain

from pcnn_hw.rtl.spec import Fmt


def bipolar_int_mvau(rng, name: str, mw: int, mh: int, pe: int, simd: int, idt: str, nvec: int):
    """Integer-input MVAU with +-1 weights and no activation (accumulator output)."""
    return make_layer(
        "MVAU_hls",
        {"w": rng.choice([-1, 1], size=(mw, mh))},
        name=name,
        MW=mw,
        MH=mh,
        PE=pe,
        SIMD=simd,
        noActivation=1,
        numInputVectors=[1, nvec],
        inputDataType=idt,
        weightDataType="INT2",
        outputDataType="INT32",
        ActVal=0,
        binaryXnorMode=0,
    )


@pytest.mark.slow
def test_unsigned_chain_bit_exact(rtl_work):
    """UINT8 x bipolar (SIMD 7, PE 2) -> XNOR (SIMD 67, PE 3, 3 thresholds -> UINT2) -> UINT2 x bipolar
    accumulators (SIMD 3, PE 2), with backpressure."""
    rng = np.random.default_rng(12)
    nvec = 4
    layers = [
        mvau(rng, 35, 134, 2, 7, kind="int", nvec=nvec, name="mi0"),
        mvau(rng, 134, 6, 3, 67, nvec=nvec, name="mx1", n_steps=3, odt="UINT2"),
        bipolar_int_mvau(rng, "ma2", 6, 4, 2, 3, "UINT2", nvec),
    ]
    x = rng.integers(0, 256, size=(3, nvec, 35))
    out, ref, _, _ = run_chain(layers, Fmt(8), x, rtl_work / "lean_u", backpressure=0.3)
    np.testing.assert_array_equal(out, ref)
    mid = layers[1].execute(layers[0].execute(x))
    assert len(np.unique(np.asarray(mid))) == 4  # every 2-bit activation level really produced


@pytest.mark.slow
def test_signed_and_binary_chain_bit_exact(rtl_work):
    """UINT8 -> thresholding to INT4 (PE 3) -> INT4 x bipolar (signed inputs: full-width tree, SIMD 9,
    PE 2, 1 threshold) -> XNOR (SIMD 5, PE 5) -> XNOR accumulators (SIMD 10, PE 2)."""
    rng = np.random.default_rng(13)
    nvec = 3
    th = make_layer(
        "Thresholding_hls",
        {"t": np.sort(rng.integers(0, 256, size=(9, 15)), axis=1)},
        name="th0",
        NumChannels=9,
        PE=3,
        inputDataType="UINT8",
        outputDataType="INT4",
        ActVal=-8,
        numInputVectors=[1, nvec],
    )
    mi = make_layer(
        "MVAU_hls",
        {"w": rng.choice([-1, 1], size=(9, 10)), "t": np.sort(rng.integers(-20, 20, size=(10, 1)), axis=1)},
        name="mi1",
        MW=9,
        MH=10,
        PE=2,
        SIMD=9,
        noActivation=0,
        numInputVectors=[1, nvec],
        inputDataType="INT4",
        weightDataType="INT2",
        outputDataType="BINARY",
        ActVal=0,
        binaryXnorMode=0,
    )
    layers = [
        th,
        mi,
        mvau(rng, 10, 10, 5, 5, nvec=nvec, name="mx2"),
        mvau(rng, 10, 4, 2, 10, kind="acc", nvec=nvec, name="ma3"),
    ]
    x = rng.integers(0, 256, size=(3, nvec, 9))
    out, ref, _, _ = run_chain(layers, Fmt(8), x, rtl_work / "lean_s", backpressure=0.3)
    np.testing.assert_array_equal(out, ref)
    assert np.asarray(th.execute(x)).min() < 0  # signed inputs really exercised
