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


def test_strided_windows(rtl_work):
    """Strides and dilation through the incremental address counters: parallel window with stride 2,
    standard window with stride (2, 2) and random SIMD, depthwise window -> 8-bit max-pool."""
    from helpers import make_layer

    rng = np.random.default_rng(4)
    simd = int(rng.choice([1, 2, 3, 6, 9, 18]))
    pe = int(rng.choice([1, 2, 4, 8]))
    common = dict(inputDataType="UINT8", outputDataType="UINT8")
    swg = "ConvolutionInputGenerator_rtl"
    layers = [
        make_layer(
            swg,
            name="sp",
            ConvKernelDim=[3, 3],
            IFMChannels=2,
            IFMDim=[9, 9],
            OFMDim=[4, 4],
            SIMD=2,
            Stride=[2, 2],
            Dilation=[1, 1],
            depthwise=0,
            parallel_window=1,
            **common,
        ),
        make_layer(
            swg,
            name="ss",
            ConvKernelDim=[2, 2],
            IFMChannels=18,
            IFMDim=[4, 4],
            OFMDim=[2, 2],
            SIMD=simd,
            Stride=[2, 2],
            Dilation=[1, 1],
            depthwise=0,
            parallel_window=0,
            **common,
        ),
        make_layer(
            swg,
            name="sd",
            ConvKernelDim=[2, 2],
            IFMChannels=8,
            IFMDim=[3, 3],
            OFMDim=[1, 1],
            SIMD=pe,
            Stride=[1, 1],
            Dilation=[2, 2],
            depthwise=1,
            parallel_window=0,
            **common,
        ),
        make_layer(
            "Pool_hls",
            name="pl",
            Channels=8,
            PE=pe,
            KernelSize=[2, 2],
            Function="MaxPool",
            OutImgDims=[1, 1],
            InputDataType="UINT8",
            OutputDataType="UINT8",
            BatchSize=1,
        ),
    ]
    x1 = np.random.default_rng(2).integers(0, 256, size=(3, 9, 9, 2))
    out, ref, _, _ = run_chain(layers[:2], Fmt(8), x1, rtl_work / "strided_a", backpressure=0.3)
    np.testing.assert_array_equal(out, ref)
    x2 = np.random.default_rng(3).integers(0, 256, size=(3, 3, 3, 8))
    out, ref, _, _ = run_chain(layers[2:], Fmt(8), x2, rtl_work / "strided_b", backpressure=0.3)
    np.testing.assert_array_equal(out, ref)


def _deep_chains(rng):
    """Layers whose weight/threshold ROMs are deep enough for block RAM (the two-register read path)."""
    from helpers import make_layer, mvau

    t = np.sort(rng.integers(0, 256, size=(128, 15)), axis=1)
    th = make_layer(
        "Thresholding_hls",
        {"t": t},
        name="th0",
        NumChannels=128,
        PE=1,  # TMEM = 128 words
        inputDataType="UINT8",
        outputDataType="INT4",
        ActVal=-8,
        numInputVectors=[1, 2],
    )
    mv = make_layer(
        "MVAU_hls",
        {"w": rng.integers(-4, 4, size=(128, 128)), "t": np.sort(rng.integers(-300, 300, (128, 3)), axis=1)},
        name="mv0",
        MW=128,
        MH=128,
        PE=1,  # NF = 128 threshold words
        SIMD=16,  # WMEM = 8 * 128 weight words
        noActivation=0,
        numInputVectors=[1, 2],
        inputDataType="INT4",
        weightDataType="INT3",
        outputDataType="INT2",
        ActVal=-2,
        binaryXnorMode=0,
    )
    bip = mvau(rng, 64, 4, 1, 2, kind="int", nvec=3, name="bip0")  # 8-bit x bipolar, WMEM = 32 * 4
    return [th, mv], [bip]


def test_block_rom_layers_bit_exact(rtl_work):
    """Deep ROMs (block style: read register + the RAMB's output register) behind a thresholding unit,
    an integer MVAU (weights and thresholds) and an 8-bit x bipolar MVAU, with backpressure."""
    first, second = _deep_chains(np.random.default_rng(6))
    for k, (layers, x) in enumerate(
        [
            (first, np.random.default_rng(2).integers(0, 256, size=(3, 2, 128))),
            (second, np.random.default_rng(3).integers(0, 256, size=(2, 3, 64))),
        ]
    ):
        out, ref, res, d = run_chain(layers, Fmt(8), x, rtl_work / f"deep_{k}", backpressure=0.3)
        deep = ["rom_th0_t.v", "rom_mv0_w.v", "rom_mv0_t.v"] if k == 0 else ["rom_bip0_w.v"]
        assert all('rom_style = "block"' in d.files[n] for n in deep)
        np.testing.assert_array_equal(out, ref)
        if k == 0:
            assert len(np.unique(ref)) > 2  # several threshold steps really exercised
