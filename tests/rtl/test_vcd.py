"""Issue #13 in the Verilator flow: the VCD of one frame (trace build variant), per-FIFO max occupancy and
the binned per-layer timeline, on a small random chain."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import chain_b

from pcnn_hw.rtl.monitor import timeline_runs
from pcnn_hw.rtl.spec import Fmt, rtl_layers
from pcnn_hw.rtl.stitch import stitch
from pcnn_hw.rtl.vcd import vcd_signals
from pcnn_hw.rtl.verilate import build_model, run_model
from pcnn_hw.sim.executor import to_plain


@pytest.fixture(scope="module")
def chain(rtl_work):
    layers = chain_b(seed=7)
    x = np.random.default_rng(3).integers(0, 256, size=(3, 5, 6))
    d = stitch(rtl_layers(layers, Fmt(8)), 30, [2, 3, 4])
    ref = x
    for layer in layers:
        ref = layer.execute(ref)
    return d, x.reshape(3, -1), to_plain(ref).reshape(3, -1), rtl_work / "vcd_chain"


@pytest.mark.slow  # a second (traced) Verilator build
def test_vcd_of_one_frame_has_toggling_stream_signals(chain):
    d, x, ref, work = chain
    exe = build_model(d, work / "rtl", work / "sim", trace=True)
    assert exe.parent.parent.name == "vcd"  # separate cached variant beside the plain model
    vcd = work / "frame.vcd"
    res = run_model(exe, d, work / "rtl", x[:1], vcd=vcd, vcd_max_cycles=10_000)
    np.testing.assert_array_equal(res.outputs, ref[:1])
    sig = vcd_signals(vcd)
    top = {n.removeprefix("TOP.top."): ch for n, ch in sig.items() if n.count(".") == 2}
    for k in range(d.n_streams):
        vals = {v for _, v in top[f"s{k}_tvalid"]}
        assert vals == {"0", "1"}, f"s{k}_tvalid never toggles"
    clk = top["ap_clk"]
    assert len(clk) >= 2 * res.cycles  # every cycle dumped (both edges)
    # bounded: a limit of 20 cycles dumps ~20 clock periods only
    small = work / "small.vcd"
    run_model(exe, d, work / "rtl", x[:1], vcd=small, vcd_max_cycles=20)
    clk_small = {n.split(".")[-1]: ch for n, ch in vcd_signals(small).items()}["ap_clk"]
    assert len(clk_small) <= 41
    assert small.stat().st_size < vcd.stat().st_size


def test_fifo_occupancy_and_timeline(chain):
    d, x, ref, work = chain
    exe = build_model(d, work / "rtl", work / "sim")
    res = run_model(exe, d, work / "rtl", x, timeline=True)
    np.testing.assert_array_equal(res.outputs, ref)
    depths = [f.params["DEPTH"] for f in d.fifos()]
    assert len(res.fifo_max) == len(depths) == 3
    assert all(0 < m <= dep for m, dep in zip(res.fifo_max, depths, strict=True))
    tl = res.timeline
    assert tl["cycles"] == res.cycles and tl["bin_cycles"] == 1  # short run: exact per-cycle states
    busy = {s.name: s.busy for s in res.stats}
    assert [row["layer"] for row in tl["layers"]] == ["th0", "mv0"]
    for row in tl["layers"]:
        spans = sorted(iv for s in ("busy", "stall", "starve") for iv in row[s])
        assert all(a[0] + a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))  # disjoint
        assert sum(n for _, n in row["busy"]) == busy[row["layer"]]


def test_timeline_runs_merge_bins_by_majority():
    # 2 layers, 4 bins of 10 cycles, last bin partial (run of 35 cycles)
    c = np.zeros((4, 2, 3), dtype=np.uint32)
    c[0, 0] = [10, 0, 0]
    c[1, 0] = [6, 3, 1]
    c[2, 0] = [1, 8, 0]
    c[3, 0] = [0, 0, 1]  # 5 cycles in the last bin: 4 idle -> idle
    c[:, 1, 2] = 9  # starved throughout
    c[3, 1, 2] = 5
    tl = timeline_runs(c, ["a", "b"], 10, 35)
    a, b = tl["layers"]
    assert a["busy"] == [[0, 20]] and a["stall"] == [[20, 10]] and a["starve"] == []
    assert b["starve"] == [[0, 35]] and b["busy"] == [] and b["stall"] == []


def test_report_timeline_plot_from_rtl_report(tmp_path):
    from pcnn_hw.report.data import BuildRecords
    from pcnn_hw.report.plots import png_bytes, timeline_figure

    c = np.zeros((6, 2, 3), dtype=np.uint32)
    c[:3, 0, 0] = 4
    c[3:, 0, 1] = 4
    c[:, 1, 2] = 3
    tl = timeline_runs(c, ["MVAU_hls_0", "LabelSelect_hls_0"], 4, 24)
    assert timeline_figure(BuildRecords(tmp_path, {})) is None  # no RTL run: no chart
    fig = timeline_figure(BuildRecords(tmp_path, {}, rtl_run={"timeline": tl}))
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["MVAU_0", "LabelSel_0"]
    assert len(ax.collections) == 3  # busy + stall of MVAU, starve of LabelSelect
    assert png_bytes(fig) == png_bytes(timeline_figure(BuildRecords(tmp_path, {}, rtl_run={"timeline": tl})))


def test_rtl_vcd_cli_on_a_build_without_rtl(tmp_path, capsys):
    from pcnn_hw.cli import main

    assert main(["rtl-vcd", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "rtl/design.json" in err and "pcnn-hw build --rtl" in err and "Traceback" not in err
    assert not (tmp_path / "sim").exists()  # nothing written
