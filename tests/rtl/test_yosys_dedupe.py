"""Identical instances are synthesized once per build (#12 item 4): the signature that groups them, and
synth_design running Yosys once per group with the copies' worst paths renamed to their own instance.
Yosys itself is replaced by a recorder here (no tool run)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import chain_a

from pcnn_hw.rtl import yosys
from pcnn_hw.rtl.spec import Fmt, rtl_layers
from pcnn_hw.rtl.stitch import stitch


@pytest.fixture(scope="module")
def design():
    """chain_a: its FIFOs of 16 x 2 and 4 x 2 and its 1 -> 4 width converter occur twice or more."""
    return stitch(rtl_layers(chain_a(seed=3), Fmt(8)), 72)


def test_signature_groups_only_identical_instances(design) -> None:
    """Same module + parameters (+ ROMs) -> same signature; any parameter differing -> different."""
    by = {i.name: i for i in design.instances}
    sig = {n: yosys.instance_signature(i, design) for n, i in by.items()}
    assert sig["fifo_0"] == sig["fifo_3"]  # WIDTH 16, DEPTH 2 each
    assert sig["fifo_2"] == sig["fifo_7"]  # WIDTH 4, DEPTH 2 each
    assert sig["dwc_2"] == sig["dwc_7"]  # 1 -> 4 bits
    assert sig["fifo_0"] != sig["fifo_2"]  # WIDTH 16 vs 4
    assert sig["fifo_0"] != sig["fifo_1"]  # WIDTH 16 vs 144 (the window's FIFO, before its 144 -> 16 DWC)
    layers = [i.name for i in design.instances if i.kind == "layer"]
    assert len({sig[n] for n in layers}) == len(layers)  # every layer differs (params or ROM contents)


def test_down_converting_edge_buffers_before_its_converter(design) -> None:
    """A wide producer (the 144-bit parallel window) -> FIFO at 144 bits -> DWC 144 -> 16 -> consumer, so
    the window's bursts fill the FIFO instead of waiting for the converter; up-converting edges keep the
    FIFO after the DWC, at the consumer's width."""
    names = [i.name for i in design.instances]
    by = {i.name: i for i in design.instances}
    assert names.index("fifo_1") == names.index("dwc_1") - 1 and by["fifo_1"].params["WIDTH"] == 144
    assert by["dwc_1"].params == {"IW": 144, "OW": 16}
    assert names.index("dwc_2") == names.index("fifo_2") - 1 and by["fifo_2"].params["WIDTH"] == 4


def test_synth_design_runs_each_group_once(design, monkeypatch, tmp_path: Path) -> None:
    """One (fake) Yosys run per distinct instance; every instance still gets its row, the copies with
    their own names in the worst path and ``same_as`` naming the instance that was synthesized."""
    runs: list[str] = []

    def fake_run(what, files, top, family, cache_dir, timeout_s, on_start=None):
        name = what.split()[-1]
        runs.append(name)
        path = {"from": f"{name}.r[0] (FDRE.Q)", "to": f"{name}_w_rom.q[1] (FDRE.D)", "ns": 2.0,
                "lut_levels": 1, "carry_cells": 0}
        return yosys.Resources(lut=len(files["synth_top.v"]) % 97, ff=3), {"xc7-1": path}, False

    monkeypatch.setattr(yosys, "_run_cached", fake_run)
    lines: list[str] = []
    ys = yosys.synth_design(design, tmp_path, tmp_path / "cache", jobs=2, log=lines.append)
    names = [i.name for i in design.instances]
    distinct = {yosys.instance_signature(i, design) for i in design.instances}
    assert sorted(runs) == sorted(set(runs)) and len(runs) == len(distinct) < len(names)
    rows = {r["name"]: r for r in ys["instances"]}
    assert list(rows) == names
    for n in ("fifo_3",):  # a copy of fifo_0
        assert rows[n]["same_as"] == "fifo_0" and rows[n]["LUT"] == rows["fifo_0"]["LUT"]
        assert rows[n]["timing"]["xc7-1"]["from"] == f"{n}.r[0] (FDRE.Q)"
        assert rows[n]["timing"]["xc7-1"]["to"] == f"{n}_w_rom.q[1] (FDRE.D)"
    assert "same_as" not in rows["fifo_0"] and "fifo_3" not in runs
    assert ys["total"]["LUT"] == sum(r["LUT"] for r in rows.values())  # copies still count
    assert any("identical to another one" in m for m in lines)


def test_rename_timing_only_renames_the_instance_prefix() -> None:
    """``fifo_1`` -> ``fifo_3`` renames ``fifo_1.x`` and ``fifo_1_w_rom.x`` but not ``fifo_10.x``."""
    t = {"m": {"from": "fifo_1.a", "to": "fifo_10.b"}, "n": {"from": "fifo_1_w_rom.q", "to": "in_tdata"}}
    out = yosys.rename_timing(t, "fifo_1", "fifo_3")
    assert out["m"] == {"from": "fifo_3.a", "to": "fifo_10.b"}
    assert out["n"] == {"from": "fifo_3_w_rom.q", "to": "in_tdata"}


@pytest.mark.parametrize(("mid", "out"), [(72, 64), (64, 72), (12, 16), (16, 12)])
def test_two_stage_converters_chain_in_stream_order(mid: int, out: int) -> None:
    """Edges whose widths do not divide (64 <-> 72, 12 <-> 16) get a converter pair through the lcm; on
    both an up- and a down-converting edge every FIFO and converter reads the width its feeding stream
    carries (the pair was once emitted reversed on up-converting edges: cnv at 13,889 FPS mismatched)."""
    from pcnn_hw.core.hwspec import RtlLayer
    from pcnn_hw.core.streams import Fmt, Stream
    from pcnn_hw.rtl.stitch import stitch

    def layer(name: str, i: int, o: int) -> RtlLayer:
        return RtlLayer(name, "X", "pcnn_fifo", {}, Stream(Fmt(1), i), Stream(Fmt(1), o), 1)

    d = stitch([layer("a", 8, mid), layer("b", out, 8)], 8 * 72 * 64 * 16)
    convs = [i for i in d.instances if i.kind == "dwc"]
    assert len(convs) == 2 and convs[0].in_width == mid and convs[-1].out_width == out
    for x in d.instances:
        if x.kind != "layer":
            assert x.in_widths == [x.in_width], x.name
    b = next(i for i in d.instances if i.name == "b")
    assert b.in_widths == [out]
