"""ROM styles (pcnn_hw/rtl/rom.py): every style simulates bit-exact in Verilator inside an MVAU (a banked
distributed ROM with a partial last bank, wide words, thresholds), the node attribute override is
honoured and checked, the banked layout holds the weight image, and each style lints clean."""

from __future__ import annotations

import re

import numpy as np
import pytest
from helpers import make_layer, mvau, run_chain

from pcnn_hw.errors import ConfigError
from pcnn_hw.rtl.rom import BANK_WORDS, auto_style, banks
from pcnn_hw.rtl.spec import Fmt, rtl_layers
from pcnn_hw.rtl.stitch import stitch
from pcnn_hw.rtl.verilate import lint_design


def _styled(layer, **attrs):
    """``layer`` with extra node attributes (the ROM style override)."""
    layer.attrs.update(attrs)
    return layer


def _rom_words(text: str) -> list[int]:
    """Words by address of a generated ROM, undoing the banked row layout (highest bank first)."""
    width = int(re.search(r"(\d+) words x (\d+) bits", text).group(2))
    depth = int(re.search(r"(\d+) words x", text).group(1))
    rows = {int(a): [int(v, 16) for v in re.findall(r"'h([0-9a-f]+)", body)]
            for a, body in re.findall(r"mem\[(\d+)\] = (.*);", text)}
    nrows = len(rows)
    words = {}
    for r, vals in rows.items():
        for i, v in enumerate(reversed(vals)):  # bank i
            words[r + i * nrows] = v
    assert all(v < (1 << width) for v in words.values())
    return [words[k] for k in range(depth)]


def test_auto_policy_is_todays_and_override_is_honoured():
    """auto = block from 128 words else distributed; ram_style / ram_style_thresholds override it."""
    assert auto_style(127) == "distributed" and auto_style(128) == "block"
    rng = np.random.default_rng(0)
    deep = rtl_layers([mvau(rng, 64, 4, 2, 1, name="deep")], Fmt(1))[0]  # WMEM 128, NF 2
    assert [r.style for r in deep.roms] == ["block", "distributed"]
    for style in ("block", "distributed", "logic"):
        m = _styled(mvau(rng, 64, 4, 2, 1, name="deep"), ram_style=style, ram_style_thresholds="block")
        rl = rtl_layers([m], Fmt(1))[0]
        assert [r.style for r in rl.roms] == [style, "block"]
        text = rl.files["rom_deep_w.v"]
        vivado = "block" if style == "block" else "distributed"
        assert f'(* rom_style = "{vivado}", ram_style = "{vivado}" *)' in text
        kind = {"block": 0, "logic": 1, "distributed": 2}[style]
        assert f"localparam integer KIND = {kind};" in text
        assert "localparam integer KIND = 0;" in rl.files["rom_deep_t.v"]


def test_bad_style_names_node_and_attribute():
    """FINN's 'ultra' (no UltraRAM ROM here) or a typo -> ConfigError naming the node and attribute."""
    rng = np.random.default_rng(1)
    with pytest.raises(ConfigError, match=r"layer M0: node attribute ram_style='ultra'"):
        rtl_layers([_styled(mvau(rng, 16, 4, 1, 4), ram_style="ultra")], Fmt(1))
    with pytest.raises(ConfigError, match=r"ram_style_thresholds='lut'"):
        rtl_layers([_styled(mvau(rng, 16, 4, 1, 4), ram_style_thresholds="lut")], Fmt(1))


def test_banked_layout_holds_the_weight_image():
    """A 100-word distributed ROM: 2 banks of 64 rows (last bank partial), word k readable at k."""
    rng = np.random.default_rng(2)
    m = mvau(rng, 64, 100, 4, 16, name="wide")  # SF 4 x NF 25 = 100 words of 64 bits
    rl = rtl_layers([m], Fmt(1))[0]
    rom = rl.roms[0]
    assert (rom.depth, rom.width, rom.style, banks(rom)) == (100, 64, "distributed", 2)
    words = _rom_words(rl.files["rom_wide_w.v"])
    wm = np.asarray(m.weight_mem)  # (PE, WMEM, SIMD), lane SIMD-1-s holds column s
    pe, wmem, simd = wm.shape
    for k in range(wmem):
        want = sum(int(wm[p, k, simd - 1 - s] > 0) << (p * simd + s) for p in range(pe) for s in range(simd))
        assert words[k] == want, k
    assert len(re.findall(r"mem\[\d+\] = ", rl.files["rom_wide_w.v"])) == BANK_WORDS


@pytest.mark.slow
def test_every_style_bit_exact_in_verilator(tmp_path):
    """One Verilator build of a chain holding every style: an 8-bit MVAU with a 120 x 16 banked ROM
    (2 banks, the last partial), a block ROM of 64-bit words, a 4-bank 240-word distributed ROM, logic
    ROMs (thresholds; 100 weight words); Verilator == the layers' own execute, with backpressure."""
    rng = np.random.default_rng(3)
    layers = [
        _styled(mvau(rng, 48, 40, 1, 16, kind="int", name="l0", nvec=2),
                ram_style="distributed", ram_style_thresholds="logic"),
        _styled(mvau(rng, 40, 96, 8, 8, name="l1", nvec=2),
                ram_style="block", ram_style_thresholds="distributed"),
        _styled(mvau(rng, 96, 60, 2, 12, name="l2", nvec=2),
                ram_style="distributed", ram_style_thresholds="logic"),
        _styled(mvau(rng, 60, 10, 1, 6, kind="acc", name="l3", nvec=2), ram_style="logic"),
    ]
    roms = [(r.depth, r.width, r.style, banks(r)) for rl in rtl_layers(layers, Fmt(8)) for r in rl.roms]
    assert roms == [
        (120, 16, "distributed", 2), (40, roms[1][1], "logic", 1),
        (60, 64, "block", 1), (12, roms[3][1], "distributed", 1),
        (240, 24, "distributed", 4), (30, roms[5][1], "logic", 1),
        (100, 6, "logic", 1),
    ]
    x = rng.integers(0, 256, size=(4, 2, 48))
    rtl, ref, _, _ = run_chain(layers, Fmt(8), x, tmp_path, backpressure=0.3)
    np.testing.assert_array_equal(rtl, ref)


def test_thresholding_layer_style_override():
    """A standalone Thresholding layer's ROM follows its ram_style attribute."""
    t = np.sort(np.random.default_rng(4).integers(0, 200, size=(8, 3)), axis=1)
    layer = make_layer("Thresholding_hls", {"t": t}, name="th", NumChannels=8, PE=1,
                       inputDataType="UINT8", outputDataType="UINT2", ActVal=0, numInputVectors=[1, 4],
                       ram_style="logic")
    rl = rtl_layers([layer], Fmt(8))[0]
    assert [r.style for r in rl.roms] == ["logic"]


def test_each_style_lints_clean(tmp_path):
    """Verilog-2005 lint (-Wall) of a design with one ROM of each style, banked included."""
    rng = np.random.default_rng(5)
    layers = [
        _styled(mvau(rng, 64, 100, 4, 16, name=f"l_{s}"), ram_style=s, ram_style_thresholds=s)
        for s in ("block", "distributed", "logic")
    ]
    d = stitch(rtl_layers(layers[:1], Fmt(1)), 64)
    assert lint_design(d, tmp_path / "block" / "rtl") == []
    for i, s in enumerate(("distributed", "logic"), 1):
        d = stitch(rtl_layers(layers[i:i + 1], Fmt(1)), 64)
        assert lint_design(d, tmp_path / s / "rtl") == [], s
