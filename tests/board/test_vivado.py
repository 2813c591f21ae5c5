"""Generated Vivado scripts: parse as Tcl, dry-run on stubbed Vivado commands, right part/board/clock,
only existing input files, PS7 vs PS8, clear errors without RTL or Vivado, deterministic output."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from pcnn_hw.board import vivado
from pcnn_hw.board.tclcheck import dry_run, parse_check
from pcnn_hw.compile.boards import get_board
from pcnn_hw.errors import BoardError, ToolMissingError
from tests.board.conftest import add_fake_rtl

pytestmark = pytest.mark.skipif(shutil.which("tclsh") is None, reason="tclsh not installed")


@pytest.fixture(scope="module")
def cnn_rtl(cnn_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mini-CNN build with an rtl/ top (test fixture)."""
    return add_fake_rtl(cnn_build, tmp_path_factory.mktemp("viv") / "cnn")


def _flatten(call: list[str]) -> str:
    return " ".join(call)


@pytest.mark.parametrize("board", ["pynq-z2", "pynq-z1", "ultra96-v2", "zcu104", "kv260"])
def test_tcl_parses_and_names_part_board_clock(cnn_rtl: Path, tmp_path: Path, board: str) -> None:
    """Every board: complete Tcl; dry run creates the projects for the board's part, sets the board part
    when available, the fabric clock of the build, the right PS, and references only existing inputs."""
    out = tmp_path / "bitstreams" / board
    tcl = vivado.generate(cnn_rtl, board, out)
    assert parse_check(tcl) == []
    b = get_board(board)
    run = dry_run(tcl)
    projects = run.find("create_project")
    assert len(projects) == 2 and all(p[p.index("-part") + 1] == b.part for p in projects)
    assert any(c[0] == "board_part" and c[1] == vivado.BOARD_PARTS[board] for c in run.find("set_property"))
    props = " ".join(_flatten(c) for c in run.find("set_property"))
    if b.ps == "ps7":
        assert "CONFIG.PCW_FPGA0_PERIPHERAL_FREQMHZ 100" in props
        assert "xilinx.com:ip:processing_system7" in " ".join(_flatten(c) for c in run.find("create_bd_cell"))
    else:
        assert "CONFIG.PSU__CRL_APB__PL0_REF_CTRL__FREQMHZ 100" in props
        assert "xilinx.com:ip:zynq_ultra_ps_e" in " ".join(_flatten(c) for c in run.find("create_bd_cell"))
    assert "CONFIG.c_include_sg 0" in props
    # inputs: every file added to the IP project exists inside the build directory
    ip_files = run.find("add_files")[0][1].split()
    assert ip_files and all(Path(f).is_file() and cnn_rtl in Path(f).parents for f in ip_files)
    assert {Path(f).name for f in ip_files} >= {"cnn_top.v", vivado.WRAPPER_FILE}
    # outputs land in the requested directory, named after the build
    copies = [f for f in run.files if f[0] == "copy"]
    assert {Path(c[-1]).name for c in copies} == {"cnn.bit", "cnn.hwh", "cnn.json"}
    assert all(Path(c[-1]).parent == out.resolve() for c in copies)
    reports = [c for c in run.calls if c[0] in ("report_timing_summary", "report_utilization")]
    assert {Path(c[-1]).name for c in reports} == {"cnn_timing.rpt", "cnn_utilization.rpt"}


def test_without_board_files_falls_back_to_part(cnn_rtl: Path, tmp_path: Path) -> None:
    """No board files installed -> part only, PS DDR/FIXED_IO made external, a clear message."""
    tcl = vivado.generate(cnn_rtl, "pynq-z2", tmp_path)
    run = dry_run(tcl, board_files=False)
    assert "board files for pynq-z2 not installed" in run.stdout
    assert not any(c[0] == "board_part" for c in run.find("set_property"))
    assert run.find("make_bd_intf_pins_external")


def test_clock_and_output_dir_arguments(cnn_build: Path, tmp_path: Path) -> None:
    """A build at another clock gets that clock; OUT_DIR given on the command line wins."""
    import json

    bdir = add_fake_rtl(cnn_build, tmp_path / "cnn")
    rep = json.loads((bdir / "report.json").read_text())
    rep["clock_mhz"] = 142.5
    (bdir / "report.json").write_text(json.dumps(rep))
    tcl = vivado.generate(bdir, "pynq-z2", tmp_path / "o")
    run = dry_run(tcl, [str(tmp_path / "elsewhere"), "4"])
    assert "CONFIG.PCW_FPGA0_PERIPHERAL_FREQMHZ 142.5" in " ".join(
        _flatten(c) for c in run.find("set_property")
    )
    assert all(Path(c[-1]).parent == (tmp_path / "elsewhere") for c in run.files if c[0] == "copy")
    assert any(c[-2:] == ["-jobs", "4"] for c in run.find("launch_runs"))


def test_deterministic_and_relocatable(cnn_rtl: Path, tmp_path: Path) -> None:
    """Two generations give identical files; no absolute path of this machine inside them."""
    tcl = vivado.generate(cnn_rtl, "pynq-z2", cnn_rtl.parent / "bitstreams")
    first = {p.name: p.read_bytes() for p in tcl.parent.iterdir() if p.is_file()}
    vivado.generate(cnn_rtl, "pynq-z2", cnn_rtl.parent / "bitstreams")
    assert first == {p.name: p.read_bytes() for p in tcl.parent.iterdir() if p.is_file()}
    for name, data in first.items():
        assert str(cnn_rtl.parent).encode() not in data, name


def test_missing_rtl_is_a_clear_error(cnn_build: Path, tmp_path: Path) -> None:
    """No build/NAME/rtl/ -> BoardError naming the expected top file."""
    bdir = tmp_path / "cnn"
    shutil.copytree(cnn_build, bdir)
    with pytest.raises(BoardError, match="cnn_top.v"):
        vivado.generate(bdir, "pynq-z2", tmp_path)


def test_stream_width_mismatch(cnn_build: Path, tmp_path: Path) -> None:
    """An RTL top whose stream width disagrees with the folded graph -> BoardError with both widths."""
    bdir = add_fake_rtl(cnn_build, tmp_path / "cnn")
    top = bdir / "rtl" / "cnn_top.v"
    top.write_text(
        top.read_text().replace("input  wire [7:0] s_axis_0_tdata", "input  wire [15:0] s_axis_0_tdata")
    )
    with pytest.raises(BoardError, match="16 bits wide"):
        vivado.generate(bdir, "pynq-z2", tmp_path)


def test_no_vivado_tool_missing(cnn_rtl: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`pcnn-hw bitstream` without vivado: ToolMissingError, scripts left ready, exit code 1 in the CLI."""
    from pcnn_hw.cli import main

    monkeypatch.setattr(
        shutil, "which", lambda name, *a, **k: None if name == "vivado" else "/usr/bin/" + name
    )
    with pytest.raises(ToolMissingError, match="scripts are ready"):
        vivado.run(cnn_rtl, "pynq-z2", tmp_path)
    assert (cnn_rtl / "vivado" / vivado.TCL_FILE).is_file()
    assert main(["bitstream", str(cnn_rtl), "--out", str(tmp_path)]) == 1
    assert main(["bitstream", str(cnn_rtl), "--out", str(tmp_path), "--scripts-only"]) == 0
    assert not list(tmp_path.glob("*.bit"))


def test_wrapper_lints_with_verilator(cnn_rtl: Path, tmp_path: Path) -> None:
    """The generated AXI-Lite/TLAST wrapper passes Verilator's lint (when Verilator is installed)."""
    try:
        from pcnn_hw.rtl.tools import find_verilator
    except ImportError:
        pytest.skip("pcnn_hw.rtl.tools not available")
    try:
        tool = find_verilator()
    except ToolMissingError:
        pytest.skip("verilator not installed")
    tcl = vivado.generate(cnn_rtl, "pynq-z2", tmp_path)
    cmd = [
        *tool.argv,
        "--lint-only",
        "-Wall",
        "-Wno-UNUSEDSIGNAL",
        "-Wno-DECLFILENAME",
        "--top-module",
        vivado.WRAPPER_MODULE,
        str(tcl.parent / vivado.WRAPPER_FILE),
        str(cnn_rtl / "rtl" / "cnn_top.v"),
    ]
    res = subprocess.run(cmd, env=tool.environ(), capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stderr
