"""The RTL modules of the four residual-net kinds (FMPadding, DuplicateStreams, ElementwiseAdd,
GlobalAccPool; pcnn_hw/layers/<kind>/) in Verilator against the layer objects' ``execute``.

All cases of a set run as independent instances of one verilated bench (tests/rtl/kinds_harness.py:
one build, ~1 min of g++ on a loaded machine), with random input gaps, random per-output backpressure,
a fork output held not-ready for hundreds of cycles, and the AXI-Stream rule checked by the bench (a
waiting output beat must stay valid and unchanged). Cycles per frame are measured on free-running
streams and compared with the layer objects' ``exp_cycles``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from kinds_harness import build, out_streams, run, sources
from onnx import helper

from pcnn_hw.core.hwspec import RtlLayer
from pcnn_hw.core.streams import Fmt, fmt_of_datatype, signed_bits
from pcnn_hw.errors import UnsupportedOpError
from pcnn_hw.layers import layer_from_node
from pcnn_hw.layers.base import HwLayer, datatype_range
from pcnn_hw.rtl.spec import rtl_layer
from pcnn_hw.rtl.verilate import lint_verilog

FRAMES = 4
DOMAIN = "finn.custom_op.fpgadataflow.hls"


def make(op: str, n_in: int, name: str, **attrs) -> HwLayer:
    """Layer object of one node with ``n_in`` stream inputs."""
    node = helper.make_node(
        op, [f"{name}_x{k}" for k in range(n_in)], [f"{name}_y"], name=name, domain=DOMAIN, **attrs
    )
    return layer_from_node(node, lambda n: None)


def values(rng: np.random.Generator, dt: str, shape: tuple[int, ...]) -> np.ndarray:
    """Random elements of datatype ``dt`` (1-bit: the bits 0/1 the streams carry)."""
    lo, hi = (0, 1) if dt in ("BINARY", "BIPOLAR") else datatype_range(dt)
    return rng.integers(int(lo), int(hi) + 1, size=shape)


def sum_dtype(a: str, b: str) -> str:
    """Smallest FINN integer type of every sum of an ``a`` and a ``b`` element."""
    (lo0, hi0), (lo1, hi1) = (datatype_range(d) for d in (a, b))
    lo, hi = int(lo0 + lo1), int(hi0 + hi1)
    return f"INT{signed_bits(lo, hi)}" if lo < 0 else f"UINT{hi.bit_length()}"


@dataclass
class Case:
    """One layer, its RTL view, the frames on its input ports, the reference on its output ports and
    the cycles per frame the module must reach on free-running streams."""

    layer: HwLayer
    rtl: RtlLayer
    inputs: list[np.ndarray]
    refs: list[np.ndarray]
    period: int


def fmpadding(rng, name, hw, pads, c, simd, dt) -> Case:
    layer = make(
        "FMPadding_hls",
        1,
        name,
        ImgDim=list(hw),
        Padding=list(pads),
        NumChannels=c,
        SIMD=simd,
        inputDataType=dt,
    )
    x = values(rng, dt, (FRAMES, *hw, c))
    r = rtl_layer(layer, fmt_of_datatype(dt))
    return Case(layer, r, [x], [np.asarray(layer.execute(x))], layer.exp_cycles())


def duplicate(rng, name, hw, c, pe, dt) -> Case:
    layer = make(
        "DuplicateStreams_hls",
        1,
        name,
        NumChannels=c,
        PE=pe,
        NumOutputStreams=2,
        inputDataType=dt,
        numInputVectors=[1, *hw],
    )
    x = values(rng, dt, (FRAMES, *hw, c))
    r = rtl_layer(layer, fmt_of_datatype(dt))
    return Case(layer, r, [x], [np.asarray(y) for y in layer.execute(x)], layer.exp_cycles())


def addstreams(rng, name, hw, c, pe, dt0, dt1) -> Case:
    shape = [1, *hw, c]
    layer = make(
        "ElementwiseAdd_hls",
        2,
        name,
        lhs_shape=shape,
        rhs_shape=shape,
        out_shape=shape,
        PE=pe,
        lhs_dtype=dt0,
        rhs_dtype=dt1,
        out_dtype=sum_dtype(dt0, dt1),
    )
    a, b = values(rng, dt0, (FRAMES, *hw, c)), values(rng, dt1, (FRAMES, *hw, c))
    r = rtl_layer(layer, (fmt_of_datatype(dt0), fmt_of_datatype(dt1)))
    return Case(layer, r, [a, b], [layer.execute(a, b)], layer.exp_cycles())


def globalpool(rng, name, hw, c, pe, dt) -> Case:
    layer = make(
        "GlobalAccPool_hls", 1, name, NumChannels=c, PE=pe, inputDataType=dt, numInputVectors=[1, *hw]
    )
    x = values(rng, dt, (FRAMES, *hw, c))
    r = rtl_layer(layer, fmt_of_datatype(dt))
    # the sums leave with the last pixel's beats: exp_cycles (FINN: + C/PE output phase) - C/PE
    return Case(layer, r, [x], [layer.execute(x)], layer.exp_cycles() - c // pe)


def fast_cases() -> list[Case]:
    """Hand-picked: zero and non-zero pads on every side, 1-bit/unsigned/signed, FOLDS = 1 and > 1, one
    pixel, a >64-bit stream (wide Verilator ports), mixed-signedness join."""
    rng = np.random.default_rng(11)
    return [
        fmpadding(rng, "pad_a", (3, 4), (1, 2, 0, 1), 6, 2, "UINT3"),
        fmpadding(rng, "pad_b", (2, 2), (0, 0, 2, 1), 3, 3, "BINARY"),
        fmpadding(rng, "pad_c", (1, 3), (2, 1, 1, 0), 4, 1, "INT4"),
        duplicate(rng, "dup_a", (3, 3), 4, 2, "INT4"),
        duplicate(rng, "dup_b", (2, 2), 3, 1, "BINARY"),
        duplicate(rng, "dup_c", (2, 1), 40, 20, "UINT4"),
        addstreams(rng, "add_a", (3, 3), 4, 2, "INT3", "UINT2"),
        addstreams(rng, "add_b", (2, 2), 6, 3, "BINARY", "BINARY"),
        addstreams(rng, "add_c", (2, 3), 2, 1, "INT4", "INT4"),
        globalpool(rng, "gp_a", (3, 3), 4, 2, "UINT2"),
        globalpool(rng, "gp_b", (2, 2), 3, 3, "INT4"),
        globalpool(rng, "gp_c", (1, 1), 6, 2, "BINARY"),
        globalpool(rng, "gp_d", (4, 4), 2, 1, "BINARY"),
    ]


def random_cases(seed: int, per_kind: int = 4) -> list[Case]:
    """Random shapes, foldings and datatypes of every kind."""
    rng = np.random.default_rng(seed)
    dts = ["BINARY", "UINT2", "UINT4", "INT3", "INT4", "INT8"]

    def div(n: int) -> int:
        return int(rng.choice([d for d in range(1, n + 1) if n % d == 0]))

    out = []
    for k in range(per_kind):
        hw = tuple(int(v) for v in rng.integers(1, 5, size=2))
        c = int(rng.choice([1, 2, 3, 4, 6, 8, 12]))
        dt, dt1 = (str(v) for v in rng.choice(dts, size=2))
        pads = tuple(int(v) for v in rng.integers(0, 3, size=4))
        out += [
            fmpadding(rng, f"rpad{k}", hw, pads, c, div(c), dt),
            duplicate(rng, f"rdup{k}", hw, c, div(c), dt),
            addstreams(rng, f"radd{k}", hw, c, div(c), dt, dt1),
            globalpool(rng, f"rgp{k}", hw, c, div(c), dt),
        ]
    return out


def flat_outputs(cases: list[Case]) -> list[tuple[Case, int, np.ndarray]]:
    """(case, port, reference elements) per global output port."""
    return [(c, p, ref.reshape(-1)) for c in cases for p, ref in enumerate(c.refs)]


def n_beats(cases: list[Case]) -> list[int]:
    """Expected beats per global output port."""
    return [
        ref.size // s.elems
        for (_, _, ref), s in zip(flat_outputs(cases), out_streams([c.rtl for c in cases]), strict=True)
    ]


def simulate(exe, cases, **kw):
    """Run every case at once; returns the bench result (status 0 checked)."""
    res = run(exe, [c.rtl for c in cases], [x for c in cases for x in c.inputs], n_beats(cases), **kw)
    assert res.status == 0, f"bench status {res.status} (1 = a waiting output beat changed or vanished)"
    return res


def check_values(cases, res) -> None:
    for g, (c, p, ref) in enumerate(flat_outputs(cases)):
        np.testing.assert_array_equal(res.values[g], ref, err_msg=f"{c.layer.name} output {p}")


def check_periods(cases, res) -> None:
    """Steady-state cycles per frame (last beats of frames 1 .. FRAMES-1) equal the case's period."""
    streams = out_streams([c.rtl for c in cases])
    for g, ((c, p, ref), s) in enumerate(zip(flat_outputs(cases), streams, strict=True)):
        per = ref.size // s.elems // FRAMES
        last = res.when[g][per - 1 :: per]
        assert np.all(np.diff(last[1:]) == c.period), (
            c.layer.name,
            p,
            np.diff(last),
            c.period,
            c.rtl.exp_cycles,
        )


@pytest.fixture(scope="module")
def fast(tmp_path_factory):
    cases = fast_cases()
    return cases, build([c.rtl for c in cases], tmp_path_factory.mktemp("kinds_fast"))


def test_bit_exact_and_cycles_free_running(fast):
    """Always-valid inputs, always-ready outputs: values equal execute(); one beat per cycle, i.e.
    exp_cycles per frame (globalpool: exp_cycles - C/PE, its sums need no separate output phase)."""
    cases, exe = fast
    res = simulate(exe, cases)
    check_values(cases, res)
    check_periods(cases, res)
    for c in cases:
        assert c.rtl.exp_cycles == c.layer.exp_cycles()


@pytest.mark.parametrize("seed", [1, 2])
def test_bit_exact_with_gaps_and_backpressure(fast, seed):
    """Random input gaps and independent random backpressure on every output (both fork branches
    differently) change timing only."""
    cases, exe = fast
    rng = np.random.default_rng(seed)
    n_out = len(flat_outputs(cases))
    bp = [float(v) for v in rng.uniform(0.2, 0.8, size=n_out)]
    res = simulate(exe, cases, gap=0.35, bp=bp, seed=seed)
    check_values(cases, res)
    assert res.cycles > max(c.period for c in cases) * FRAMES


@pytest.mark.parametrize("stalled", [0, 1])
def test_fork_one_branch_stalled_long(fast, stalled):
    """One fork output never ready for 600 cycles while the other is always ready: the running branch
    gets at most the one beat already in the fork's register, nothing is lost or repeated, and both
    branches carry the full stream afterwards."""
    cases, exe = fast
    outs = flat_outputs(cases)
    t0, t1 = 6, 606
    stall = [
        (t0, t1) if c.layer.op_type.startswith("Duplicate") and p == stalled else (0, 0) for c, p, _ in outs
    ]
    res = simulate(exe, cases, stall=stall)
    check_values(cases, res)
    for g, (c, p, _ref) in enumerate(outs):
        if not c.layer.op_type.startswith("Duplicate"):
            continue
        w = res.when[g]
        if p == stalled:
            assert not np.any((w >= t0) & (w < t1)), c.layer.name
        else:
            assert np.sum(w < t0) >= 1  # it ran before the stall
            assert np.sum((w >= t0) & (w < t1)) <= 1, (c.layer.name, w[:10])
        assert res.when[g][-1] >= t1  # the stream finished after the stall


def test_lint_clean(fast, tmp_path):
    """verilator --lint-only -Wall --language 1364-2005 (with the project waiver file) finds nothing
    in any module under every parameter set of the bench."""
    cases, _ = fast
    files = []
    for name, text in sources([c.rtl for c in cases]).items():
        (tmp_path / name).write_text(text)
        files.append(tmp_path / name)
    assert lint_verilog(files, "tb_top", tmp_path / "lint.log") == []


def test_rtl_spec_parameters():
    """Parameters and stream formats worked out by hand from the FINN attributes."""
    rng = np.random.default_rng(0)
    r = fmpadding(rng, "p", (3, 4), (1, 2, 0, 1), 6, 2, "UINT3").rtl
    assert (r.module, r.params) == (
        "pcnn_fmpadding",
        dict(SIMD=2, BITS=3, CF=3, IH=3, IW=4, PT=1, PL=2, PB=0, PR=1),
    )
    assert r.exp_cycles == 3 * 4 * 7 and r.inp.width == r.out.width == 6
    r = duplicate(rng, "d", (2, 2), 6, 3, "INT4").rtl
    assert (r.module, r.params, len(r.outputs), r.out.width) == ("pcnn_duplicate", {"WIDTH": 12}, 2, 12)
    r = addstreams(rng, "a", (2, 2), 4, 2, "INT3", "UINT2").rtl  # [-4, 3] + [0, 3] = [-4, 6]: INT4
    assert r.params == dict(PE=2, IN0_BITS=3, IN0_SIGNED=1, IN1_BITS=2, IN1_SIGNED=0, OUT_BITS=4)
    assert [s.fmt for s in r.inputs] == [Fmt(3, True), Fmt(2, False)] and r.out.fmt == Fmt(4, True)
    g = globalpool(rng, "g", (4, 4), 4, 2, "INT4").rtl  # 16 * [-8, 7] = [-128, 112]: 8 bits signed
    assert g.params == dict(PE=2, IN_BITS=4, IN_SIGNED=1, FOLDS=2, PIX=16, OUT_BITS=8)
    assert globalpool(rng, "g", (3, 3), 2, 1, "UINT2").rtl.params["OUT_BITS"] == 5  # 27
    assert globalpool(rng, "g", (3, 3), 2, 1, "BINARY").rtl.params["OUT_BITS"] == 4  # 9
    assert g.exp_cycles == 16 * 2 + 2


def test_typed_errors():
    """Unsupported configurations are refused with the layer named."""
    rng = np.random.default_rng(0)
    add = addstreams(rng, "a", (2, 2), 4, 2, "UINT2", "UINT2")
    with pytest.raises(UnsupportedOpError, match="layer a: .*cannot hold"):
        rtl_layer(add.layer, (Fmt(4, False), Fmt(2, False)))  # wider stream than its declared UINT2
    with pytest.raises(UnsupportedOpError, match="layer a: ElementwiseAdd joins two"):
        rtl_layer(add.layer, Fmt(2, False))
    dup = make("DuplicateStreams_hls", 1, "d3", NumChannels=2, PE=1, NumOutputStreams=3, inputDataType="INT4")
    with pytest.raises(UnsupportedOpError, match="layer d3: .*NumOutputStreams=3"):
        rtl_layer(dup, Fmt(4, True))
    gp = make(
        "GlobalAccPool_hls", 1, "gb", NumChannels=2, PE=1, inputDataType="INT4", numInputVectors=[2, 3, 3]
    )
    with pytest.raises(UnsupportedOpError, match="layer gb: .*batch"):
        rtl_layer(gp, Fmt(4, True))
    pad = fmpadding(rng, "p", (2, 2), (1, 1, 1, 1), 2, 1, "INT4").layer
    with pytest.raises(UnsupportedOpError, match="layer p: FMPadding takes one"):
        rtl_layer(pad, (Fmt(4, True), Fmt(4, True)))


@pytest.mark.slow
@pytest.mark.parametrize("seed", [5, 6])
def test_random_shapes_and_foldings(tmp_path, seed):
    """Random shapes/foldings/datatypes of every kind: lint clean, bit-exact under gaps and
    backpressure, cycles per frame as the cycle model."""
    cases = random_cases(seed)
    exe = build([c.rtl for c in cases], tmp_path)
    check_periods(cases, simulate(exe, cases))
    rng = np.random.default_rng(seed)
    bp = [float(v) for v in rng.uniform(0.1, 0.9, size=len(flat_outputs(cases)))]
    check_values(cases, simulate(exe, cases, gap=0.4, bp=bp, seed=seed))
    files = []
    for name, text in sources([c.rtl for c in cases]).items():
        (tmp_path / name).write_text(text)
        files.append(tmp_path / name)
    assert lint_verilog(files, "tb_top", tmp_path / "lint.log") == []
