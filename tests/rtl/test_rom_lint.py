"""ROM contents inside the generated Verilog, the corrupted-rtl/ check, and Verilog-2005 lint of every
generated design (top, templates, ROMs, the board's AXI wrapper) with only the documented waivers."""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import chain_a, chain_b
from helpers import mvau

from pcnn_hw.errors import ModelFileError
from pcnn_hw.rtl.spec import Fmt, rtl_layers
from pcnn_hw.rtl.stitch import check_rtl_dir, stitch, write_design
from pcnn_hw.rtl.verilate import lint_design, lint_waivers


def _rom_words(text: str) -> list[int]:
    """Words of a generated ROM module, by address (parsed from its initial block)."""
    found = {int(a): int(v, 16) for a, v in re.findall(r"mem\[(\d+)\] = \d+'h([0-9a-f]+);", text)}
    return [found[k] for k in range(len(found))]


def test_roms_hold_the_weight_image_in_the_verilog():
    """No $readmemh anywhere; every MVAU's weight ROM module holds FINN's (PE, WMEM, SIMD) image."""
    layers = chain_a(seed=3)
    rl = rtl_layers(layers, Fmt(8))
    d = stitch(rl, 72)
    assert not any(re.search(r"\$readmem[hb]\s*\(", t) for t in d.files.values())
    assert not any(n.endswith(".memh") for n in d.files)
    checked = 0
    for layer in layers:
        if layer.op_type != "MVAU_hls" or not layer.xnor:
            continue
        words = _rom_words(d.files[f"rom_{layer.name}_w.v"])
        wm = np.asarray(layer.weight_mem)  # (PE, WMEM, SIMD), lane SIMD-1-s holds column s
        pe, wmem, simd = wm.shape
        assert len(words) == wmem
        for k in range(wmem):
            for p in range(pe):
                for s in range(simd):
                    assert (words[k] >> (p * simd + s)) & 1 == int(wm[p, k, simd - 1 - s] > 0)
        checked += 1
    assert checked >= 2
    top = d.files["top.v"]
    assert "rom_mv1_w mv1_w_rom" in top and "rom_mv1_t mv1_t_rom" in top


def test_rom_style_block_for_deep_memories():
    """rom_style/ram_style: block for a deep weight memory, distributed for a shallow one."""
    rng = np.random.default_rng(0)
    deep = rtl_layers([mvau(rng, 64, 4, 2, 1, name="deep")], Fmt(1))[0]  # WMEM = 64 * 2
    shallow = rtl_layers([mvau(rng, 8, 4, 2, 8, name="flat")], Fmt(1))[0]  # WMEM = 2
    assert '(* rom_style = "block", ram_style = "block" *)' in deep.files["rom_deep_w.v"]
    assert 'rom_style = "distributed"' in shallow.files["rom_flat_w.v"]
    assert 'rom_style = "distributed"' in deep.files["rom_deep_t.v"]  # NF = 2 words


def test_one_word_rom_is_a_constant_the_yosys_runner_flattens():
    """WMEM = 1 (and NF = 1 thresholds): the ROM module is `assign q = <the word>` (no memory, no register,
    whatever the style), and the Yosys script keeps only the other weight ROMs as hierarchies of their own."""
    from pcnn_hw.rtl.rom import is_constant_rom
    from pcnn_hw.rtl.yosys import _script_and_key

    rng = np.random.default_rng(0)
    layer = mvau(rng, 8, 4, 4, 8, name="flat")  # WMEM = 1, NF = 1
    rl = rtl_layers([layer], Fmt(1))[0]
    text = rl.files["rom_flat_w.v"]
    code = "\n".join(ln.split("//")[0] for ln in text.splitlines())  # without the comments
    assert "mem" not in code and "always" not in code and "initial" not in code and "reg" not in code
    word = int(re.search(r"assign q = 32'h([0-9a-f]+);", text).group(1), 16)
    wm = np.asarray(layer.weight_mem)  # (PE, 1, SIMD), lane SIMD-1-s holds column s
    pe, _, simd = wm.shape
    bits = [(int(wm[p, 0, simd - 1 - s] > 0), p * simd + s) for p in range(pe) for s in range(simd)]
    assert word == sum(b << k for b, k in bits)
    assert is_constant_rom(text) and is_constant_rom(rl.files["rom_flat_t.v"])
    deep = rtl_layers([mvau(rng, 64, 4, 2, 1, name="deep")], Fmt(1))[0]
    assert not is_constant_rom(deep.files["rom_deep_w.v"])
    files = {**rl.files, **deep.files, "synth_top.v": ""}
    script = _script_and_key(files, "synth_top", "xc7")[0]
    assert "-set keep_hierarchy 1 rom_deep_w;" in script  # the one weight ROM kept apart, not rom_flat_w


def test_corrupted_rtl_dir_names_the_file(tmp_path):
    """A missing or edited module/ROM file in rtl/ -> ModelFileError naming it; intact -> manifest."""
    d = stitch(rtl_layers(chain_b(seed=2), Fmt(8)), 30)
    out = write_design(d, tmp_path / "rtl")
    assert check_rtl_dir(out)["top"] == "top"
    (out / "rom_th0_t.v").unlink()
    with pytest.raises(ModelFileError, match="rom_th0_t.v: missing"):
        check_rtl_dir(out)
    write_design(d, out)
    p = out / "pcnn_mvau.v"
    p.write_text(p.read_text().replace("acc <=", "acc <= 0 &"))
    with pytest.raises(ModelFileError, match="pcnn_mvau.v: changed"):
        check_rtl_dir(out)
    (out / "design.json").unlink()
    with pytest.raises(ModelFileError, match="design.json: missing"):
        check_rtl_dir(out)


def test_lint_clean_random_chains(tmp_path):
    """Both random chains (every template, int/XNOR/no-activation MVAU, ROMs) lint clean."""
    for name, layers, per in (("a", chain_a(seed=3), 72), ("b", chain_b(seed=5), 30)):
        d = stitch(rtl_layers(layers, Fmt(8)), per)
        assert lint_design(d, tmp_path / name / "rtl") == [], name


def test_lint_reports_a_real_warning(tmp_path):
    """The lint sees what it must: an unused signal in a design file is a finding (names matching
    Verilator's default --unused-regexp "*unused*" would be silently exempt)."""
    d = stitch(rtl_layers(chain_b(seed=5), Fmt(8)), 30)
    assert d.files["pcnn_fifo.v"].count("endmodule") == 1
    d.files["pcnn_fifo.v"] = d.files["pcnn_fifo.v"].replace(
        "endmodule", "  wire spare_sig = in_tvalid;\nendmodule"
    )
    found = lint_design(d, tmp_path / "rtl")
    assert len(found) == 1 and "spare_sig" in found[0]


def test_waivers_are_one_documented_file():
    """Every waiver line is preceded by a comment block saying why."""
    lines = lint_waivers().read_text().splitlines()
    assert lines[0] == "`verilator_config"
    rules = [i for i, ln in enumerate(lines) if ln.startswith("lint_off")]
    assert rules
    for i in rules:
        j = i
        while lines[j - 1].startswith("lint_off"):
            j -= 1
        assert lines[j - 1].startswith("//"), lines[i]


@pytest.mark.parametrize("name", ["mini-cnv", pytest.param("sfc", marks=pytest.mark.slow)])
def test_lint_clean_network_and_wrapper(name, model_builds, tmp_path):
    """A whole network's RTL, and the Vivado AXI wrapper around it, lint clean."""
    from pcnn_hw.board.buildinfo import make_spec
    from pcnn_hw.board.rtltop import find_rtl_top
    from pcnn_hw.board.wrapper import WRAPPER_FILE, wrapper_verilog
    from pcnn_hw.rtl.flow import load_design

    rd = load_design(model_builds(name))
    d = rd.stitch()
    assert lint_design(d, rd.rtl_dir) == []
    spec = make_spec(rd.build_dir)  # the wrapper alone: generate() also gates on report.json["rtl"]
    wrapper = tmp_path / WRAPPER_FILE
    wrapper.write_text(wrapper_verilog(find_rtl_top(rd.build_dir, spec.name), spec))
    assert lint_design(d, rd.rtl_dir, extra=(wrapper,), top="pcnn_accel_wrapper") == []
