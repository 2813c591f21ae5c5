"""The board path on the RTL: the generated wrapper simulated under Verilator (AXI-Lite, TLAST), the
Vivado scripts over the RTL backend's real stitched top, and the Verilator model of the stitched top as
the simulated board's backend. Slow: each Verilator build takes 20-70 s."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from pcnn_hw.board import vivado
from pcnn_hw.errors import ToolMissingError
from tests.board.conftest import mark_rtl_built

pytestmark = pytest.mark.slow
DATA = Path(__file__).resolve().parent / "data"

PASSTHROUGH_TOP = """module top (input wire ap_clk, input wire ap_rst_n,
  input wire [7:0] s_axis_tdata, input wire s_axis_tvalid, output wire s_axis_tready,
  output wire [7:0] m_axis_tdata, output wire m_axis_tvalid, input wire m_axis_tready);
  assign s_axis_tready = m_axis_tready;
  assign m_axis_tvalid = s_axis_tvalid;
  assign m_axis_tdata = s_axis_tdata;
endmodule
"""


@pytest.fixture(scope="module")
def verilator() -> object:
    """The Verilator tool of the RTL backend (skip if unavailable)."""
    tools = pytest.importorskip("pcnn_hw.rtl.tools")
    try:
        return tools.find_verilator()
    except ToolMissingError:
        pytest.skip("verilator not installed")


def test_wrapper_simulates(verilator: object, cnn_build: Path, tmp_path: Path) -> None:
    """Magic and batch registers over AXI-Lite; TLAST on every 3rd output word; data passes unchanged."""
    bdir = tmp_path / "cnn"
    shutil.copytree(cnn_build, bdir)
    (bdir / "rtl").mkdir()
    (bdir / "rtl" / "top.v").write_text(PASSTHROUGH_TOP)
    mark_rtl_built(bdir)
    tcl = vivado.generate(bdir, "pynq-z2", tmp_path / "out")
    cmd = [
        *verilator.argv,
        "--binary",
        "--timing",
        "-CFLAGS",
        "-std=c++20 -fcoroutines",
        "-Wno-fatal",  # type: ignore[attr-defined]
        "-Wno-lint",
        "--top-module",
        "tb",
        "-Mdir",
        str(tmp_path / "obj"),
        str(DATA / "wrapper_tb.v"),
        str(tcl.parent / vivado.WRAPPER_FILE),
        str(bdir / "rtl" / "top.v"),
    ]
    res = subprocess.run(cmd, env=verilator.environ(), capture_output=True, text=True, check=False)  # type: ignore[attr-defined]
    assert res.returncode == 0, res.stderr[-3000:]
    run = subprocess.run(
        [str(tmp_path / "obj" / "Vtb")], capture_output=True, text=True, timeout=120, check=False
    )
    assert "PASS" in run.stdout, run.stdout


def test_scripts_and_verilator_backend_on_stitched_rtl(
    verilator: object, mlp_build: Path, tmp_path: Path
) -> None:
    """The RTL backend's stitched top: scripts generate over it (its design.json), the wrapper + RTL
    lint clean, and the driver on the Verilator model of the top matches the bit-exact simulator."""
    from pcnn_hw.board.buildinfo import build_simulator, expected_outputs, make_spec
    from pcnn_hw.board.simboard import VerilatorBackend
    from pcnn_hw.driver import Accelerator
    from pcnn_hw.rtl.spec import fmt_of_datatype, rtl_layers
    from pcnn_hw.rtl.stitch import stitch, write_design

    bdir = tmp_path / "mlp"
    shutil.copytree(mlp_build, bdir)
    spec = make_spec(bdir)
    design = stitch(rtl_layers(build_simulator(bdir).layers, fmt_of_datatype("UINT8")), spec.input.n_elems)
    write_design(design, bdir / "rtl")
    mark_rtl_built(bdir)
    tcl = vivado.generate(bdir, "pynq-z2", tmp_path / "out")
    vfiles = sorted(str(p) for p in (bdir / "rtl").glob("*.v"))
    lint = subprocess.run(
        [
            *verilator.argv,
            "--lint-only",
            "-Wno-fatal",
            "-Wno-lint",
            "--top-module",  # type: ignore[attr-defined]
            vivado.WRAPPER_MODULE,
            str(tcl.parent / vivado.WRAPPER_FILE),
            *vfiles,
        ],
        env=verilator.environ(),
        capture_output=True,
        text=True,
        check=False,
        cwd=bdir / "rtl",
    )  # type: ignore[attr-defined]
    assert lint.returncode == 0, lint.stderr[-3000:]
    backend = VerilatorBackend(spec, bdir, backpressure=0.3)
    acc = Accelerator(spec=spec, backend=backend, batch_size=16, timeout_s=60)
    x = np.random.default_rng(5).integers(0, 256, size=(40, spec.input.n_elems), dtype=np.uint8)
    labels, raw = acc.execute(x, return_raw=True)
    assert np.array_equal(raw, expected_outputs(bdir, spec, x))
    assert backend.last.cycles_per_frame > 0
