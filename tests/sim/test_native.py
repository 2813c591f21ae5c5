"""The native MVAU kernels against the numpy reference path (random data, random shapes)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from onnx import helper

from pcnn_hw.core.bits import PackedBits, pack_bits, pack_matrix_rows, xnor_popcount_matmul
from pcnn_hw.errors import SimulationError, ToolMissingError
from pcnn_hw.layers import layer_from_node
from pcnn_hw.layers.mvau import exact_int_matmul, unpack_output
from pcnn_hw.sim import native
from pcnn_hw.sim.native import NativeMvau


@pytest.fixture(scope="module")
def kernels():
    return native.load(required=True)


def _bits_ref(p: np.ndarray, thr: np.ndarray) -> np.ndarray:
    """Packed reference of P >= thr (thr rounded up like the kernels)."""
    return pack_bits((p >= np.ceil(thr)).astype(np.uint8))


@st.composite
def xnor_case(draw):
    seg = draw(st.integers(1, 150))
    segs = draw(st.integers(1, 4))
    return seg, segs, draw(st.integers(0, 40)), draw(st.integers(1, 70)), draw(st.integers(0, 2**31))


@settings(max_examples=60, deadline=None)
@given(xnor_case())
def test_xnor_kernels_equal_numpy(kernels, case) -> None:
    seg, segs, m, h, seed = case
    rng = np.random.default_rng(seed)
    k = seg * segs
    xb = rng.integers(0, 2, (m, k)).astype(np.uint8)
    wb = rng.integers(0, 2, (h, k)).astype(np.uint8)
    x = pack_matrix_rows(xb, seg) if m else np.zeros((0, segs * -(-seg // 64)), np.uint64)
    w = pack_matrix_rows(wb, seg)
    ref = xnor_popcount_matmul(x, w, k)
    np.testing.assert_array_equal(ref, (xb[:, None, :] == wb[None, :, :]).sum(-1))  # sanity of the reference
    kern = NativeMvau(kernels, "xnor", w, k, threads=2)
    acc, (lo, hi) = kern.accumulate(x)
    np.testing.assert_array_equal(acc, ref)
    thr = rng.integers(-2, k + 3, h).astype(np.float64) - rng.choice([0.0, 0.5], h)
    bits, stats = kern.threshold_bits(x, thr)
    np.testing.assert_array_equal(bits, _bits_ref(ref, thr))
    if m:
        assert (lo, hi) == (ref.min(), ref.max()) == stats
    else:
        assert lo > hi


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 30), st.integers(1, 80), st.integers(1, 70), st.integers(0, 2**31), st.booleans())
def test_int_kernels_equal_numpy(kernels, m, kx, h, seed, signed) -> None:
    rng = np.random.default_rng(seed)
    x = rng.integers(-128, 128, (m, kx)) if signed else rng.integers(0, 256, (m, kx))
    w = rng.integers(-128, 128, (kx, h)) if signed else rng.integers(-1, 2, (kx, h))
    assert NativeMvau.int_fits((x.min(initial=0), x.max(initial=0)), (w.min(), w.max()), kx)
    ref = x @ w
    kern = NativeMvau(kernels, "int", w, threads=2)
    acc, _ = kern.accumulate(x)
    np.testing.assert_array_equal(acc, ref)
    thr = rng.normal(0, 300, h)
    bits, (lo, hi) = kern.threshold_bits(x, thr)
    np.testing.assert_array_equal(bits, _bits_ref(ref, thr))
    if m:
        assert (lo, hi) == (ref.min(), ref.max())


def test_threaded_split_equals_single_thread(kernels) -> None:
    """Enough work to split rows over threads: same result as one thread and as numpy."""
    rng = np.random.default_rng(1)
    x = rng.integers(0, 2**63, (20000, 5), dtype=np.uint64)
    w = rng.integers(0, 2**63, (70, 5), dtype=np.uint64)
    one = NativeMvau(kernels, "xnor", w, 320, threads=1).accumulate(x)[0]
    two = NativeMvau(kernels, "xnor", w, 320, threads=2).accumulate(x)[0]
    np.testing.assert_array_equal(one, two)
    np.testing.assert_array_equal(one[:500], xnor_popcount_matmul(x[:500], w, 320))
    xi = rng.integers(0, 256, (40000, 27))
    wi = rng.integers(-1, 2, (27, 64))
    np.testing.assert_array_equal(NativeMvau(kernels, "int", wi, threads=2).accumulate(xi)[0], xi @ wi)


def test_extreme_thresholds_compare_like_numpy(kernels) -> None:
    rng = np.random.default_rng(4)
    x = rng.integers(0, 2**63, (9, 2), dtype=np.uint64)
    w = rng.integers(0, 2**63, (6, 2), dtype=np.uint64)
    p = xnor_popcount_matmul(x, w, 128)
    thr = np.array([np.nan, np.inf, -np.inf, 1e12, -1e12, 64.0])
    with np.errstate(invalid="ignore"):
        ref = pack_bits((p >= thr).astype(np.uint8))
    np.testing.assert_array_equal(NativeMvau(kernels, "xnor", w, 128).threshold_bits(x, thr)[0], ref)


def test_concurrent_callers_get_their_own_results(kernels) -> None:
    """Two Python threads in the kernels at once (the GIL is released): one uses the worker pool, the
    other computes alone; both results are right."""
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(5)
    jobs = []
    for _ in range(6):
        x = rng.integers(0, 2**63, (3000, 4), dtype=np.uint64)
        w = rng.integers(0, 2**63, (40, 4), dtype=np.uint64)
        jobs.append((x, w, xnor_popcount_matmul(x, w, 256)))

    def run(job):
        x, w, ref = job
        return np.array_equal(NativeMvau(kernels, "xnor", w, 256, threads=2).accumulate(x)[0], ref)

    with ThreadPoolExecutor(3) as ex:
        assert all(ex.map(run, jobs * 3))


def _child_runs_kernels(queue) -> None:
    kern = native.load(required=True)
    rng = np.random.default_rng(6)
    x = rng.integers(0, 2**63, (4000, 4), dtype=np.uint64)
    w = rng.integers(0, 2**63, (32, 4), dtype=np.uint64)
    queue.put(np.array_equal(NativeMvau(kern, "xnor", w, 256, threads=2).accumulate(x)[0],
                             xnor_popcount_matmul(x, w, 256)))


def test_forked_child_starts_its_own_workers(kernels) -> None:
    """The parent's worker threads do not exist in a forked child: the child must not wait for them."""
    import multiprocessing as mp

    rng = np.random.default_rng(7)
    x = rng.integers(0, 2**63, (4000, 4), dtype=np.uint64)
    w = rng.integers(0, 2**63, (32, 4), dtype=np.uint64)
    NativeMvau(kernels, "xnor", w, 256, threads=2).accumulate(x)  # the parent's pool is running
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child_runs_kernels, args=(queue,))
    proc.start()
    proc.join(timeout=120)
    alive = proc.is_alive()
    if alive:
        proc.kill()
    assert not alive, "the forked child hung in the kernels"
    assert proc.exitcode == 0 and queue.get(timeout=5)


def test_int_fits_rejects_wide_operands() -> None:
    assert NativeMvau.int_fits((0, 255), (-1, 1), 27)
    assert not NativeMvau.int_fits((-(2**15), 2**15 - 1), (-1, 1), 27)  # a product may not fit int16
    assert not NativeMvau.int_fits((0, 255), (-128, 127), 2**20)  # the sum may not fit int32
    assert not NativeMvau.int_fits((0, float("inf")), (-1, 1), 8)  # float input


def test_size_mismatch_is_a_clear_error(kernels) -> None:
    w = np.zeros((8, 2), np.uint64)
    kern = NativeMvau(kernels, "xnor", w, 128)
    with pytest.raises(ValueError, match="do not match"):
        kern.accumulate(np.zeros((3, 3), np.uint64))
    with pytest.raises(ValueError, match="x: buffer has"):
        kernels.xnor_acc(np.zeros(5, np.uint64), kern.blocked, np.zeros((3, 8), np.int32), 3, 2, 8, 128, 1)
    with pytest.raises(ValueError, match="thresholds for"):
        kern.threshold_bits(np.zeros((3, 2), np.uint64), np.zeros(7))


# -- the MVAU layer on either backend ---------------------------------------------------------------


def _node(mw, mh, xnor, noact, idt, wdt, odt, acc="INT32"):
    return helper.make_node(
        "MVAU_hls", ["x", "w"] + ([] if noact else ["t"]), ["y"], name="mvau0",
        domain="finn.custom_op.fpgadataflow.hls", MW=mw, MH=mh, PE=1, SIMD=1, binaryXnorMode=int(xnor),
        noActivation=int(noact), inputDataType=idt, weightDataType=wdt, outputDataType=odt,
        accDataType=acc, numInputVectors=[1], ActVal=0,
    )


@pytest.mark.parametrize(
    "xnor,noact,steps,odt",
    [(True, False, 1, "BINARY"), (True, True, 0, "INT32"), (True, False, 3, "UINT2"),
     (False, False, 1, "BINARY"), (False, True, 0, "INT32"), (False, False, 3, "UINT2")],
)
def test_mvau_native_equals_numpy(kernels, xnor, noact, steps, odt) -> None:
    rng = np.random.default_rng(7)
    mw, mh = 150, 37
    w = rng.integers(0, 2, (mw, mh)).astype(np.float32) if xnor else rng.choice([-1.0, 1.0], (mw, mh))
    thr = np.sort(rng.integers(0 if xnor else -200, mw if xnor else 200, (mh, max(1, steps))), axis=1)
    inits = {"w": w, "t": thr.astype(np.float32)}
    node = _node(mw, mh, xnor, noact, "BINARY" if xnor else "UINT8", "BINARY" if xnor else "INT2", odt)
    ref_layer, nat_layer = layer_from_node(node, inits.get), layer_from_node(node, inits.get)
    assert nat_layer.use_native(kernels)
    xs = rng.integers(0, 2, (6, 2, 3 * 50)).astype(np.uint8) if xnor else rng.integers(0, 256, (6, 2, mw))
    # XNOR input in three 50-bit segments (as after a sliding window); int input as int8-compact ints
    x = PackedBits.from_bits(xs, seg_bits=50) if xnor else xs.astype(np.int16)
    np.testing.assert_array_equal(unpack_output(nat_layer.execute(x)), unpack_output(ref_layer.execute(x)))


def test_fused_path_records_accumulator_overflow_like_numpy(kernels) -> None:
    """FINN's XNOR accDataType may not hold 0..MW: the fused kernel still reports the overflow."""
    mw, mh = 64, 4
    w = np.ones((mw, mh), np.float32)
    inits = {"w": w, "t": np.full((mh, 1), 10.0, np.float32)}
    node = _node(mw, mh, True, False, "BINARY", "BINARY", "BINARY", acc="INT6")  # INT6 holds <= 31
    ref_layer, nat_layer = layer_from_node(node, inits.get), layer_from_node(node, inits.get)
    nat_layer.use_native(kernels)
    x = PackedBits.from_bits(np.concatenate([np.ones((2, mw)), np.zeros((1, mw))]).astype(np.uint8))
    np.testing.assert_array_equal(unpack_output(nat_layer.execute(x)), unpack_output(ref_layer.execute(x)))
    assert nat_layer.overflow is not None
    assert nat_layer.overflow == ref_layer.overflow
    assert nat_layer.overflow["values"] == 2 * mh and nat_layer.overflow["max"] == mw


def test_float_input_with_fractions_takes_the_numpy_path(kernels) -> None:
    rng = np.random.default_rng(2)
    w = rng.choice([-1.0, 1.0], (5, 3))
    node = _node(5, 3, False, True, "UINT8", "INT2", "INT32")
    ref_layer, layer = layer_from_node(node, {"w": w}.get), layer_from_node(node, {"w": w}.get)
    layer.use_native(kernels)
    x = np.array([[0.5, 1.0, 2.0, 3.0, 4.25], [0.75, 0.75, 0.75, 0.75, 0.75]])
    assert layer._native_rows(x) is None  # noqa: SLF001 - the int16 kernel would truncate the inputs
    np.testing.assert_array_equal(unpack_output(layer.execute(x)), unpack_output(ref_layer.execute(x)))
    xi = np.array([[1.0, 2.0, 3.0, 4.0, 255.0]])
    assert layer._native_rows(xi) is not None  # noqa: SLF001
    np.testing.assert_array_equal(unpack_output(layer.execute(xi)), exact_int_matmul(xi, w))


# -- building and loading --------------------------------------------------------------------------


def test_missing_compiler_falls_back_or_raises(monkeypatch) -> None:
    monkeypatch.setattr(native, "_loaded", None)
    monkeypatch.setattr(native, "_failure", None)
    monkeypatch.setattr(native.shutil, "which", lambda name: None)
    with pytest.raises(ToolMissingError, match="no C compiler"):
        native.load(required=True)
    monkeypatch.setattr(native, "_failure", None)
    with pytest.warns(UserWarning, match="using numpy"):
        assert native.load() is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert native.load() is None  # reported once


def test_compile_error_is_reported_with_compiler_output(monkeypatch, tmp_path) -> None:
    bad = tmp_path / "kernels.c"
    bad.write_text("this is not C\n")
    monkeypatch.setattr(native, "SOURCE", bad)
    monkeypatch.setattr(native, "cache_dir", lambda: tmp_path / "cache")
    with pytest.raises(SimulationError, match="compiling the native kernels failed"):
        native.build()
    assert not list((tmp_path / "cache").rglob("*.so")), "no partial library left behind"


def test_portable_build_equals_the_simd_build(kernels, monkeypatch, tmp_path) -> None:
    """The plain-C variant (CPUs without AVX2/POPCNT) computes the same as the one in use here."""
    monkeypatch.setattr(native, "cache_dir", lambda: tmp_path / "cache")
    monkeypatch.setattr(native, "compile_flags", lambda: native.BASE_FLAGS)
    plain = native._import(native.build())  # noqa: SLF001 - a second build of the same source
    rng = np.random.default_rng(8)
    x = rng.integers(0, 2**63, (300, 3), dtype=np.uint64)
    w = rng.integers(0, 2**63, (70, 3), dtype=np.uint64)
    thr = rng.integers(0, 192, 70)
    for threads in (1, 2):
        a, b = NativeMvau(kernels, "xnor", w, 192, threads), NativeMvau(plain, "xnor", w, 192, threads)
        np.testing.assert_array_equal(a.accumulate(x)[0], b.accumulate(x)[0])
        np.testing.assert_array_equal(a.threshold_bits(x, thr)[0], b.threshold_bits(x, thr)[0])
        assert a.threshold_bits(x, thr)[1] == b.threshold_bits(x, thr)[1]
    xi = rng.integers(-128, 128, (500, 29))
    wi = rng.integers(-3, 4, (29, 90))
    a, b = NativeMvau(kernels, "int", wi), NativeMvau(plain, "int", wi)
    np.testing.assert_array_equal(b.accumulate(xi)[0], xi @ wi)
    np.testing.assert_array_equal(a.threshold_bits(xi, thr[:1].repeat(90))[0],
                                  b.threshold_bits(xi, thr[:1].repeat(90))[0])


def test_unwritable_cache_falls_back(monkeypatch, tmp_path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache folder should go")
    monkeypatch.setattr(native, "cache_dir", lambda: blocked / "native")
    monkeypatch.setattr(native, "fallback_cache_dir", lambda: tmp_path / "fallback")
    assert native.build().is_relative_to(tmp_path / "fallback")
    monkeypatch.setattr(native, "fallback_cache_dir", lambda: blocked / "too")
    with pytest.raises(SimulationError, match="no writable cache"):
        native.build()


def test_build_is_cached_by_content(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(native, "cache_dir", lambda: tmp_path / "cache")
    first = native.build()
    mtime = first.stat().st_mtime_ns
    assert native.build() == first and first.stat().st_mtime_ns == mtime
