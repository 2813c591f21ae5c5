"""The optimizer's weight-memory style choice built as RTL (compile/fold_opt.py, MEMORY_STYLE_CHOICE):
a mini-MLP folding with mixed ``ram_style`` (one weight ROM in block RAM below the RTL's depth rule,
the others distributed) generates those ROM styles and simulates bit-exact against our simulator in
Verilator."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from pcnn_hw.compile import finn_compat, fold_opt, folding
from pcnn_hw.compile.build import load_model, step_path
from pcnn_hw.compile.context import BuildContext, FoldingSpec
from pcnn_hw.core.boards import get_board
from pcnn_hw.core.hwspec import BLOCK_MIN_DEPTH
from pcnn_hw.rtl.rom import is_constant_rom


@pytest.mark.slow
def test_mixed_style_folding_bit_exact_in_verilator(mlp_onnx: Path, tmp_path: Path, build_fn) -> None:
    """1,000 LUT / 0.5 BRAM36 on pynq-z2: the optimizer puts one shallow (< BLOCK_MIN_DEPTH words)
    weight ROM into block RAM and keeps the others distributed; the RTL writes exactly those styles and
    Verilator's outputs equal the simulator's on random frames."""
    from pcnn_hw.rtl.flow import run_rtl

    spec_dir = build_fn(mlp_onnx, tmp_path / "spec", steps=_upto_folding()).out_dir
    finn_compat.prepare_finn(tmp_path / "finn")
    b = get_board("pynq-z2")
    ctx = BuildContext(b, 100.0, FoldingSpec("auto", lut_fraction=1000 / b.lut, bram_fraction=0.5 / b.bram36),
                       tmp_path, stream=io.StringIO())
    model = fold_opt.step_folding(load_model(step_path(spec_dir, "specialize_layers"), check=False), ctx)
    styles = {n.name: (folding._inst(n).get_nodeattr("ram_style"), int(folding._inst(n).calc_wmem()))
              for n in model.graph.node if folding.base_op(n.op_type) == "MVAU"}
    assert {s for s, _ in styles.values()} == {"block", "distributed"}, styles
    assert any(s == "block" and d < BLOCK_MIN_DEPTH for s, d in styles.values()), styles  # against the rule
    cfg = tmp_path / "folding_config.json"
    res = build_fn(mlp_onnx, tmp_path / "rtl", folding=cfg)
    rep = run_rtl(res.out_dir, frames=4, synth=False)
    assert rep["bit_exact_frames"] == 4 and rep["cycles_vs_estimate"] == pytest.approx(1.0, abs=0.01)
    for name, (style, depth) in styles.items():
        text = (res.out_dir / "rtl" / f"rom_{name}_w.v").read_text()
        if depth == 1:  # a one-word ROM is a constant whatever the style (rtl/rom.py, issue #12)
            assert is_constant_rom(text) and "rom_style" not in text, name
            continue
        vivado = "block" if style == "block" else "distributed"
        assert re.search(rf'rom_style = "{vivado}"', text), name
    assert json.loads((res.out_dir / "folding_config.json").read_text()) == json.loads(cfg.read_text())


def _upto_folding() -> tuple:
    from pcnn_hw.compile.steps import DEFAULT_STEPS

    return DEFAULT_STEPS[: [s.name for s in DEFAULT_STEPS].index("folding")]
