"""Feature regimes of pcnn_hw/resources/features.py that Yosys' mapping of our RTL decides."""

from __future__ import annotations

from pcnn_hw.resources.features import brams, features


def test_two_deep_fifo_is_flip_flops_at_any_width():
    """pcnn_fifo with DEPTH 2 stays in flip-flops however wide (Yosys on the ram_style RTL: 135 FF and no
    LUTRAM for 64 x 2), deeper ones are LUTRAM (16 x 32) or block RAM (24 x 100)."""
    for w in (1, 8, 72, 256):
        f = features("pcnn_fifo", {"WIDTH": w, "DEPTH": 2}, [])
        assert f["ffmem"] == 2 * w and f["lutram"] == 0.0, w
    f = features("pcnn_fifo", {"WIDTH": 16, "DEPTH": 32}, [])
    assert f["ffmem"] == 0.0 and f["lutram"] == 12.0  # RAM32M: 6 bits x 32 in 4 LUTs -> 3 x 4
    f = features("pcnn_fifo", {"WIDTH": 24, "DEPTH": 100}, [])
    assert f["ffmem"] == 0.0 and f["lutram"] == 0.0
    assert brams("pcnn_fifo", {"WIDTH": 24, "DEPTH": 100}, []) == (1, 0)


def test_thresholds_in_bram_cost_no_lut_rom():
    """An MVAU (or thresholding layer) whose threshold ROM is block RAM has no LUT-ROM term; the same
    thresholds as a 256-word logic ROM have 4 LUT6 per bit (256 words / 64)."""
    p = {"PE": 1, "SIMD": 256, "MW": 256, "MH": 256, "XNOR": 1, "NO_ACT": 0, "IN_BITS": 1, "W_BITS": 1,
         "ACC_BITS": 10, "N_STEPS": 1}
    w = (256, 256, "block")
    assert features("pcnn_mvau", p, [w, (10, 256, "block")])["trom"] == 0.0
    assert features("pcnn_mvau", p, [w, (10, 256, "distributed")])["trom"] == 10 * 4
    t = {"PE": 1, "C": 256, "N_STEPS": 1, "CW": 10, "IN_BITS": 9, "OUT_BITS": 1}
    assert features("pcnn_thresholding", t, [(10, 256, "block")])["trom"] == 0.0
    assert features("pcnn_thresholding", t, [(10, 256, "distributed")])["trom"] == 10 * 4


def _xnor(pe: int, simd: int, mw: int, mh: int, no_act: int = 0) -> dict:
    return {"PE": pe, "SIMD": simd, "MW": mw, "MH": mh, "XNOR": 1, "NO_ACT": no_act, "IN_BITS": 1,
            "W_BITS": 1, "ACC_BITS": 10, "N_STEPS": 1}


def test_no_activation_outputs_the_accumulator():
    """NO_ACT (a last layer) outputs PE x ACC_BITS accumulator bits as they are (pcnn_mvau.v g_acc); with
    an activation that path is the comparator's and the term is 0. The three tiny last layers of cnv /
    mini-cnv / sfc (28-52 Yosys LUT) were 15-23 % under without it."""
    rom = [(8, 320, "block")]
    assert features("pcnn_mvau", _xnor(1, 8, 256, 10, no_act=1), rom)["out"] == 10.0
    assert features("pcnn_mvau", _xnor(2, 8, 256, 10, no_act=1), [(16, 160, "block")])["out"] == 20.0
    assert features("pcnn_mvau", _xnor(1, 8, 256, 10), rom + [(10, 10, "distributed")])["out"] == 0.0


def test_logic_rom_address_term_is_the_unrounded_log2_depth():
    """A logic weight ROM of a depth that is no power of two costs less than the next power of two (the
    addresses past its words are don't-cares to Yosys): 6 words weigh log2(6) = 2.58 address bits per lane,
    8 words 3 (mini-cnv's MVAU_hls_2, 6 words, was 16 % over with the rounded-up 3 bits)."""
    six = features("pcnn_mvau", _xnor(16, 48, 144, 32), [(768, 6, "distributed"), (160, 2, "distributed")])
    eight = features("pcnn_mvau", _xnor(16, 48, 192, 32), [(768, 8, "distributed"), (160, 2, "distributed")])
    assert abs(six["lanes_abits"] - 768 * 2.585) < 1.0
    assert eight["lanes_abits"] == 768 * 3
