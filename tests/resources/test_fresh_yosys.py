"""The model against fresh Yosys runs on small random configurations that are not in the fit grid."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from pcnn_hw.resources import estimate
from pcnn_hw.rtl.spec import Fmt

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from resource_grid import _infra, _one, mvau  # noqa: E402


@pytest.mark.slow
def test_fresh_yosys_small_configs(tmp_path):
    """Two configurations off the grid (a 12-bit FIFO 40 deep, an XNOR MVAU 48x12 PE 4 SIMD 16):
    model within 20 % of a fresh synth_xilinx (own cache directory, so Yosys really runs)."""
    from pcnn_hw.rtl.yosys import synth_instance

    rng = np.random.default_rng(123)
    cfgs = [
        _infra("fifo", "pcnn_fifo", {"WIDTH": 12, "DEPTH": 40}, 12, 12),
        _one("mvau", [mvau(rng, 48, 12, 4, 16)], Fmt(1, False), 96),
    ]
    for c in cfgs:
        res, hit = synth_instance(c.inst, c.design, tmp_path, cache_dir=tmp_path / "cache", timeout_s=1200)
        e = estimate(c.inst)
        assert not hit
        assert abs(e.lut - res.lut) <= 0.20 * res.lut, (c.label, e, res)
        assert e.bram36 == res.bram36, (c.label, e, res)
