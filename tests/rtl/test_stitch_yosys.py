"""Deterministic stitching, Yosys report parsing, tool discovery, FIFO sizing."""

from __future__ import annotations

import numpy as np
from conftest import chain_a, chain_b

from pcnn_hw.rtl.spec import Fmt, memh_words, rtl_layers
from pcnn_hw.rtl.stitch import stitch, write_design
from pcnn_hw.rtl.tools import find_verilator, find_yosys
from pcnn_hw.rtl.yosys import parse_stat, synth_instance

STAT = """
=== synth_top ===
        +----------Local Count, excluding submodules.
      401 cells
        2   CARRY4
       10   FDRE
        3   FDSE
       14   LUT2
       99   LUT6
        4   RAM64M
        2   SRLC32E
        1   RAMB18E1
        2   RAMB36E1
        1   DSP48E1
"""


def test_parse_stat_counts_luts_as_vivado():
    """Logic LUTs + LUTRAM (RAM64M = 4) + SRLs; BRAM36 = RAMB36 + RAMB18 / 2."""
    r = parse_stat(STAT)
    assert (r.lut_logic, r.lut_mem, r.lut, r.ff) == (113, 18, 131, 13)
    assert (r.ramb18, r.ramb36, r.bram36, r.dsp) == (1, 2, 2.5, 1)


def test_stitch_is_byte_identical(tmp_path):
    """Two stitches of the same layers give the same files, byte for byte, on disk too."""
    a = stitch(rtl_layers(chain_a(seed=11), Fmt(8)), 72, [3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
    b = stitch(rtl_layers(chain_a(seed=11), Fmt(8)), 72, [3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
    assert a.files == b.files
    write_design(a, tmp_path / "one")
    write_design(b, tmp_path / "two")
    for name in a.files:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
    assert "top.v" in a.files and any(n.startswith("rom_") for n in a.files)


def test_memh_layout():
    """Field j of a row lands at bits [j*b, (j+1)*b), two's complement, MSB-first hex."""
    assert memh_words(np.array([[1, 0, 3, -1]]), 2) == "f1\n"
    assert memh_words(np.array([[5], [-3]]), 4) == "5\nd\n"


def test_tools_found():
    """Verilator and Yosys come from the venv (make install); ToolMissingError otherwise."""
    v, y = find_verilator(), find_yosys()
    assert "VERILATOR_ROOT" in v.env and y.argv


def test_yosys_small_layer(tmp_path):
    """synth_xilinx on a small thresholding layer: the stat report parses into plausible counts."""
    d = stitch(rtl_layers(chain_b(seed=2), Fmt(8)), 30)
    write_design(d, tmp_path / "rtl")
    inst = next(i for i in d.instances if i.name == "th0")
    res, hit = synth_instance(inst, d, tmp_path / "rtl", cache_dir=tmp_path / "cache")
    assert not hit and res.lut > 0 and res.ff > 0 and res.dsp == 0
    res2, hit2 = synth_instance(inst, d, tmp_path / "rtl", cache_dir=tmp_path / "cache")
    assert hit2 and res2 == res
