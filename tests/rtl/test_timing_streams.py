"""The timing-pipelined stream modules (#10) alone in Verilator: pcnn_fifo (output register, registered
full/empty flags) and pcnn_dwc (registered last-beat flag) stay bit-exact under random gaps and
backpressure, hold exactly their capacity, and keep the cycle behaviour the cycle model and the FIFO
sizing assume (one-cycle write-to-read latency, one beat per cycle; a k:1 converter one wide beat per k
narrow ones)."""

from __future__ import annotations

import numpy as np
import pytest
from kinds_harness import build, run

from pcnn_hw.core.hwspec import RtlLayer
from pcnn_hw.core.streams import Fmt, Stream
from pcnn_hw.rtl.stitch import template_text

DEPTHS = (2, 3, 100)  # flip-flop storage, smallest LUTRAM, deep LUTRAM behind the output register
N = 240  # beats per FIFO stream (several times the deepest FIFO)


def _mod(name: str, module: str, params: dict, inp: Stream, out: Stream) -> RtlLayer:
    files = {f"{module}.v": template_text(f"{module}.v")}
    return RtlLayer(name, "stream", module, params, inp, out, 0, files)


def _bench() -> list[RtlLayer]:
    u8 = Fmt(8, False)
    rs = [_mod(f"f{d}", "pcnn_fifo", {"WIDTH": 16, "DEPTH": d}, Stream(u8, 2), Stream(u8, 2)) for d in DEPTHS]
    rs.append(_mod("up", "pcnn_dwc", {"IW": 8, "OW": 32}, Stream(u8, 1), Stream(u8, 4)))
    rs.append(_mod("down", "pcnn_dwc", {"IW": 32, "OW": 8}, Stream(u8, 4), Stream(u8, 1)))
    return rs


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    rs = _bench()
    rng = np.random.default_rng(11)
    xs = [rng.integers(0, 256, size=N * 2) for _ in DEPTHS] + [rng.integers(0, 256, size=N * 4)] * 2
    n_out = [N] * len(DEPTHS) + [N, N * 4]
    return build(rs, tmp_path_factory.mktemp("streams")), rs, xs, n_out


@pytest.mark.parametrize(("gap", "bp", "seed"), [(0.3, 0.5, 1), (0.7, 0.2, 2), (0.1, 0.9, 3)])
def test_bit_exact_under_gaps_and_backpressure(bench, gap, bp, seed):
    """Every beat arrives once, in order, unchanged (the bench also fails a waiting beat that changes)."""
    exe, rs, xs, n_out = bench
    r = run(exe, rs, xs, n_out, gap=gap, bp=[bp] * len(n_out), seed=seed)
    assert r.status == 0
    for x, y in zip(xs, r.values, strict=True):
        np.testing.assert_array_equal(y.reshape(-1), x)


def test_capacity_with_a_stalled_sink(bench):
    """Sinks not ready for 399 cycles, then ready in the last cycle of the run: a FIFO has taken exactly
    DEPTH beats (its registered full flag holds in_tready low even in the cycle its sink takes one), an
    8->32 up-converter 4 (output register) + 3 (shift register) + 1 (its ready follows the sink's in the
    same cycle), a 32->8 down-converter 1; each output has delivered its first beat."""
    exe, rs, xs, n_out = bench
    r = run(exe, rs, xs, n_out, stall=[(0, 399)] * len(n_out), max_cycles=400)
    assert r.status == 3 and all(len(w) == 1 and w[0] == 399 for w in r.when)
    assert r.taken == [*DEPTHS, 8, 1]
    for x, y, s in zip(xs, r.values, [2, 2, 2, 4, 1], strict=True):
        np.testing.assert_array_equal(y.reshape(-1), x[:s])


def test_cycle_behaviour(bench):
    """No gaps, no backpressure: a FIFO emits beat k at cycle k + 1 (one-cycle latency, full rate), the
    up-converter one wide beat every 4 cycles from cycle 4, the down-converter one narrow beat per cycle
    from cycle 1 -- the latencies rtl/sizing.py and the layers' cycle models assume."""
    exe, rs, xs, n_out = bench
    r = run(exe, rs, xs, n_out)
    assert r.status == 0
    for k in range(len(DEPTHS)):
        np.testing.assert_array_equal(r.when[k], np.arange(1, N + 1))
    np.testing.assert_array_equal(r.when[len(DEPTHS)], 4 * np.arange(1, N + 1))
    np.testing.assert_array_equal(r.when[len(DEPTHS) + 1], np.arange(1, 4 * N + 1))
