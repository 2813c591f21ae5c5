"""Our resource model (pcnn_hw/resources): fitted coefficients load, monotone in the folding, and its
error on held-out layers against a stored table of Yosys results (real-build instances, not the grid)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pcnn_hw.errors import ModelFileError
from pcnn_hw.resources import estimate, estimate_parts, load_fit
from pcnn_hw.resources.features import bram_mux, bram_tiles, bram_tiling, brams, clog2, kind_of
from pcnn_hw.resources.model import rom_shapes
from pcnn_hw.resources.shapes import mvau_shape, swg_shape

DATA = Path(__file__).parent / "data" / "yosys_heldout.json"
KINDS = {"mvau_xnor", "mvau_int", "mvau_int1", "thresholding", "swg", "swg_par", "pool", "labelselect",
         "fifo", "dwc", "duplicate", "addstreams", "fmpadding", "globalpool"}
XNOR = {"PE": 1, "SIMD": 1, "MW": 576, "MH": 64, "XNOR": 1, "NO_ACT": 0, "IN_BITS": 1, "IN_SIGNED": 0,
        "W_BITS": 1, "ACC_BITS": 11, "N_STEPS": 1, "OUT_BITS": 1, "ACT_VAL": 0}


def _divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def test_fit_loads_with_every_kind():
    """fit.json ships as package data, names the Yosys it was fitted to and covers every RTL kind."""
    fit = load_fit()
    assert fit["yosys"].startswith("Yosys ")
    assert KINDS <= set(fit["kinds"])
    for kind in KINDS:
        for target in ("LUT", "FF", "DSP"):
            coefs = fit["kinds"][kind][target]
            assert coefs and all(v >= 0 for v in coefs.values()), (kind, target)


def test_bad_fit_file_is_a_typed_error():
    """A fit file without its keys raises ModelFileError naming the file."""
    with pytest.raises(ModelFileError, match="fit.json"):
        load_fit('{"kinds": {}}')
    with pytest.raises(ModelFileError, match="no coefficients"):
        estimate_parts("pcnn_mvau", XNOR, [(1, 576 * 64, "block")], fit={"kinds": {}, "yosys": "x"})


def test_mvau_monotone_in_pe_and_simd():
    """More PE or SIMD never costs fewer LUTs/FFs within a regime: same weight-memory kind (block or LUT
    ROM of more than one word; one word = constants Yosys folds into the XNORs), same LUT-ROM address
    class (<= 5 address bits merge with the XNOR into one LUT6; 6 and 7 need more) and NF > 1 or NF = 1
    (no replay buffer) on both sides. Across regimes the weight bits (MW*MH) stay the same and the
    model may trade ROM depth for lanes, as Yosys does."""
    regime = {}
    for pe in _divisors(64):
        for simd in _divisors(576):
            _, p, roms = mvau_shape(XNOR, pe, simd)
            depth, style = roms[0][1], roms[0][2]
            if depth == 1 or pe * simd > 4096:
                continue
            abits = min(max(clog2(depth), 5), 7)  # LUT-ROM mapping class: <= 5, 6, 7 address bits
            regime[(pe, simd)] = ((style, abits, pe == 64), estimate_parts("pcnn_mvau", p, roms))
    checked = 0
    for (pe, simd), (style, est) in regime.items():
        for nxt in ((pe * 2, simd), (pe, simd * 2), (pe, simd * 3)):
            if nxt in regime and regime[nxt][0] == style:
                bigger = regime[nxt][1]
                assert bigger.lut > est.lut and bigger.ff >= est.ff, ((pe, simd), nxt, est, bigger)
                checked += 1
    assert checked > 20


def test_swg_buffer_follows_simd():
    """The sliding window's buffer address bits shrink with SIMD (fewer beats per pixel), as spec.py."""
    base = {"BEAT": 1, "CF": 64, "OH": 12, "OW": 12, "DEPTHWISE": 0, "AW": 12, "IH": 14, "IW": 14, "KH": 3,
            "KW": 3, "SH": 1, "SW": 1, "DH": 1, "DW": 1}
    aws = [swg_shape(base, 1, 64, s)[1]["AW"] for s in (1, 2, 4, 8, 16, 32, 64)]
    assert aws == sorted(aws, reverse=True) and aws[0] > aws[-1]


def test_bram_tiling():
    """Cheapest RAMB18/36 tiling, checked against what Yosys chose on grid runs (weight ROMs 128 x 144
    -> 2 RAMB36, 8 x 2048 -> 1 RAMB18, 32 x 160 -> 1 RAMB18; FIFO 24 x 100 -> 1 RAMB18)."""
    assert bram_tiles(128, 144) == (0, 2)
    assert bram_tiles(8, 2048) == (1, 0)
    assert bram_tiles(32, 160) == (1, 0)
    assert bram_tiles(24, 100) == (1, 0)


def test_bram_tiling_packs_depth_slices_like_yosys():
    """Yosys lays a memory's depth slices side by side in the cells' width, parity bits included (held-out
    cnv / sfc weight ROMs, counts from their stored Yosys runs): 192 x 1536 -> 8 RAMB36 (not 3 x 3),
    48 x 12288 -> 16 RAMB36 (not 6 x 3), 32 x 8192 -> 15 RAMB18 (cheaper than 8 RAMB36 at libmap's
    cell costs); 1152 x 128 -> 16 RAMB36, 512 x 392 -> 15 RAMB18, 256 x 256 -> 4 RAMB36, 16 x 8192 -> 4."""
    assert bram_tiles(192, 1536) == (0, 8)
    assert bram_tiles(48, 12288) == (0, 16)
    assert bram_tiles(32, 8192) == (15, 0)
    assert bram_tiles(1152, 128) == (0, 16)
    assert bram_tiles(512, 392) == (15, 0)
    assert bram_tiles(256, 256) == (0, 4)
    assert bram_tiles(16, 8192) == (0, 4)
    assert bram_tiles(1, 5120) == (1, 0)


def test_bram_slice_mux_luts():
    """A block ROM tiled in several depth slices reads through a slices:1 mux per bit: a lone 192 x 1536
    ROM synthesized to 8 RAMB36E1 (READ_WIDTH_A 72) and 192 LUT5 (Yosys, xc7); 1 slice: no mux."""
    assert bram_tiling(192, 1536) == (0, 8, 3)
    assert bram_mux([(192, 1536, "block")]) == 192
    assert bram_mux([(32, 8192, "block"), (11, 512, "block")]) == 32  # 4 slices of 2048 x 9; 1 slice
    assert bram_mux([(1152, 128, "block"), (192, 1536, "distributed"), (8, 1, "block")]) == 0


def test_no_bram_for_constants_and_two_deep_fifos():
    """A one-word ROM is a constant (any style) and a 2-deep FIFO's one memory entry is flip-flops: Yosys
    used no BRAM for cnv's 1152-bit 2-deep FIFO (the model said 16 RAMB36)."""
    assert brams("pcnn_fifo", {"WIDTH": 1152, "DEPTH": 2}, []) == (0, 0)
    assert brams("pcnn_fifo", {"WIDTH": 24, "DEPTH": 100}, []) == (1, 0)
    assert brams("pcnn_mvau", {}, [(1152, 1, "block"), (12, 128, "block")]) == (1, 0)


def _heldout() -> list[dict]:
    return json.loads(DATA.read_text())["runs"]


class _Row:
    def __init__(self, r: dict) -> None:
        self.module, self.params, self.roms = r["module"], r["params"], r["roms"]


def test_heldout_layers_against_stored_yosys():
    """Real-build instances (tfc / sfc / mini-cnv / cnv / resnet-mini, never in the fit grid) against their
    stored Yosys counts: each layer's LUT within its bound and its BRAM exact, the LUT total within 10 %."""
    rows = _heldout()
    assert len(rows) >= 8
    tot_y = tot_m = 0.0
    for r in rows:
        e = estimate(_Row(r))
        y = r["yosys"]
        tot_y += y["LUT"]
        tot_m += e.lut
        assert abs(e.lut - y["LUT"]) <= r["bound"] * max(y["LUT"], 1), (r["label"], e.lut, y["LUT"])
        assert e.bram36 == y["BRAM36"], (r["label"], e, y)  # every row, cnv's deep ROMs and wide FIFOs too
    assert {r["label"].split("/")[0] for r in rows} == {"cnv", "mini-cnv", "sfc", "tfc", "resnet-mini"}
    assert abs(tot_m - tot_y) <= 0.10 * tot_y, (tot_m, tot_y)


def test_rom_shapes_of_stored_rows_and_kinds():
    """The stored rows carry ROM shapes the model reads, and map to known kinds."""
    for r in _heldout():
        assert kind_of(r["module"], r["params"]) in KINDS
        assert len(rom_shapes(_Row(r))) == len(r["roms"])
