"""The MVAU datapath has no combinational process (#10/#12): its leaf sums (bipolar mask-AND, element
sums), adder-tree nodes and threshold counts are continuous assigns, so Yosys' ``proc`` makes no
multiplexer per lane (an ``if (w[k]) s = s + x`` loop gave one $mux per lane and, on the 784-input first
layer at kv260 folding, a proc_mux tree that ran WebAssembly Yosys out of memory in proc_dlatch) and
no latch. Checked on elaborated small instances: the $mux count does not grow with SIMD or N_STEPS."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pcnn_hw.rtl.stitch import template_text
from pcnn_hw.rtl.tools import find_yosys, run_tool

BASE = {"PE": 2, "MW": 32, "MH": 4, "XNOR": 0, "IN_BITS": 8, "W_BITS": 1, "ACC_BITS": 16, "N_STEPS": 1,
        "OUT_BITS": 1}


def proc_cells(tmp: Path, module: str, sources: tuple[str, ...], params: dict[str, int]) -> dict[str, int]:
    """Cell counts of ``module`` with ``params`` after Yosys ``proc; flatten; opt_dff`` (opt_dff folds each
    register's enable/reset multiplexers into the flip-flop: the $mux cells left are the datapath's own
    selections and those of combinational processes)."""
    tmp.mkdir(parents=True, exist_ok=True)
    for n in sources:
        (tmp / n).write_text(template_text(n))
    sets = " ".join(f"-set {k} {v}" for k, v in params.items())
    script = (f"read_verilog -defer {' '.join(sources)}; chparam {sets} {module}; hierarchy -top {module}; "
              "proc; flatten; opt_dff; opt_clean; tee -q -o stat.txt stat")
    run_tool(find_yosys(), ["-q", "-p", script], tmp, tmp / "yosys.log", 300.0, f"yosys proc {module}")
    text = (tmp / "stat.txt").read_text()
    return {m.group(2): int(m.group(1)) for m in re.finditer(r"^\s+(\d+)\s+(\$\w+)\s*$", text, re.M)}


MVAU = ("pcnn_mvau.v", "pcnn_addtree.v")


@pytest.mark.parametrize(
    "what, small, big",
    [
        ("bipolar x UINT8 lanes", {"SIMD": 4}, {"SIMD": 16}),
        ("bipolar x INT4 lanes", {"SIMD": 4, "IN_BITS": 4, "IN_SIGNED": 1},
         {"SIMD": 16, "IN_BITS": 4, "IN_SIGNED": 1}),
        ("XNOR lanes", {"SIMD": 6, "XNOR": 1, "IN_BITS": 1, "ACC_BITS": 8},
         {"SIMD": 32, "XNOR": 1, "IN_BITS": 1, "ACC_BITS": 8}),
        ("thresholds", {"SIMD": 8, "N_STEPS": 3, "OUT_BITS": 2}, {"SIMD": 8, "N_STEPS": 15, "OUT_BITS": 4}),
    ],
)
def test_mvau_muxes_do_not_scale(tmp_path: Path, what: str, small: dict, big: dict) -> None:
    """More lanes / thresholds add adders and ANDs, never a process multiplexer or a latch."""
    a = proc_cells(tmp_path / "a", "pcnn_mvau", MVAU, {**BASE, **small})
    b = proc_cells(tmp_path / "b", "pcnn_mvau", MVAU, {**BASE, **big})
    for c in (a, b):
        assert c.get("$dlatch", 0) == 0 and c.get("$pmux", 0) == 0, (what, c)
    assert a.get("$mux", 0) == b.get("$mux", 0), (what, a, b)
    assert sum(b.values()) > sum(a.values()), (what, a, b)  # the bigger instance really is bigger


def test_thresholding_has_no_process_mux(tmp_path: Path) -> None:
    """The standalone threshold unit's count: no $mux from a process either (its only multiplexers are
    the enabled registers, independent of N_STEPS)."""
    th = ("pcnn_thresholding.v",)
    p = {"PE": 2, "C": 4, "IN_BITS": 8, "CW": 10}
    a = proc_cells(tmp_path / "t1", "pcnn_thresholding", th, {**p, "N_STEPS": 3, "OUT_BITS": 2})
    b = proc_cells(tmp_path / "t2", "pcnn_thresholding", th, {**p, "N_STEPS": 15, "OUT_BITS": 4})
    assert a.get("$mux", 0) == b.get("$mux", 0) and not b.get("$dlatch"), (a, b)


@pytest.mark.parametrize("name", ["pcnn_mvau.v", "pcnn_addtree.v", "pcnn_thresholding.v"])
def test_datapath_templates_have_no_combinational_process(name: str) -> None:
    """The rule itself: no ``always @*`` block in the datapath templates (only clocked processes)."""
    assert not re.search(r"always\s*@\s*(\*|\(\s*\*\s*\))", template_text(name)), name
