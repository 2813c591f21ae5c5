"""Yosys scheduling (pcnn_hw/rtl/yosys.py, issue #12 item 4): the flattened top and the instances share
one pool, the flattened run first and the instances largest first; results stay in design order."""

from __future__ import annotations

import threading

import numpy as np
from conftest import chain_b
from helpers import mvau

from pcnn_hw.errors import SimulationError
from pcnn_hw.rtl import yosys
from pcnn_hw.rtl.spec import Fmt, rtl_layers
from pcnn_hw.rtl.stitch import stitch


def _design():
    rng = np.random.default_rng(0)
    layers = [mvau(rng, 16, 8, 1, 4, name="small"), mvau(rng, 8, 64, 16, 8, name="big")]
    return stitch(rtl_layers(layers, Fmt(1)), 16)


def test_synth_cost_ranks_the_big_layer_first():
    """The 16 x 8-lane MVAU outranks every other instance (small MVAU, FIFOs, DWC)."""
    d = _design()
    cost = {i.name: yosys.synth_cost(i) for i in d.instances}
    assert max(cost, key=cost.get) == "big"


def test_flat_first_then_largest_first(monkeypatch):
    """With one worker the start order is: flattened top, then instances by synth_cost; the rows come
    back in design order and the flattened result is passed through."""
    d = _design()
    started: list[str] = []
    lock = threading.Lock()

    def fake_inst(inst, d, rtl_dir, cache_dir, timeout_s, family, on_start=None):
        with lock:
            started.append(inst.name)
        return yosys.Resources(lut=len(inst.name)), {}, False

    def fake_flat(d, cache_dir, timeout_s, family, log):
        with lock:
            started.append("<flat>")
        return yosys.Resources(lut=7), {"m": {"ns": 1.0}}, False

    monkeypatch.setattr(yosys, "synth_instance_timed", fake_inst)
    monkeypatch.setattr(yosys, "synth_flat", fake_flat)
    ys, flat = yosys.synth_all(d, None, flat=True, jobs=1)
    want = sorted(d.instances, key=lambda i: -yosys.synth_cost(i))
    assert started[0] == "<flat>"
    assert started[1:] == [i.name for i in want]
    assert [r["name"] for r in ys["instances"]] == [i.name for i in d.instances]
    assert flat[1] == {"m": {"ns": 1.0}}
    started.clear()
    ys, note = yosys.synth_all(d, None, flat=False, jobs=2)
    assert note == "skipped (flat_timing=False)" and "<flat>" not in started

    def slow_flat(d, cache_dir, timeout_s, family, log):
        raise SimulationError("yosys flattened top: yosys did not finish within 1 s\nmore")

    monkeypatch.setattr(yosys, "synth_flat", slow_flat)
    ys, note = yosys.synth_all(d, None, flat=True, jobs=2)
    assert note == "yosys flattened top: yosys did not finish within 1 s"
    assert ys["total"]["LUT"] == sum(len(i.name) for i in d.instances)


def test_chain_b_runs_in_design_order_rows(monkeypatch):
    """A real chain (thresholding + MVAU + FIFOs): every instance synthesised exactly once."""
    d = stitch(rtl_layers(chain_b(seed=2), Fmt(8)), 30)
    seen: list[str] = []
    monkeypatch.setattr(
        yosys, "synth_instance_timed",
        lambda inst, *a, **k: (seen.append(inst.name), (yosys.Resources(lut=1), {}, True))[1],
    )
    ys = yosys.synth_design(d, None, jobs=2)
    assert sorted(seen) == sorted(i.name for i in d.instances)
    assert [r["name"] for r in ys["instances"]] == [i.name for i in d.instances]
