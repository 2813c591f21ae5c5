"""Vivado bitstream scripts of a build directory: `build/NAME/vivado/`, results in `bitstreams/<board>/`.

`generate(build_dir, board)` writes (deterministically, relocatable — every path is relative to the
script's own directory or given on the command line):

* `pcnn_accel_wrapper.v` — instantiates the stitched RTL top (`build/NAME/rtl/`, from the RTL
  backend) and adds an AXI4-Lite register file (0x00 magic "PCNN", 0x10 images per output packet,
  0x14/0x18 output/input words per image) and TLAST on the output stream after that many images;
* `build_bitstream.tcl` — packages the wrapper + RTL as an IP, builds a block design with the Zynq
  PS (PS7 for Zynq-7000 boards, PS8 for UltraScale+), an AXI DMA (MM2S + S2MM, simple mode), width
  converters where the DMA's power-of-two stream width differs from the accelerator's, and the
  accelerator; sets the fabric clock (FCLK0 / PL0) to the build's clock; runs synthesis and
  implementation; writes `<name>.bit`, `<name>.hwh`, `<name>.json` (accelerator spec), timing and
  utilization reports into the output directory (argument 1, default `bitstreams/<board>/` of the repo);
* `accelerator.json` — the driver's spec (`pcnn_hw.board.spec`);
* `README.md` — how to run it on a machine with Vivado.

`run(build_dir, board)` runs Vivado when it is on PATH, else raises ToolMissingError (the scripts stay
ready to copy).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from pcnn_hw.board.spec import AcceleratorSpec
from pcnn_hw.compile.boards import Board, get_board
from pcnn_hw.errors import BoardError, ToolMissingError

TCL_FILE = "build_bitstream.tcl"
WRAPPER_FILE = "pcnn_accel_wrapper.v"
WRAPPER_MODULE = "pcnn_accel_wrapper"
RTL_MANIFESTS = ("design.json", "manifest.json")  # written by the RTL backend: {"top": module, "input": ...}
TOP_CANDIDATES = ("{name}_top.v", "top.v", "pcnn_top.v", "{name}_top.sv", "top.sv", "pcnn_top.sv")
RTL_SUFFIXES = (".v", ".sv", ".vh", ".svh")
INIT_SUFFIXES = (".memh", ".dat", ".mem", ".hex", ".coe")
IP_VLNV = "pcnn-hw.org:pcnn:pcnn_accel_wrapper:1.0"

# Vivado board-file part names (used when the board files are installed; the part alone otherwise)
BOARD_PARTS = {
    "pynq-z1": "www.digilentinc.com:pynq-z1:part0:1.0",
    "pynq-z2": "tul.com.tw:pynq-z2:part0:1.0",
    "ultra96-v2": "avnet.com:ultra96v2:part0:1.2",
    "zcu104": "xilinx.com:zcu104:part0:1.1",
    "kv260": "xilinx.com:kv260_som:part0:1.3",
}


@dataclass(frozen=True)
class RtlTop:
    """The stitched RTL: top module, files (relative to the build dir) and its stream/clock port names."""

    module: str
    files: tuple[str, ...]
    init_files: tuple[str, ...]
    clk: str
    rst: str
    rst_active_low: bool
    s_axis: str  # prefix of the input stream ports (…_tdata/_tvalid/_tready)
    m_axis: str  # prefix of the output stream ports
    in_width: int | None
    out_width: int | None
    in_elem: tuple[int, bool, int] | None = None  # (bits, signed, elems per beat) from design.json
    out_elem: tuple[int, bool, int] | None = None


_PORT_RE = re.compile(
    r"\b(input|output)\s+(?:wire|reg|logic)?\s*(?:signed\s*)?(?:\[\s*([^\]:]+?)\s*:\s*0\s*\])?\s*(\w+)"
)


def _module_ports(text: str, module: str) -> list[tuple[str, str, str | None]]:
    m = re.search(rf"\bmodule\s+{re.escape(module)}\b(.*?)\bendmodule\b", text, re.S)
    if not m:
        return []
    body = re.sub(r"//[^\n]*|/\*.*?\*/", "", m.group(1), flags=re.S)
    return [(d, name, hi) for d, hi, name in _PORT_RE.findall(body)]


def find_rtl_top(build_dir: Path, name: str) -> RtlTop:
    """Locate the stitched RTL top in `build_dir/rtl/` and read its ports; BoardError if absent/unusable."""
    rtl = build_dir / "rtl"
    expected = ", ".join(c.format(name=name) for c in TOP_CANDIDATES)
    if not rtl.is_dir():
        raise BoardError(
            f"{rtl}: no stitched RTL; generate it first (the RTL backend writes the top module "
            f"into build/NAME/rtl/: {' or '.join(RTL_MANIFESTS)} and one of {expected})"
        )
    top_file: Path | None = None
    module: str | None = None
    elems: dict[str, tuple[int, bool, int] | None] = {"input": None, "output": None}
    for man in (rtl / m for m in RTL_MANIFESTS):
        if man.is_file():
            d = json.loads(man.read_text())
            module = d.get("top")
            if d.get("top_file"):
                top_file = rtl / d["top_file"]
            for k in elems:
                if isinstance(d.get(k), dict) and {"bits", "elems"} <= set(d[k]):
                    e = d[k]
                    elems[k] = (int(e["bits"]), bool(e.get("signed", False)), int(e["elems"]))
            break
    if top_file is None:
        for c in TOP_CANDIDATES:
            if (rtl / c.format(name=name)).is_file():
                top_file = rtl / c.format(name=name)
                break
    if top_file is None or not top_file.is_file():
        raise BoardError(f"{rtl}: stitched RTL top not found (expected one of {expected})")
    text = top_file.read_text()
    if module is None:
        mods = re.findall(r"\bmodule\s+(\w+)", text)
        module = top_file.stem if top_file.stem in mods else (mods[-1] if mods else None)
    ports = _module_ports(text, module or "")
    if not ports:
        raise BoardError(f"{top_file}: module {module!r} with ANSI port list not found")
    names = {n: (d, hi) for d, n, hi in ports}

    def one(pred: object, what: str) -> str:
        c = [n for n in names if pred(n)]  # type: ignore[operator]
        if len(c) != 1:
            raise BoardError(
                f"{top_file}: cannot identify the {what} port of {module} (candidates: {c or 'none'})"
            )
        return c[0]

    clk = one(lambda n: "clk" in n.lower() and names[n][0] == "input", "clock")
    rst = one(lambda n: ("rst" in n.lower() or "reset" in n.lower()) and names[n][0] == "input", "reset")
    s_data = one(lambda n: n.endswith("_tdata") and names[n][0] == "input", "input-stream tdata")
    m_data = one(lambda n: n.endswith("_tdata") and names[n][0] == "output", "output-stream tdata")
    s_axis, m_axis = s_data[: -len("_tdata")], m_data[: -len("_tdata")]
    for p, d in (
        (s_axis + "_tvalid", "input"),
        (s_axis + "_tready", "output"),
        (m_axis + "_tvalid", "output"),
        (m_axis + "_tready", "input"),
    ):
        if names.get(p, ("",))[0] != d:
            raise BoardError(f"{top_file}: {module} lacks the AXI-Stream port {d} {p}")

    def width(port: str) -> int | None:
        hi = names[port][1]
        return int(hi) + 1 if hi and hi.strip().isdigit() else (1 if not hi else None)

    files = sorted(str(p.relative_to(build_dir)) for p in rtl.rglob("*") if p.suffix in RTL_SUFFIXES)
    inits = sorted(str(p.relative_to(build_dir)) for p in rtl.rglob("*") if p.suffix in INIT_SUFFIXES)
    return RtlTop(
        module or "",
        tuple(files),
        tuple(inits),
        clk,
        rst,
        rst.lower().endswith("_n"),
        s_axis,
        m_axis,
        width(s_data),
        width(m_data),
        elems["input"],
        elems["output"],
    )


def core_formats(
    top: RtlTop, spec: AcceleratorSpec, where: Path
) -> tuple[tuple[int, bool], tuple[int, bool]]:
    """Element (bits, signed) of the RTL top's input and output streams, checked against the spec.

    From design.json when present, else from the port widths (which must then carry the spec's
    elements, padded or not). BoardError when the element counts per beat or widths disagree.
    """
    res = []
    for what, elem, w, s in (
        ("input", top.in_elem, top.in_width, spec.input),
        ("output", top.out_elem, top.out_width, spec.output),
    ):
        if elem is not None:
            bits, signed, n = elem
            if n != s.elems_per_word or (w is not None and w != bits * n):
                raise BoardError(
                    f"{where}: the RTL {what} stream carries {n} x {bits} bits per beat "
                    f"(port {w} bits), the folded graph's {s.elems_per_word} x {s.bits}"
                )
        elif w is None or w in (s.width_bits, s.bits * s.elems_per_word):
            bits, signed = s.bits, s.signed
        else:
            raise BoardError(
                f"{where}: {top.module}'s {what} tdata is {w} bits wide, the folded graph's "
                f"stream is {s.width_bits} bits ({s.elems_per_word} x {s.bits}, padded)"
            )
        res.append((bits, signed))
    return res[0], res[1]


def _pow2_width(bits: int) -> int:
    w = 8
    while w < bits:
        w *= 2
    if w > 1024:
        raise BoardError(f"stream width {bits} bits exceeds the AXI DMA's 1024-bit limit")
    return w


def _adapt(dst: str, src: str, n: int, dbits: int, sbits: int, signed: bool, dwidth: int) -> list[str]:
    """Per-element assigns from `src` (n x sbits) to `dst` (n x dbits, padded to dwidth bits)."""
    lines = []
    for i in range(n):
        lo = f"{src}[{i * sbits + min(sbits, dbits) - 1}:{i * sbits}]"
        if dbits > sbits:
            ext = f"{src}[{i * sbits + sbits - 1}]" if signed else "1'b0"
            lo = f"{{{{{dbits - sbits}{{{ext}}}}}, {lo}}}"
        lines.append(f"    assign {dst}[{i * dbits + dbits - 1}:{i * dbits}] = {lo};")
    if dwidth > n * dbits:
        lines.append(f"    assign {dst}[{dwidth - 1}:{n * dbits}] = {dwidth - n * dbits}'d0;")
    return lines


def wrapper_verilog(top: RtlTop, spec: AcceleratorSpec) -> str:
    """The accelerator wrapper: AXI4-Lite registers + TLAST generation around the stitched top."""
    iw, ow = spec.input.width_bits, spec.output.width_bits
    (cib, _), (cob, cos) = core_formats(top, spec, Path("rtl"))
    ni, no = spec.input.elems_per_word, spec.output.elems_per_word
    adapt = "\n".join(
        [f"    wire [{ni * cib - 1}:0] core_in_tdata;", f"    wire [{no * cob - 1}:0] core_out_tdata;"]
        + _adapt("core_in_tdata", "s_axis_tdata", ni, cib, spec.input.bits, False, ni * cib)
        + _adapt("m_axis_tdata", "core_out_tdata", no, spec.output.bits, cob, cos, ow)
    )
    rst = "ap_rst_n" if top.rst_active_low else "~ap_rst_n"
    return f"""// Generated by pcnn-hw (pcnn_hw/board/vivado.py) for accelerator {spec.name}. Do not edit.
// Wraps the stitched RTL top `{top.module}` for the Vivado block design:
//   s_axi_control (AXI4-Lite): 0x00 magic 0x50434E4E ("PCNN"), 0x10 images per output packet (RW),
//                              0x14 output words per image (RO), 0x18 input words per image (RO)
//   m_axis_tlast goes high on the last output word of every packet of that many images.
`timescale 1ns / 1ps
module {WRAPPER_MODULE} (
    input  wire                ap_clk,
    input  wire                ap_rst_n,
    input  wire [5:0]          s_axi_control_awaddr,
    input  wire                s_axi_control_awvalid,
    output wire                s_axi_control_awready,
    input  wire [31:0]         s_axi_control_wdata,
    input  wire [3:0]          s_axi_control_wstrb,
    input  wire                s_axi_control_wvalid,
    output wire                s_axi_control_wready,
    output wire [1:0]          s_axi_control_bresp,
    output reg                 s_axi_control_bvalid,
    input  wire                s_axi_control_bready,
    input  wire [5:0]          s_axi_control_araddr,
    input  wire                s_axi_control_arvalid,
    output wire                s_axi_control_arready,
    output reg  [31:0]         s_axi_control_rdata,
    output wire [1:0]          s_axi_control_rresp,
    output reg                 s_axi_control_rvalid,
    input  wire                s_axi_control_rready,
    input  wire [{iw - 1}:0]  s_axis_tdata,
    input  wire                s_axis_tvalid,
    output wire                s_axis_tready,
    output wire [{ow - 1}:0]  m_axis_tdata,
    output wire                m_axis_tvalid,
    input  wire                m_axis_tready,
    output wire                m_axis_tlast
);
    localparam [31:0] OUT_WORDS = 32'd{spec.output.words_per_image};
    localparam [31:0] IN_WORDS  = 32'd{spec.input.words_per_image};
    reg [31:0] batch;
    reg [5:0]  awaddr_q;
    reg        aw_q, w_q;
    reg [31:0] wdata_q;
    assign s_axi_control_awready = !aw_q && !s_axi_control_bvalid;
    assign s_axi_control_wready  = !w_q && !s_axi_control_bvalid;
    assign s_axi_control_bresp   = 2'b00;
    assign s_axi_control_rresp   = 2'b00;
    assign s_axi_control_arready = !s_axi_control_rvalid;
    always @(posedge ap_clk) begin
        if (!ap_rst_n) begin
            batch <= 32'd1; aw_q <= 1'b0; w_q <= 1'b0; s_axi_control_bvalid <= 1'b0;
            s_axi_control_rvalid <= 1'b0; s_axi_control_rdata <= 32'd0; awaddr_q <= 6'd0; wdata_q <= 32'd0;
        end else begin
            if (s_axi_control_awvalid && s_axi_control_awready) begin
                aw_q <= 1'b1; awaddr_q <= s_axi_control_awaddr;
            end
            if (s_axi_control_wvalid && s_axi_control_wready) begin
                w_q <= 1'b1; wdata_q <= s_axi_control_wdata;
            end
            if (aw_q && w_q) begin
                if (awaddr_q[5:2] == 4'h4) batch <= (wdata_q == 32'd0) ? 32'd1 : wdata_q;
                aw_q <= 1'b0; w_q <= 1'b0; s_axi_control_bvalid <= 1'b1;
            end
            if (s_axi_control_bvalid && s_axi_control_bready) s_axi_control_bvalid <= 1'b0;
            if (s_axi_control_arvalid && s_axi_control_arready) begin
                s_axi_control_rvalid <= 1'b1;
                case (s_axi_control_araddr[5:2])
                    4'h0: s_axi_control_rdata <= 32'h50434E4E;
                    4'h4: s_axi_control_rdata <= batch;
                    4'h5: s_axi_control_rdata <= OUT_WORDS;
                    4'h6: s_axi_control_rdata <= IN_WORDS;
                    default: s_axi_control_rdata <= 32'd0;
                endcase
            end else if (s_axi_control_rvalid && s_axi_control_rready) begin
                s_axi_control_rvalid <= 1'b0;
            end
        end
    end
    // TLAST after batch * OUT_WORDS output words
    reg [31:0] out_count;
    wire [31:0] packet_words = batch * OUT_WORDS;
    assign m_axis_tlast = (out_count == packet_words - 32'd1);
    always @(posedge ap_clk) begin
        if (!ap_rst_n) out_count <= 32'd0;
        else if (m_axis_tvalid && m_axis_tready) out_count <= m_axis_tlast ? 32'd0 : out_count + 32'd1;
    end
    // element formats: stream in {ni} x {spec.input.bits} bits -> core {ni} x {cib} bits;
    // core out {no} x {cob} bits ({"signed" if cos else "unsigned"}) -> stream {no} x {spec.output.bits} bits
{adapt}
    {top.module} core (
        .{top.clk}({"ap_clk"}),
        .{top.rst}({rst}),
        .{top.s_axis}_tdata(core_in_tdata),
        .{top.s_axis}_tvalid(s_axis_tvalid),
        .{top.s_axis}_tready(s_axis_tready),
        .{top.m_axis}_tdata(core_out_tdata),
        .{top.m_axis}_tvalid(m_axis_tvalid),
        .{top.m_axis}_tready(m_axis_tready)
    );
endmodule
"""


def _tcl_list(items: list[str] | tuple[str, ...]) -> str:
    return " ".join("{" + i + "}" for i in items)


def tcl_script(board: Board, spec: AcceleratorSpec, top: RtlTop, clock_mhz: float, out_rel: str) -> str:
    """The Vivado batch script (see the module docstring)."""
    mm2s = _pow2_width(spec.input.width_bits)
    s2mm = _pow2_width(spec.output.width_bits)
    mm_width = max(32, mm2s, s2mm)
    rtl_files = [f"../{f}" for f in top.files]
    init_files = [f"../{f}" for f in top.init_files]
    ps7 = board.ps == "ps7"
    ps_block = (
        """proc add_ps {clk_mhz use_board} {
    set ps [create_bd_cell -type ip -vlnv [latest_vlnv xilinx.com:ip:processing_system7] ps]
    if {$use_board} {
        apply_bd_automation -rule xilinx.com:bd_rule:processing_system7 \\
            -config {make_external "FIXED_IO, DDR" apply_board_preset "1" \\
                     Master "Disable" Slave "Disable"} $ps
    } else {
        make_bd_intf_pins_external [get_bd_intf_pins ps/DDR] [get_bd_intf_pins ps/FIXED_IO]
    }
    set_property -dict [list CONFIG.PCW_USE_M_AXI_GP0 {1} CONFIG.PCW_USE_S_AXI_HP0 {1} \\
        CONFIG.PCW_EN_CLK0_PORT {1} CONFIG.PCW_FPGA0_PERIPHERAL_FREQMHZ $clk_mhz] $ps
    return [list ps/M_AXI_GP0 ps/S_AXI_HP0 ps/FCLK_CLK0]
}"""
        if ps7
        else """proc add_ps {clk_mhz use_board} {
    set ps [create_bd_cell -type ip -vlnv [latest_vlnv xilinx.com:ip:zynq_ultra_ps_e] ps]
    if {$use_board} {
        apply_bd_automation -rule xilinx.com:bd_rule:zynq_ultra_ps_e -config {apply_board_preset "1"} $ps
    }
    set_property -dict [list CONFIG.PSU__USE__M_AXI_GP0 {1} CONFIG.PSU__USE__M_AXI_GP1 {0} \\
        CONFIG.PSU__USE__S_AXI_GP2 {1} CONFIG.PSU__FPGA_PL0_ENABLE {1} \\
        CONFIG.PSU__CRL_APB__PL0_REF_CTRL__FREQMHZ $clk_mhz] $ps
    return [list ps/M_AXI_HPM0_FPD ps/S_AXI_HP0_FPD ps/pl_clk0]
}"""
    )
    return f"""# Generated by pcnn-hw (pcnn_hw/board/vivado.py); regenerate with `pcnn-hw bitstream`.
# Accelerator {spec.name} for {board.name} ({board.part}, {board.ps.upper()}) at {clock_mhz:g} MHz.
# Usage (from this directory): vivado -mode batch -source {TCL_FILE} -tclargs [OUT_DIR] [JOBS]
#   OUT_DIR defaults to {out_rel} (relative to this directory); JOBS to 2.
# Writes OUT_DIR/{spec.name}.bit, .hwh, .json (driver spec),
#   {spec.name}_timing.rpt, {spec.name}_utilization.rpt.

set script_dir [file dirname [file normalize [info script]]]
set name {{{spec.name}}}
set board {{{board.name}}}
set part {{{board.part}}}
set board_part {{{BOARD_PARTS.get(board.name, "")}}}
set clk_mhz {clock_mhz:g}
set out_dir [file normalize [file join $script_dir {{{out_rel}}}]]
set jobs 2
if {{$argc > 0}} {{ set out_dir [file normalize [lindex $argv 0]] }}
if {{$argc > 1}} {{ set jobs [lindex $argv 1] }}
set rtl_files [list {_tcl_list(rtl_files)}]
set init_files [list {_tcl_list(init_files)}]
set wrapper_file {{{WRAPPER_FILE}}}
set spec_file {{accelerator.json}}
set work [file join $script_dir work]

proc latest_vlnv {{prefix}} {{
    set defs [lsort [get_ipdefs -all "$prefix:*"]]
    if {{[llength $defs] == 0}} {{ error "pcnn-hw: IP $prefix not found in the Vivado catalog" }}
    return [lindex $defs end]
}}

{ps_block}

# ---- 1. package the accelerator (stitched RTL + wrapper) as an IP ----------------------------------
set src_files [list]
foreach f [concat $rtl_files $init_files [list $wrapper_file $spec_file]] {{
    set p [file normalize [file join $script_dir $f]]
    if {{![file exists $p]}} {{ error "pcnn-hw: missing input file $p (regenerate with pcnn-hw bitstream)" }}
    lappend src_files $p
}}
create_project -force pcnn_ip [file join $work ip_project] -part $part
add_files -norecurse [lrange $src_files 0 end-1]
set_property top {WRAPPER_MODULE} [current_fileset]
update_compile_order -fileset sources_1
ipx::package_project -root_dir [file join $work ip] -vendor pcnn-hw.org -library pcnn \\
    -taxonomy /UserIP -import_files -set_current true -force
set core [ipx::current_core]
set_property version 1.0 $core
set_property name {WRAPPER_MODULE} $core
ipx::associate_bus_interfaces -busif s_axis -clock ap_clk $core
ipx::associate_bus_interfaces -busif m_axis -clock ap_clk $core
ipx::associate_bus_interfaces -busif s_axi_control -clock ap_clk $core
ipx::create_xgui_files $core
ipx::update_checksums $core
ipx::save_core $core
close_project

# ---- 2. block design: PS + AXI DMA + accelerator ---------------------------------------------------
create_project -force pcnn_$name [file join $work project] -part $part
set use_board 0
if {{$board_part ne "" && [llength [get_board_parts -quiet $board_part]] > 0}} {{
    set_property board_part $board_part [current_project]
    set use_board 1
}} else {{
    puts "pcnn-hw: board files for $board not installed; using part $part with default PS settings"
}}
set_property ip_repo_paths [list [file join $work ip]] [current_project]
update_ip_catalog
create_bd_design pcnn_bd
lassign [add_ps $clk_mhz $use_board] ps_master ps_slave ps_clk

set dma [create_bd_cell -type ip -vlnv [latest_vlnv xilinx.com:ip:axi_dma] axi_dma_0]
set_property -dict [list CONFIG.c_include_sg {{0}} CONFIG.c_sg_length_width {{26}} \\
    CONFIG.c_sg_include_stscntrl_strm {{0}} CONFIG.c_include_mm2s {{1}} CONFIG.c_include_s2mm {{1}} \\
    CONFIG.c_m_axis_mm2s_tdata_width {{{mm2s}}} CONFIG.c_s_axis_s2mm_tdata_width {{{s2mm}}} \\
    CONFIG.c_m_axi_mm2s_data_width {{{mm_width}}} CONFIG.c_m_axi_s2mm_data_width {{{mm_width}}} \\
    CONFIG.c_mm2s_burst_size {{16}} CONFIG.c_s2mm_burst_size {{16}}] $dma
set accel [create_bd_cell -type ip -vlnv {IP_VLNV} pcnn_accel_0]

# streams (accelerator widths: in {spec.input.width_bits} bits, out {spec.output.width_bits} bits)
{_stream_tcl("axi_dma_0/M_AXIS_MM2S", "pcnn_accel_0/s_axis", mm2s, spec.input.width_bits, "in")}
{_stream_tcl("pcnn_accel_0/m_axis", "axi_dma_0/S_AXIS_S2MM", spec.output.width_bits, s2mm, "out")}

# AXI-Lite control from the PS, DMA memory ports to the PS's high-performance port, one clock
apply_bd_automation -rule xilinx.com:bd_rule:axi4 -config [list Master /$ps_master Clk_master Auto \\
    Clk_slave Auto Clk_xbar Auto Slave /axi_dma_0/S_AXI_LITE intc_ip New] \\
    [get_bd_intf_pins axi_dma_0/S_AXI_LITE]
apply_bd_automation -rule xilinx.com:bd_rule:axi4 -config [list Master /$ps_master Clk_master Auto \\
    Clk_slave Auto Clk_xbar Auto Slave /pcnn_accel_0/s_axi_control intc_ip Auto] \\
    [get_bd_intf_pins pcnn_accel_0/s_axi_control]
apply_bd_automation -rule xilinx.com:bd_rule:axi4 -config [list Master /axi_dma_0/M_AXI_MM2S \\
    Slave /$ps_slave \\
    Clk_master Auto Clk_slave Auto Clk_xbar Auto intc_ip New] [get_bd_intf_pins $ps_slave]
apply_bd_automation -rule xilinx.com:bd_rule:axi4 -config [list Master /axi_dma_0/M_AXI_S2MM \\
    Slave /$ps_slave \\
    Clk_master Auto Clk_slave Auto Clk_xbar Auto intc_ip Auto] [get_bd_intf_pins axi_dma_0/M_AXI_S2MM]
foreach pin [get_bd_pins -quiet -of_objects [get_bd_cells -quiet axis_conv_*] -filter {{NAME == aclk}}] {{
    connect_bd_net [get_bd_pins $ps_clk] $pin
}}
set rstgen [get_bd_cells -filter {{VLNV =~ "*proc_sys_reset*"}}]
foreach pin [get_bd_pins -quiet -of_objects [get_bd_cells -quiet axis_conv_*] -filter {{NAME == aresetn}}] {{
    connect_bd_net [get_bd_pins $rstgen/peripheral_aresetn] $pin
}}
assign_bd_address
validate_bd_design
save_bd_design

# ---- 3. synthesis, implementation, bitstream -------------------------------------------------------
set bd_file [get_files pcnn_bd.bd]
set bd_wrapper [make_wrapper -files $bd_file -top]
add_files -norecurse $bd_wrapper
set_property top pcnn_bd_wrapper [current_fileset]
update_compile_order -fileset sources_1
launch_runs impl_1 -to_step write_bitstream -jobs $jobs
wait_on_run impl_1
if {{![string match "*Complete*" [get_property STATUS [get_runs impl_1]]]}} {{
    error "pcnn-hw: implementation failed: [get_property STATUS [get_runs impl_1]]"
}}

# ---- 4. results ------------------------------------------------------------------------------------
file mkdir $out_dir
open_run impl_1
report_timing_summary -file [file join $out_dir ${{name}}_timing.rpt]
report_utilization -file [file join $out_dir ${{name}}_utilization.rpt]
set wns [get_property SLACK [get_timing_paths -max_paths 1 -nworst 1 -setup]]
if {{$wns ne "" && [string is double $wns] && $wns < 0}} {{
    puts "pcnn-hw: WARNING timing not met at $clk_mhz MHz (WNS $wns ns); see ${{name}}_timing.rpt"
}}
set run_dir [get_property DIRECTORY [get_runs impl_1]]
file copy -force [file join $run_dir pcnn_bd_wrapper.bit] [file join $out_dir $name.bit]
set hwh [glob -nocomplain \\
    [file join $work project pcnn_$name.gen sources_1 bd pcnn_bd hw_handoff pcnn_bd.hwh] \\
    [file join $work project pcnn_$name.srcs sources_1 bd pcnn_bd hw_handoff pcnn_bd.hwh]]
file copy -force [lindex $hwh 0] [file join $out_dir $name.hwh]
file copy -force [file join $script_dir $spec_file] [file join $out_dir $name.json]
puts "pcnn-hw: wrote [file join $out_dir $name.bit] and $name.hwh, $name.json, reports"
"""


def _stream_tcl(src: str, dst: str, src_w: int, dst_w: int, tag: str) -> str:
    if src_w == dst_w:
        return f"connect_bd_intf_net [get_bd_intf_pins {src}] [get_bd_intf_pins {dst}]"
    return (
        f"set conv [create_bd_cell -type ip -vlnv [latest_vlnv xilinx.com:ip:axis_dwidth_converter] "
        f"axis_conv_{tag}]\n"
        f"set_property -dict [list CONFIG.S_TDATA_NUM_BYTES {{{src_w // 8}}} CONFIG.M_TDATA_NUM_BYTES "
        f"{{{dst_w // 8}}} CONFIG.HAS_TLAST {{1}} CONFIG.HAS_TKEEP {{1}}] $conv\n"
        f"connect_bd_intf_net [get_bd_intf_pins {src}] [get_bd_intf_pins axis_conv_{tag}/S_AXIS]\n"
        f"connect_bd_intf_net [get_bd_intf_pins axis_conv_{tag}/M_AXIS] [get_bd_intf_pins {dst}]"
    )


def repo_bitstreams_dir() -> Path:
    """`bitstreams/` of the repository this package lives in."""
    return Path(__file__).resolve().parents[2] / "bitstreams"


def generate(build_dir: str | Path, board: str | None = None, out_dir: str | Path | None = None) -> Path:
    """Write `build_dir/vivado/` (TCL, wrapper, spec, README); returns the TCL path.

    `board` defaults to the build's board; `out_dir` to `bitstreams/<board>/` of the repository.
    """
    from pcnn_hw.board.buildinfo import make_spec

    build_dir = Path(build_dir).resolve()
    spec = make_spec(build_dir)
    bd = get_board(board or spec.board)
    if bd.name != spec.board:
        spec = dataclasses.replace(spec, board=bd.name)
    top = find_rtl_top(build_dir, spec.name)
    core_formats(top, spec, build_dir / "rtl")
    vdir = build_dir / "vivado"
    vdir.mkdir(exist_ok=True)
    target = Path(out_dir) if out_dir is not None else repo_bitstreams_dir() / bd.name
    out_rel = os.path.relpath(target.resolve(), vdir)
    (vdir / "accelerator.json").write_text(spec.dumps())
    (vdir / WRAPPER_FILE).write_text(wrapper_verilog(top, spec))
    tcl = vdir / TCL_FILE
    tcl.write_text(tcl_script(bd, spec, top, spec.clock_mhz, out_rel))
    (vdir / "README.md").write_text(
        f"# Vivado scripts for {spec.name} ({bd.name}, {bd.part}, {spec.clock_mhz:g} MHz)\n\n"
        f"Generated by `pcnn-hw bitstream`. On a machine with Vivado (2022.1 or newer), from this "
        f"directory:\n\n    vivado -mode batch -source {TCL_FILE} -tclargs OUT_DIR [JOBS]\n\n"
        f"It reads ../rtl/ (the stitched RTL), {WRAPPER_FILE} and accelerator.json, works in ./work/, "
        f"and writes OUT_DIR/{spec.name}.bit, .hwh, .json and timing/utilization reports. Copy the "
        f"whole build directory (at least rtl/ and vivado/) to keep the relative paths.\n"
    )
    return tcl


def run(
    build_dir: str | Path, board: str | None = None, out_dir: str | Path | None = None, jobs: int = 2
) -> Path:
    """Generate the scripts and run Vivado on them; ToolMissingError (scripts left ready) without Vivado."""
    tcl = generate(build_dir, board, out_dir)
    vivado = shutil.which("vivado")
    spec = json.loads((tcl.parent / "accelerator.json").read_text())
    target = Path(out_dir) if out_dir is not None else repo_bitstreams_dir() / spec["board"]
    if vivado is None:
        raise ToolMissingError(
            f"vivado is not on PATH; the scripts are ready in {tcl.parent} — copy the build directory to a "
            f"machine with Vivado and run `vivado -mode batch -source {TCL_FILE} -tclargs OUT_DIR` there "
            f"(see {tcl.parent / 'README.md'})"
        )
    target.mkdir(parents=True, exist_ok=True)
    cmd = [
        vivado,
        "-mode",
        "batch",
        "-source",
        TCL_FILE,
        "-nojournal",
        "-log",
        "vivado.log",
        "-tclargs",
        str(target.resolve()),
        str(jobs),
    ]
    proc = subprocess.run(cmd, cwd=tcl.parent, check=False)
    if proc.returncode != 0:
        raise BoardError(f"vivado failed (exit {proc.returncode}); see {tcl.parent / 'vivado.log'}")
    return target / f"{spec['name']}.bit"
