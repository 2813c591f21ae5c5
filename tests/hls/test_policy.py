"""One threshold/width policy for HLS and RTL: on every layer of real builds the HLS kernels' stream
formats and MVAU accumulator widths equal those of pcnn_hw/rtl/spec.py."""

from __future__ import annotations

import pytest

from pcnn_hw.core.streams import Fmt
from pcnn_hw.hls.generate import load_simulator, plan_build
from pcnn_hw.hls.policy import int_thresholds, label_bits


def _acc_bits(call: str) -> int:
    """ACCW of a planned mvau_* call (after MW, MH, SIMD, PE, NUMVEC and, for int MVAUs, 4 type args)."""
    args = [a.strip() for a in call[call.index("<") + 1 :].split(">")[0].split(",")]
    return int(args[5] if "xnor" in call else args[9])


@pytest.mark.parametrize("name", ["sfc", "mini-cnv"])
def test_hls_formats_equal_rtl(name, model_builds):
    from pcnn_hw.rtl.spec import rtl_layers

    build = model_builds(name)
    sim = load_simulator(build)
    _, kernels, _ = plan_build(build, sim)
    fin = Fmt(8, False) if sim.input_dtype == "UINT8" else Fmt(1, False)
    rtl = {r.name: r for r in rtl_layers(sim.layers, fin)}
    compared = 0
    for k in kernels:
        r = rtl.get(k.node)
        if r is None or k.op == "StreamWidthConverter":
            continue
        assert (k.out.fmt.bits, k.out.fmt.kind == 1) == (r.out.fmt.bits, r.out.fmt.signed), k.node
        if k.op.startswith("MVAU"):
            assert _acc_bits(k.call) == r.params["ACC_BITS"], k.node
        compared += 1
    assert compared >= 4 and any(k.op.startswith("LabelSelect") for k in kernels)


def test_threshold_policy_exact():
    """ceil, clip to [lo, hi+1], sort: the count #{T <= acc} is unchanged for every acc in range."""
    import numpy as np

    rng = np.random.default_rng(0)
    t = rng.uniform(-20, 20, size=(2, 3, 4))
    ti = int_thresholds(t, -8, 7)
    assert ti.min() >= -8 and ti.max() <= 8 and np.all(np.diff(ti, axis=2) >= 0)
    for acc in range(-8, 8):
        assert np.array_equal((acc >= t).sum(2), (acc >= ti).sum(2))
    assert label_bits("UINT8", 10) == 8 and label_bits("UINT2", 10) == 4


def test_ap_int_max_w_covers_twice_the_widest_word_and_refuses_beyond_vitis_limit() -> None:
    from pcnn_hw.errors import UnsupportedOpError
    from pcnn_hw.hls.generate import ap_int_max_w

    assert ap_int_max_w(["ap_uint<8> a; ap_int<32> b;"], "x") == 4096
    # fuzzer seed 190: a 5808-bit word; its width converter holds 5808 + 48 bits -> needs > 4096
    assert ap_int_max_w(["hls::stream<ap_uint<5808> > s;", "ap_uint<48>"], "x") == 12288
    with pytest.raises(UnsupportedOpError, match="layer-ish: a 20000-bit word"):
        ap_int_max_w(["ap_uint<20000>"], "layer-ish")
