"""The four residual-net kinds' modules through Yosys synth_xilinx (register budget, logic depth) and the
import rule of their rtl.py (tests/rtl/test_kinds.py has the simulations)."""

from __future__ import annotations

import numpy as np
import pytest
from test_kinds import Case, addstreams, duplicate, fmpadding, globalpool


def synth_cases() -> list[Case]:
    """Residual-net sized instances: padding of a 1-bit 16x16x32 map (SIMD 8), fork and join of an INT4
    residual stream (PE 4), global pool of 4x4x64 INT4 (PE 4)."""
    rng = np.random.default_rng(0)
    return [
        fmpadding(rng, "pad", (16, 16), (1, 1, 1, 1), 32, 8, "BINARY"),
        duplicate(rng, "dup", (8, 8), 32, 4, "INT4"),
        addstreams(rng, "add", (8, 8), 32, 4, "INT4", "INT4"),
        globalpool(rng, "gp", (4, 4), 64, 4, "INT4"),
    ]


# flip-flops of each synth case, counted from the Verilog: registered output beat + valid + counters
SYNTH_FF = {
    "pad": 8 + 1 + 2 + 5 + 5 + 2,  # o, ov, f (CF 4), r (18 rows), c (18 cols), rin/cin
    "dup": 16 + 2,  # one shared data register, a valid bit per branch
    "add": 4 * 5 + 1,  # PE x INT5 sums, ov
    # o (PE x INT8), ov, f (16 folds), px (16 pixels), first/last, and the copy of f Yosys keeps as the
    # LUTRAM address of the running sums (RAM32M, not flip-flops)
    "gp": 4 * 8 + 1 + 4 + 4 + 2 + 4,
}


@pytest.mark.slow
def test_yosys_synth_each_module():
    """synth_xilinx (xc7) of each module alone: the register count is what the Verilog says (the fork
    keeps one data register, the pool's running sums are LUTRAM, not flip-flops) and the worst
    register-to-register path is short (<= 4 LUT levels)."""
    from kinds_harness import synth

    for c in synth_cases():
        res, timing = synth(c.rtl)
        print(c.layer.name, c.rtl.module, c.rtl.params, res.to_dict(), timing)
        assert res.ff == SYNTH_FF[c.layer.name], (c.layer.name, res.ff)
        assert res.dsp == 0 and res.bram36 == 0
        assert timing["lut_levels"] <= 4, (c.layer.name, timing)
    assert res.lut_mem > 0  # the pool's 16 x 32-bit running sums


def test_kind_rtl_does_not_import_the_rtl_backend():
    """layers/<kind>/rtl.py imports only pcnn_hw.core, pcnn_hw.errors and its own layer (no cycle with
    pcnn_hw.rtl, which dispatches to it); its module template ships as package data beside it."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "for k in ('fmpadding', 'duplicate', 'addstreams', 'globalpool'):\n"
        "    m = __import__(f'pcnn_hw.layers.{k}.rtl', fromlist=['rtl_spec'])\n"
        "    assert m.template().startswith('`timescale'), k\n"
        "bad = ('pcnn_hw.rtl', 'pcnn_hw.hls', 'pcnn_hw.compile')\n"
        "print(sorted(n for n in sys.modules if n.startswith(bad)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
