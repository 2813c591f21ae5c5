"""Representative-slice synthesis of wide MVAUs (#12 item 4, pcnn_hw/rtl/yosys_slice.py): which instances
are sliced, the ROM cut, the linear scaling, the runs synth_design makes (fake Yosys), and one small
MVAU against a real whole run (slow)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers import mvau

from pcnn_hw.core.hwspec import Rom
from pcnn_hw.rtl import yosys
from pcnn_hw.rtl.rom import rom_verilog
from pcnn_hw.rtl.spec import Fmt, rtl_layers
from pcnn_hw.rtl.stitch import stitch
from pcnn_hw.rtl.yosys_slice import rom_words, scale, slice_instance, slice_plan, slice_rom
from pcnn_hw.rtl.yosys_stat import Resources, parse_stat_modules


def _design(mw: int, mh: int, pe: int, simd: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    return stitch(rtl_layers([mvau(rng, mw, mh, pe, simd, nvec=1)], Fmt(1)), mw)


def _mvau(d):
    return next(i for i in d.instances if i.module == "pcnn_mvau")


def test_slice_plan_picks_wide_mvaus_only() -> None:
    """PE >= 8 and >= 1024 lane bits: sliced; narrower, fewer PEs, or not an MVAU: whole."""
    wide = _design(256, 64, 64, 16)  # 1024 lanes
    assert slice_plan(_mvau(wide)) == (2, 4)
    assert slice_plan(_mvau(_design(256, 64, 64, 8))) is None  # 512 lanes
    assert slice_plan(_mvau(_design(512, 16, 4, 256))) is None  # 1024 lanes but PE 4
    assert all(slice_plan(i) is None for i in wide.instances if i.module != "pcnn_mvau")


def test_rom_words_round_trip_banked() -> None:
    """The words read back from a generated ROM (banked: 3 banks of 64) are the ones written, and the
    cut keeps each word's low bits at the same depth and style."""
    rng = np.random.default_rng(1)
    words = [int(rng.integers(0, 1 << 20)) for _ in range(130)]
    rom = Rom("rom_L_w", "w", 20, 130, "distributed")
    text = rom_verilog(rom, "L", "weights", "".join(f"{w:05x}\n" for w in words))
    assert rom_words(text, rom) == words
    cut, ctext = slice_rom(rom, text, "L", 8)
    assert (cut.width, cut.depth, cut.style, cut.module) == (8, 130, rom.style, rom.module)
    assert rom_words(ctext, cut) == [w & 0xFF for w in words]


def test_slice_instance_keeps_the_first_pes() -> None:
    """A 2-PE slice of PE 8: MH = NF * 2, output 2 PEs wide, ROM words = the first 2 PEs' lanes."""
    d = _design(64, 32, 8, 16)
    inst = _mvau(d)
    sl, files = slice_instance(inst, d, 2)
    assert (sl.params["PE"], sl.params["MH"], sl.params["SIMD"]) == (2, 8, 16)
    assert sl.out_width == inst.out_width // 4
    for full, cut in zip(inst.roms, sl.roms, strict=True):
        assert cut.width == full.width // 4 and cut.depth == full.depth
        want = [w & ((1 << cut.width) - 1) for w in rom_words(d.files[full.file], full)]
        assert rom_words(files[cut.file], cut) == want
    assert "pcnn_mvau.v" in files and "pcnn_addtree.v" in files


def test_scale_is_fixed_plus_per_pe_plus_rom() -> None:
    """D(p1) = 30, D(p2) = 50 LUT at p = 2, 4 -> 10 per PE, fixed 10 -> 10 + 64 * 10 = 650, + ROM 7."""
    d1 = Resources(lut_logic=30, ff=20, ramb18=1)
    d2 = Resources(lut_logic=50, ff=33, ramb18=1)
    r = scale(d1, d2, 2, 4, 64, Resources(lut_logic=7, lut_mem=4, ramb36=2))
    assert (r.lut_logic, r.lut_mem, r.lut, r.ramb18, r.ramb36) == (657, 4, 661, 1, 2)
    assert r.ff == 20 + round(62 * 13 / 2)  # 423


def test_parse_stat_modules_sections() -> None:
    """One Resources per ``=== module ===`` section; the hierarchy summary is not a module."""
    text = ("=== rom_a_w ===\n      3 cells\n        2   LUT2\n        1   FDRE\n"
            "=== synth_top ===\n      9 cells\n        9   LUT6\n"
            "=== design hierarchy ===\n        1   rom_a_w\n     12 cells\n       11   LUT6\n")  # fmt: skip
    mods = parse_stat_modules(text)
    assert set(mods) == {"rom_a_w", "synth_top"}
    assert (mods["rom_a_w"].lut, mods["rom_a_w"].ff, mods["synth_top"].lut) == (2, 1, 9)


def _fake_runs(monkeypatch):
    """Replace Yosys with a recorder: LUT = PE of the synthesized MVAU x 10 + 5, its ROM 3 LUT."""
    runs: list[tuple[str, str, bool]] = []

    def fake(what, files, top, family, cache_dir, timeout_s, on_start=None, hier=False):
        runs.append((what, files["synth_top.v"], hier))
        if "(weight ROM)" in what:
            path = {"ns": 3.0, "from": "w_rom.a1", "to": "w_rom.q", "lut_levels": 2, "carry_cells": 0}
            return {"resources": Resources(lut_logic=40, lut=40, ff=9), "timing": {"xc7-1": path},
                    "cached": False, "modules": {}}  # fmt: skip
        pe = int(files["synth_top.v"].split(".PE(")[1].split(")")[0])
        res = Resources(lut_logic=10 * pe + 5, lut=10 * pe + 5, ff=4 * pe)
        rom = Resources(lut_logic=3, lut=3, ff=pe)
        path = {"ns": 2.0 + pe, "from": "x", "to": "y", "lut_levels": pe, "carry_cells": 0}
        name = next(n[:-2] for n in files if n.startswith("rom_") and n.endswith("_w.v"))
        return {"resources": res, "timing": {"xc7-1": path}, "cached": False, "modules": {name: rom}}

    monkeypatch.setattr(yosys, "_run_cached_full", fake)
    return runs


def test_synth_design_slices_wide_mvaus(monkeypatch, tmp_path: Path) -> None:
    """The wide MVAU gets a 2- and a 4-PE slice run (hierarchical stat) and one run of its whole weight
    ROM; its row = the scaled datapath + that ROM, marked as scaled; timing = the worse path."""
    runs = _fake_runs(monkeypatch)
    monkeypatch.setattr(yosys, "_run_cached", lambda *a, **k: (Resources(lut=1), {}, False))
    d = _design(256, 64, 64, 16)
    inst = _mvau(d)
    ys = yosys.synth_design(d, tmp_path, tmp_path / "cache", jobs=1, slicing=True)
    assert [(w.split("(")[1], h) for w, _, h in runs] == [("2-PE slice)", True), ("4-PE slice)", True),
                                                          ("weight ROM)", False)]  # fmt: skip
    assert f"rom_{inst.name}_w {inst.name}_w_rom" in runs[2][1]  # the ROM alone, named as in the layer
    row = next(r for r in ys["instances"] if r["name"] == inst.name)
    # datapath D(p) = 10 p + 2 (ROM's 3 removed): 22 at 2 PEs, 42 at 4 -> 10 per PE -> 642 at 64, + 40
    assert row["LUT"] == 642 + 40
    assert row["FF"] == (4 * 2 - 2) + 62 * (12 - 6) // 2 + 9  # D = 3 p: 6 at 2, 12 at 4 -> 192, + 9
    assert row["slice"]["estimate"] == "scaled from a 4-PE slice"
    assert row["timing"]["xc7-1"]["ns"] == 6.0  # the 4-PE slice's path (6 ns) beats the ROM's (3 ns)
    ys2 = yosys.synth_design(d, tmp_path, tmp_path / "cache", jobs=1)  # default: whole
    assert "slice" not in next(r for r in ys2["instances"] if r["name"] == inst.name)


def test_synth_all_skips_flat_top_when_sliced(monkeypatch, tmp_path: Path) -> None:
    """A design with a sliced MVAU: no flattened run (it would synthesize the layer whole), a note."""
    _fake_runs(monkeypatch)
    monkeypatch.setattr(yosys, "_run_cached", lambda *a, **k: (Resources(lut=1), {}, False))
    flat_runs = []
    monkeypatch.setattr(yosys, "synth_flat", lambda *a, **k: flat_runs.append(1))
    d = _design(256, 64, 64, 16)
    _, note = yosys.synth_all(d, tmp_path, True, jobs=1, cache_dir=tmp_path / "c")
    assert flat_runs == [] and "synthesized as PE slices" in note and _mvau(d).name in note


@pytest.mark.slow
def test_slice_matches_whole_synthesis(tmp_path: Path) -> None:
    """A small XNOR MVAU (PE 16 x SIMD 32, 4 words per PE) synthesized whole and as 2-/4-PE slices +
    its ROM (real Yosys, cold cache): LUT within 10 %, FF within 5 %, the same LUT levels."""
    d = _design(128, 32, 16, 32, seed=4)
    inst = _mvau(d)
    cache = tmp_path / "c"
    whole, tw, _ = yosys.synth_instance_timed(inst, d, tmp_path, cache, 900)
    part, ts, _, note = yosys.synth_instance_sliced(inst, d, (2, 4), cache, 900)
    assert note["pe"] == 16
    assert abs(part.lut - whole.lut) <= 0.10 * whole.lut, (part, whole)
    assert abs(part.ff - whole.ff) <= 0.05 * whole.ff, (part, whole)
    assert ts["xc7-1"]["lut_levels"] == tw["xc7-1"]["lut_levels"]
