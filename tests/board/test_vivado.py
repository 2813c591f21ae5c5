"""Generated Vivado scripts: parse as Tcl, dry-run on stubbed Vivado commands, right part/board/clock,
only existing input files, PS7 vs PS8, clear errors without RTL or Vivado, deterministic output."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from pcnn_hw.board import vivado
from pcnn_hw.board.tclcheck import check_calls, dry_run, parse_check
from pcnn_hw.core.boards import get_board
from pcnn_hw.errors import BoardError, ToolMissingError
from tests.board.conftest import add_fake_rtl

pytestmark = pytest.mark.skipif(shutil.which("tclsh") is None, reason="tclsh not installed")


@pytest.fixture(scope="module")
def cnn_rtl(cnn_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mini-CNN build with an rtl/ top (test fixture)."""
    return add_fake_rtl(cnn_build, tmp_path_factory.mktemp("viv") / "cnn")


def _flatten(call: list[str]) -> str:
    return " ".join(call)


def _pins_on_net(run, driver: str) -> set[str]:
    """Sinks of the connect_bd_net whose first pin is `driver` (pins as the stubs returned them)."""
    out: set[str] = set()
    for words in run.find("connect_bd_net"):
        pins = [w for w in words if "/" in w and not w.startswith("-")]
        if pins and pins[0] == driver:
            out |= set(pins[1:])
    return out


@pytest.mark.parametrize("board", ["pynq-z2", "pynq-z1", "ultra96-v2", "zcu104", "kv260"])
def test_tcl_parses_and_names_part_board_clock(cnn_rtl: Path, tmp_path: Path, board: str) -> None:
    """Every board: complete Tcl whose calls the IP table and command shapes accept; both projects for
    the board's part, the latest board file version, the build's clock on the clocking wizard (PS
    reference 100 MHz), the right PS, only existing inputs, outputs named after the build."""
    out = tmp_path / "bitstreams" / board
    tcl = vivado.generate(cnn_rtl, board, out)
    assert parse_check(tcl) == []
    b = get_board(board)
    run = dry_run(tcl)
    assert check_calls(run) == []
    projects = run.find("create_project")
    assert len(projects) == 2 and all(p[p.index("-part") + 1] == b.part for p in projects)
    parts = run.find("get_board_parts")
    assert parts and all("-latest_file_version" in p and p[-1] == vivado.BOARD_PARTS[board] for p in parts)
    chosen = vivado.BOARD_PARTS[board].replace(":*", ":9.9")  # what the stub reports as installed
    assert any(c[:2] == ["board_part", chosen] for c in run.find("set_property"))
    props = " ".join(_flatten(c) for c in run.find("set_property"))
    assert "CONFIG.CLKOUT1_REQUESTED_OUT_FREQ 100" in props
    vlnvs = " ".join(_flatten(c) for c in run.find("create_bd_cell"))
    if b.ps == "ps7":
        assert "CONFIG.PCW_FPGA0_PERIPHERAL_FREQMHZ 100" in props and "CONFIG.PCW_USE_M_AXI_GP1 0" in props
        assert "xilinx.com:ip:processing_system7" in vlnvs
    else:  # unused PS8 masters off: HPM1_FPD and the LPD master
        assert "CONFIG.PSU__CRL_APB__PL0_REF_CTRL__FREQMHZ 100" in props
        assert "CONFIG.PSU__USE__M_AXI_GP1 0" in props and "CONFIG.PSU__USE__M_AXI_GP2 0" in props
        assert "xilinx.com:ip:zynq_ultra_ps_e" in vlnvs
    assert "CONFIG.c_include_sg 0" in props
    ip_files = run.find("add_files")[0][1].split()
    assert ip_files and all(Path(f).is_file() and cnn_rtl in Path(f).parents for f in ip_files)
    assert {Path(f).name for f in ip_files} >= {"cnn_top.v", vivado.WRAPPER_FILE}
    copies = [f for f in run.files if f[0] == "copy"]
    assert {Path(c[-1]).name for c in copies} == {
        "cnn.bit", "cnn.hwh", "cnn.json", "cnn_timing.rpt", "cnn_utilization.rpt"
    }  # fmt: skip
    assert all(Path(c[-1]).parent == out.resolve() for c in copies)


@pytest.mark.parametrize("board", ["pynq-z2", "kv260"])
def test_block_design_wired_explicitly(cnn_rtl: Path, tmp_path: Path, board: str) -> None:
    """Interconnect and SmartConnect are cells of ours (no axi4 automation); one clock from the
    clocking wizard reaches every AXI clock pin; proc_sys_reset drives the IP's reset; the IP's bus
    interfaces are associated with ap_clk and ap_rst_n at packaging; explicit addresses."""
    run = dry_run(vivado.generate(cnn_rtl, board, tmp_path))
    cells = {c[-1] for c in run.find("create_bd_cell")}
    want = {"axi_interconnect_0", "smartconnect_0", "clk_wiz_0", "rst_0", "axi_dma_0", "pcnn_accel_0"}
    assert want <= cells
    assert not any("bd_rule:axi4" in _flatten(c) for c in run.find("apply_bd_automation"))
    clocked = _pins_on_net(run, "clk_wiz_0/clk_out1")
    assert {"pcnn_accel_0/ap_clk", "axi_dma_0/m_axi_s2mm_aclk", "smartconnect_0/aclk"} <= clocked
    ps_aclks = {"M_AXI_GP0_ACLK", "S_AXI_HP0_ACLK"} if board == "pynq-z2" else {
        "maxihpm0_fpd_aclk", "saxihp0_fpd_aclk"}  # fmt: skip
    assert {f"ps/{p}" for p in ps_aclks} <= clocked
    assert "pcnn_accel_0/ap_rst_n" in _pins_on_net(run, "rst_0/peripheral_aresetn")
    assert "smartconnect_0/aresetn" in _pins_on_net(run, "rst_0/interconnect_aresetn")
    assoc = [_flatten(c) for c in run.find("ipx::associate_bus_interfaces")]
    assert any("-reset ap_rst_n" in a and "-clock ap_clk" in a for a in assoc)
    assert {a.split()[1] for a in assoc if a.startswith("-busif")} == {"s_axis", "m_axis", "s_axi_control"}
    offsets = {c[c.index("-offset") + 1] for c in run.find("assign_bd_address") if "-offset" in c}
    assert offsets == ({"0x40400000", "0x43C00000"} if board == "pynq-z2" else {"0xA0000000", "0xA0010000"})


def test_tcl_check_catches_what_vivado_rejects(cnn_rtl: Path, tmp_path: Path) -> None:
    """The dry-run check fails on an unknown CONFIG name, a value outside the table, an IP outside the
    table, a pin the IP lacks and an option the command lacks (each edit alone)."""
    tcl = vivado.generate(cnn_rtl, "pynq-z2", tmp_path)
    good = tcl.read_text()
    for old, new, what in (
        ("CONFIG.c_include_sg {0}", "CONFIG.c_include_sgx {0}", "c_include_sgx"),
        ("CONFIG.c_mm2s_burst_size {16}", "CONFIG.c_mm2s_burst_size {17}", "c_mm2s_burst_size"),
        ("[latest_vlnv xilinx.com:ip:smartconnect]", "xilinx.com:ip:smartconnekt:1.0", "smartconnekt"),
        ("smartconnect_0/aclk]", "smartconnect_0/clk]", "no pin clk"),
        ("connect_bd_intf_net -boundary_type upper", "connect_bd_intf_net -boundry upper", "-boundry"),
    ):
        assert old in good, old
        tcl.write_text(good.replace(old, new, 1))
        problems = check_calls(dry_run(tcl))
        assert any(what in p for p in problems), (what, problems)


def test_without_board_files(cnn_rtl: Path, tmp_path: Path) -> None:
    """No board files: PS7 falls back to the bare part with a message; PS8 stops with an error."""
    run = dry_run(vivado.generate(cnn_rtl, "pynq-z2", tmp_path), board_files=False)
    assert "board files for pynq-z2" in run.stdout and "bare part xc7z020clg400-1" in run.stdout
    assert not any(c[0] == "board_part" for c in run.find("set_property"))
    assert run.find("make_bd_intf_pins_external")
    run = dry_run(vivado.generate(cnn_rtl, "kv260", tmp_path), board_files=False, check=False)
    assert run.returncode == 1 and "ERROR: board files for kv260" in run.stdout
    assert not run.find("create_bd_design")


def test_clock_and_output_dir_arguments(cnn_build: Path, tmp_path: Path) -> None:
    """A build at another clock gets that clock; OUT_DIR given on the command line wins."""
    import json

    bdir = add_fake_rtl(cnn_build, tmp_path / "cnn")
    rep = json.loads((bdir / "report.json").read_text())
    rep["clock_mhz"] = 142.5
    (bdir / "report.json").write_text(json.dumps(rep))
    tcl = vivado.generate(bdir, "pynq-z2", tmp_path / "o")
    run = dry_run(tcl, [str(tmp_path / "elsewhere"), "4"])
    assert "CONFIG.CLKOUT1_REQUESTED_OUT_FREQ 142.5" in " ".join(
        _flatten(c) for c in run.find("set_property")
    )
    assert all(Path(c[-1]).parent == (tmp_path / "elsewhere") for c in run.files if c[0] == "copy")
    assert any(c[-2:] == ["-jobs", "4"] for c in run.find("launch_runs"))


@pytest.mark.parametrize("gate", vivado.GATE_IDS)
def test_script_fails_on_gated_critical_warning(cnn_rtl: Path, tmp_path: Path, gate: str) -> None:
    """A gated critical warning in any run's log -> exit 1 naming it, nothing copied; and the warning
    is promoted to an error where Vivado raises it."""
    tcl = vivado.generate(cnn_rtl, "pynq-z2", tmp_path / "out")
    runs = tmp_path / "runs" / "pcnn_bd_pcnn_accel_0_0_synth_1"
    runs.mkdir(parents=True)
    (runs / "runme.log").write_text(f"CRITICAL WARNING: [{gate}] something the gate is about\n")
    run = dry_run(tcl, run_dir=tmp_path / "runs", check=False)
    assert run.returncode == 1 and f"critical warning [{gate}]" in run.stdout
    assert not [f for f in run.files if f[0] == "copy"]
    assert any(c[c.index("-id") + 1] == gate and "ERROR" in c for c in run.find("set_msg_config"))


@pytest.mark.parametrize("wns,whs,what", [(-0.2, 0.05, "WNS -0.2"), (0.3, -0.01, "WHS -0.01")])
def test_script_fails_on_negative_slack(
    cnn_rtl: Path, tmp_path: Path, wns: float, whs: float, what: str
) -> None:
    """Negative setup or hold slack -> exit 1 naming it, no bitstream copied."""
    run = dry_run(vivado.generate(cnn_rtl, "pynq-z2", tmp_path), wns=wns, whs=whs, check=False)
    assert run.returncode == 1 and "timing not met" in run.stdout and what in run.stdout
    assert not [f for f in run.files if f[0] == "copy"]


def test_script_fails_without_hwh(cnn_rtl: Path, tmp_path: Path) -> None:
    """Vivado wrote no .hwh -> exit 1, nothing copied."""
    run = dry_run(vivado.generate(cnn_rtl, "pynq-z2", tmp_path), outputs=("*/impl_1/*.bit",), check=False)
    assert run.returncode == 1 and "no hardware handoff" in run.stdout
    assert not [f for f in run.files if f[0] == "copy"]


def test_memory_files_typed_and_checked(cnn_rtl: Path, tmp_path: Path) -> None:
    """ROM files in rtl/ (any suffix) are added to the IP project, typed as memory files and checked to
    be packaged with the IP; a source naming a missing one is refused before anything is written."""
    bdir = tmp_path / "cnn"
    shutil.copytree(cnn_rtl, bdir)
    top = bdir / "rtl" / "cnn_top.v"
    (bdir / "rtl" / "L0.weights.memh").write_text("00\n01\n")
    top.write_text(top.read_text() + '// ROM: W_FILE("L0.weights.memh")\nmodule rom_user; endmodule\n')
    run = dry_run(vivado.generate(bdir, "pynq-z2", tmp_path / "o"))
    typed = [c for c in run.find("set_property") if c[:2] == ["file_type", "Memory File"]]
    assert typed and any("L0.weights.memh" in _flatten(c) for c in run.find("get_files"))
    assert any("L0.weights.memh" in _flatten(c) for c in run.find("ipx::get_files"))
    top.write_text(top.read_text().replace("// ROM: ", "parameter P = 0; localparam Q = "))
    (bdir / "rtl" / "L0.weights.memh").unlink()
    (bdir / "vivado").rename(tmp_path / "old_vivado")
    with pytest.raises(BoardError, match=r"L0\.weights\.memh: memory file named in cnn_top\.v is missing"):
        vivado.generate(bdir, "pynq-z2", tmp_path / "o")
    assert not (bdir / "vivado").exists()


def test_incomplete_rtl_names_the_module(cnn_rtl: Path, tmp_path: Path) -> None:
    """A module the top instantiates (or design.json lists) defined in no file -> BoardError naming it."""
    bdir = tmp_path / "cnn"
    shutil.copytree(cnn_rtl, bdir)
    top = bdir / "rtl" / "cnn_top.v"
    inst = "    pcnn_mvau #(.W(1)) mvau_0 (.clk(ap_clk));\nendmodule"
    top.write_text(top.read_text().replace("endmodule", inst))
    with pytest.raises(BoardError, match=r"'pcnn_mvau' \(instantiated in cnn_top.v\).*expected pcnn_mvau.v"):
        vivado.generate(bdir, "pynq-z2", tmp_path)
    mod = "module pcnn_mvau #(parameter W = 1) (input wire clk); endmodule\n"
    (bdir / "rtl" / "pcnn_mvau.v").write_text(mod)
    vivado.generate(bdir, "pynq-z2", tmp_path)


def test_deterministic_and_relocatable(cnn_rtl: Path, tmp_path: Path) -> None:
    """Two generations give identical files; no absolute path of this machine inside them."""
    tcl = vivado.generate(cnn_rtl, "pynq-z2", cnn_rtl.parent / "bitstreams")
    first = {p.name: p.read_bytes() for p in tcl.parent.iterdir() if p.is_file()}
    vivado.generate(cnn_rtl, "pynq-z2", cnn_rtl.parent / "bitstreams")
    assert first == {p.name: p.read_bytes() for p in tcl.parent.iterdir() if p.is_file()}
    for name, data in first.items():
        assert str(cnn_rtl.parent).encode() not in data, name


def test_missing_rtl_is_a_clear_error(cnn_build: Path, tmp_path: Path) -> None:
    """A build without RTL -> BoardError saying to run build --rtl; report says RTL but rtl/ is gone ->
    BoardError naming the expected top file."""
    bdir = tmp_path / "cnn"
    shutil.copytree(cnn_build, bdir)
    with pytest.raises(BoardError, match="run `pcnn-hw build MODEL.onnx --rtl"):
        vivado.generate(bdir, "pynq-z2", tmp_path)
    shutil.rmtree(bdir)
    shutil.rmtree(add_fake_rtl(cnn_build, bdir) / "rtl")
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
    """The generated wrapper (registers, soft reset, TLAST/TKEEP) is Verilog-2005 and -Wall clean, no
    waiver, around a lint-clean top of the same ports."""
    try:
        from pcnn_hw.rtl.tools import find_verilator
    except ImportError:
        pytest.skip("pcnn_hw.rtl.tools not available")
    try:
        tool = find_verilator()
    except ToolMissingError:
        pytest.skip("verilator not installed")
    tcl = vivado.generate(cnn_rtl, "pynq-z2", tmp_path)
    top = tmp_path / "cnn_top.v"
    top.write_text(
        "module cnn_top (input wire ap_clk, input wire ap_rst_n, input wire [7:0] s_axis_0_tdata,\n"
        "  input wire s_axis_0_tvalid, output wire s_axis_0_tready, output wire [7:0] m_axis_0_tdata,\n"
        "  output wire m_axis_0_tvalid, input wire m_axis_0_tready);\n"
        "  reg [7:0] q; reg v;\n"
        "  always @(posedge ap_clk) if (!ap_rst_n) begin q <= 8'd0; v <= 1'b0; end\n"
        "    else if (s_axis_0_tready) begin q <= s_axis_0_tdata; v <= s_axis_0_tvalid; end\n"
        "  assign s_axis_0_tready = m_axis_0_tready || !v;\n"
        "  assign m_axis_0_tdata = q; assign m_axis_0_tvalid = v;\n"
        "endmodule\n"
    )
    cmd = [*tool.argv, "--lint-only", "-Wall", "--language", "1364-2005", "--top-module",
           vivado.WRAPPER_MODULE, str(tcl.parent / vivado.WRAPPER_FILE), str(top)]  # fmt: skip
    res = subprocess.run(cmd, env=tool.environ(), capture_output=True, text=True, check=False, timeout=120)
    assert res.returncode == 0 and "%Warning" not in res.stderr, res.stderr


def test_default_output_dir_is_relative(cnn_rtl: Path, tmp_path: Path) -> None:
    """No OUT_DIR: the script's default is relative to itself (bitstreams/<board>/ beside the script for
    a build outside the repository), so it still works after the build directory moves."""
    bdir = tmp_path / "cnn"
    shutil.copytree(cnn_rtl, bdir)
    tcl = vivado.generate(bdir, "pynq-z2")
    text = tcl.read_text()
    assert "[file join $script_dir {bitstreams/pynq-z2}]" in text and str(tmp_path) not in text
    moved = tmp_path / "elsewhere" / "cnn"
    shutil.move(str(bdir), str(moved))
    run = dry_run(moved / "vivado" / vivado.TCL_FILE)
    copies = [Path(c[-1]).parent for c in run.files if c[0] == "copy"]
    assert copies and all(p == moved / "vivado" / "bitstreams" / "pynq-z2" for p in copies)
