"""pcnn_swg's timing structure (#10): the buffer-difference adders (hm1 - step, af - bstep, ...) and the
read-address adder take registered operands. The step they add used to be a 6-way select of the
registered "counter at its last value" flags in front of the adder; at CF = 1 with 64-bit beats (cnv on
pynq-z2 at the 55 % LUT folding) that path was 5 LUT levels + 6 carry cells, 109.3 MHz by the netlist walk.

The fast test checks the property on the elaborated netlist (Yosys ``proc; opt``: every ``$sub``/``$add``
operand bit is a constant or a flip-flop output); the slow one synthesizes that cnv instance and checks
the walk's estimate against the goal (1.25 x the 100 MHz pynq-z2 / 200 MHz kv260 clocks)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from pcnn_hw.rtl.stitch import Instance, template_text
from pcnn_hw.rtl.tools import find_yosys, run_tool

# ConvolutionInputGenerator_rtl_1 of cnv on pynq-z2 at the optimizer's 55 % LUT folding
CNV55 = {"BEAT": 64, "CF": 1, "OH": 28, "OW": 28, "DEPTHWISE": 0, "AW": 7, "IH": 30, "IW": 30, "KH": 3,
         "KW": 3, "SH": 1, "SW": 1, "DH": 1, "DW": 1}
SMALL = {"BEAT": 2, "CF": 2, "OH": 3, "OW": 3, "DEPTHWISE": 0, "AW": 6, "IH": 5, "IW": 5, "KH": 3, "KW": 3,
         "SH": 1, "SW": 1, "DH": 1, "DW": 1}
FF_TYPES = ("$dff", "$dffe", "$sdff", "$sdffe", "$sdffce", "$adff", "$adffe")


def elaborated(tmp: Path, params: dict[str, int]) -> dict:
    """pcnn_swg with ``params`` after Yosys ``proc; opt`` (enables/resets folded into the flip-flops),
    as a write_json netlist."""
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "pcnn_swg.v").write_text(template_text("pcnn_swg.v"))
    sets = " ".join(f"-set {k} {v}" for k, v in params.items())
    script = (f"read_verilog -defer pcnn_swg.v; chparam {sets} pcnn_swg; hierarchy -top pcnn_swg; "
              "proc; opt; opt_clean; write_json net.json")
    run_tool(find_yosys(), ["-q", "-p", script], tmp, tmp / "yosys.log", 300.0, "yosys proc pcnn_swg")
    return json.loads((tmp / "net.json").read_text())


@pytest.mark.parametrize("params", [SMALL, {**SMALL, "DEPTHWISE": 1, "CF": 1, "AW": 5}, {**CNV55, "BEAT": 1}],
                         ids=["standard", "depthwise", "cnv55"])
def test_adder_operands_are_registers(tmp_path: Path, params: dict[str, int]) -> None:
    """No logic between the flip-flops and the address/difference adders: each adder operand bit is a
    constant or a flip-flop output (old RTL: ``step`` came from a $pmux of the last_* flags)."""
    mod = next(iter(elaborated(tmp_path, params)["modules"].values()))
    ff_bits = {b for c in mod["cells"].values() if c["type"] in FF_TYPES for b in c["connections"]["Q"]}
    adders = [(n, c) for n, c in mod["cells"].items() if c["type"] in ("$add", "$sub")]
    assert len(adders) >= 6, [n for n, _ in adders]  # hm1 +1/-step/-stepm1, af likewise, ra, wa
    for name, c in adders:
        for port in ("A", "B"):
            bad = [b for b in c["connections"][port] if b not in ("0", "1") and b not in ff_bits]
            assert not bad, (name, port, c.get("attributes", {}).get("src"))


@pytest.mark.slow
@pytest.mark.parametrize("family, model, goal", [("xc7", "xc7-1", 125.0), ("xcup", "usplus-2", 250.0)])
def test_cnv55_instance_meets_goal(tmp_path: Path, family: str, model: str, goal: float) -> None:
    """The instance that missed: synth_xilinx + the netlist walk (Yosys-cached) estimate >= the goal."""
    from pcnn_hw.rtl.yosys import synth_instance_timed

    inst = Instance("swg", "layer", "pcnn_swg", dict(CNV55), 64, 64, "swg", in_widths=[64], out_widths=[64])
    d = SimpleNamespace(files={"pcnn_swg.v": template_text("pcnn_swg.v")})
    _, timing, _ = synth_instance_timed(inst, d, tmp_path, timeout_s=900.0, family=family)
    assert timing[model]["fmax_mhz"] >= goal, timing[model]
