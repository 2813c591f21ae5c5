"""The IP parameter table: every Vivado IP the block design instantiates, the `CONFIG.*` names we set and
their allowed values, and the pins we connect. One table, read by the block-design builder
(`pcnn_hw.board.blockdesign`, which refuses a value outside it) and by the TCL dry run
(`pcnn_hw.board.tclcheck`, which checks every `create_bd_cell -vlnv`, `set_property CONFIG.*` and
`get_bd_pins`/`get_bd_intf_pins` of the generated script against it).

Sources (Xilinx product guides; the names are the IP's user parameters as Vivado-written block-design
scripts spell them):
  AXI DMA v7.1 (PG021), Zynq-7000 PS processing_system7 v5.5 (PG082 / UG585), Zynq UltraScale+ PS
  zynq_ultra_ps_e v3.x (PG201), SmartConnect v1.0 (PG247), AXI Interconnect v2.1 (PG059),
  Processor System Reset v5.0 (PG164), Clocking Wizard v6.0 (PG065), AXI4-Stream Data Width Converter
  v1.1 (PG085). FINN+'s `make_zynq_proj` templates set the same names for the PS, interconnect,
  SmartConnect, clocking wizard and reset cells. Only the names we use are listed; a value outside
  the allowed set is a bug in our generator, not a user error (BoardError at generation time).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pcnn_hw.errors import BoardError

Allowed = tuple  # ("enum", v1, v2, ...) or ("range", lo, hi) (numbers, inclusive)

_BOOL = ("enum", "0", "1")
_TF = ("enum", "false", "true")
_POW2_STREAM = ("enum", "8", "16", "32", "64", "128", "256", "512", "1024")
_POW2_MM = ("enum", "32", "64", "128", "256", "512", "1024")
_BURST = ("enum", "2", "4", "8", "16", "32", "64", "128", "256")


@dataclass(frozen=True)
class IpDef:
    """One IP: VLNV without version, versions known to work, CONFIG.* names → allowed values, pins."""

    vlnv: str
    versions: tuple[str, ...]
    guide: str
    params: dict[str, Allowed] = field(default_factory=dict)
    pins: frozenset[str] = frozenset()  # pins and interface pins we connect (get_bd_pins cell/PIN)


IP_TABLE: dict[str, IpDef] = {
    "axi_dma": IpDef(
        "xilinx.com:ip:axi_dma",
        ("7.1",),
        "PG021",
        {
            "c_include_sg": _BOOL,
            "c_sg_length_width": ("range", 8, 26),
            "c_sg_include_stscntrl_strm": _BOOL,
            "c_include_mm2s": _BOOL,
            "c_include_s2mm": _BOOL,
            "c_include_mm2s_dre": _BOOL,
            "c_include_s2mm_dre": _BOOL,
            "c_m_axis_mm2s_tdata_width": _POW2_STREAM,
            "c_s_axis_s2mm_tdata_width": _POW2_STREAM,
            "c_m_axi_mm2s_data_width": _POW2_MM,
            "c_m_axi_s2mm_data_width": _POW2_MM,
            "c_mm2s_burst_size": _BURST,
            "c_s2mm_burst_size": _BURST,
            "c_addr_width": ("range", 32, 64),
            "c_micro_dma": _BOOL,
        },
        frozenset(
            "S_AXI_LITE M_AXI_MM2S M_AXI_S2MM M_AXIS_MM2S S_AXIS_S2MM s_axi_lite_aclk m_axi_mm2s_aclk "
            "m_axi_s2mm_aclk axi_resetn".split()
        ),
    ),
    "ps7": IpDef(
        "xilinx.com:ip:processing_system7",
        ("5.5",),
        "PG082",
        {
            "PCW_USE_M_AXI_GP0": _BOOL,
            "PCW_USE_M_AXI_GP1": _BOOL,
            "PCW_USE_S_AXI_GP0": _BOOL,
            "PCW_USE_S_AXI_GP1": _BOOL,
            "PCW_USE_S_AXI_HP0": _BOOL,
            "PCW_USE_S_AXI_HP1": _BOOL,
            "PCW_USE_S_AXI_HP2": _BOOL,
            "PCW_USE_S_AXI_HP3": _BOOL,
            "PCW_USE_S_AXI_ACP": _BOOL,
            "PCW_S_AXI_HP0_DATA_WIDTH": ("enum", "32", "64"),
            "PCW_EN_CLK0_PORT": _BOOL,
            "PCW_EN_RST0_PORT": _BOOL,
            "PCW_FPGA0_PERIPHERAL_FREQMHZ": ("range", 10, 250),
            "PCW_USE_FABRIC_INTERRUPT": _BOOL,
        },
        frozenset(
            "M_AXI_GP0 S_AXI_HP0 FCLK_CLK0 FCLK_RESET0_N M_AXI_GP0_ACLK S_AXI_HP0_ACLK DDR FIXED_IO".split()
        ),
    ),
    "ps8": IpDef(
        "xilinx.com:ip:zynq_ultra_ps_e",
        ("3.3", "3.4", "3.5"),
        "PG201",
        {
            "PSU__USE__M_AXI_GP0": _BOOL,  # M_AXI_HPM0_FPD
            "PSU__USE__M_AXI_GP1": _BOOL,  # M_AXI_HPM1_FPD
            "PSU__USE__M_AXI_GP2": _BOOL,  # M_AXI_HPM0_LPD (on in some board presets)
            "PSU__USE__S_AXI_GP0": _BOOL,  # S_AXI_HPC0_FPD
            "PSU__USE__S_AXI_GP1": _BOOL,  # S_AXI_HPC1_FPD
            "PSU__USE__S_AXI_GP2": _BOOL,  # S_AXI_HP0_FPD
            "PSU__USE__S_AXI_GP3": _BOOL,
            "PSU__USE__S_AXI_GP4": _BOOL,
            "PSU__USE__S_AXI_GP5": _BOOL,
            "PSU__USE__S_AXI_GP6": _BOOL,  # S_AXI_LPD
            "PSU__MAXIGP0__DATA_WIDTH": ("enum", "32", "64", "128"),
            "PSU__SAXIGP2__DATA_WIDTH": ("enum", "32", "64", "128"),
            "PSU__FPGA_PL0_ENABLE": _BOOL,
            "PSU__CRL_APB__PL0_REF_CTRL__FREQMHZ": ("range", 10, 400),
            "PSU__OVERRIDE__BASIC_CLOCK": _BOOL,
            "PSU__USE__IRQ0": _BOOL,
        },
        frozenset(
            "M_AXI_HPM0_FPD S_AXI_HP0_FPD pl_clk0 pl_resetn0 maxihpm0_fpd_aclk saxihp0_fpd_aclk".split()
        ),
    ),
    "smartconnect": IpDef(
        "xilinx.com:ip:smartconnect",
        ("1.0",),
        "PG247",
        {"NUM_SI": ("range", 1, 16), "NUM_MI": ("range", 1, 16), "NUM_CLKS": ("range", 1, 16)},
        frozenset("S00_AXI S01_AXI M00_AXI aclk aresetn".split()),
    ),
    "axi_interconnect": IpDef(
        "xilinx.com:ip:axi_interconnect",
        ("2.1",),
        "PG059",
        {"NUM_SI": ("range", 1, 16), "NUM_MI": ("range", 1, 64)},
        frozenset(
            "S00_AXI M00_AXI M01_AXI ACLK ARESETN S00_ACLK S00_ARESETN M00_ACLK M00_ARESETN M01_ACLK "
            "M01_ARESETN".split()
        ),
    ),
    "proc_sys_reset": IpDef(
        "xilinx.com:ip:proc_sys_reset",
        ("5.0",),
        "PG164",
        {"C_EXT_RESET_HIGH": _BOOL, "C_AUX_RESET_HIGH": _BOOL},
        frozenset("slowest_sync_clk ext_reset_in dcm_locked peripheral_aresetn interconnect_aresetn".split()),
    ),
    "clk_wiz": IpDef(
        "xilinx.com:ip:clk_wiz",
        ("6.0",),
        "PG065",
        {
            "PRIM_IN_FREQ.VALUE_SRC": ("enum", "PROPAGATED", "USER"),
            "PRIM_SOURCE": ("enum", "No_buffer", "Single_ended_clock_capable_pin", "Global_buffer"),
            "PRIMITIVE": ("enum", "PLL", "MMCM"),
            "CLKOUT1_REQUESTED_OUT_FREQ": ("range", 10, 800),
            "USE_LOCKED": _TF,
            "USE_RESET": _TF,
            "RESET_TYPE": ("enum", "ACTIVE_HIGH", "ACTIVE_LOW"),
            "RESET_PORT": ("enum", "reset", "resetn"),
        },
        frozenset("clk_in1 resetn clk_out1 locked".split()),
    ),
    "axis_dwidth_converter": IpDef(
        "xilinx.com:ip:axis_dwidth_converter",
        ("1.1",),
        "PG085",
        {
            "S_TDATA_NUM_BYTES": ("range", 1, 512),
            "M_TDATA_NUM_BYTES": ("range", 1, 512),
            "HAS_TLAST": _BOOL,
            "HAS_TKEEP": _BOOL,
        },
        frozenset("S_AXIS M_AXIS aclk aresetn".split()),
    ),
    "pcnn_accel": IpDef(
        "pcnn-hw.org:pcnn:pcnn_accel_wrapper",
        ("1.0",),
        "packaged by build_bitstream.tcl (pcnn_hw/board/templates/wrapper.v)",
        {},
        frozenset("s_axis m_axis s_axi_control ap_clk ap_rst_n".split()),
    ),
}


def ip_of_vlnv(vlnv: str) -> tuple[str, IpDef] | None:
    """(table key, IpDef) of a full or versionless VLNV, None when it is not in the table."""
    parts = vlnv.split(":")
    base, version = ":".join(parts[:3]), (parts[3] if len(parts) > 3 else None)
    for key, ip in IP_TABLE.items():
        if ip.vlnv == base and (version is None or version in ip.versions):
            return key, ip
    return None


def value_problem(ip: IpDef, name: str, value: object) -> str | None:
    """Why `CONFIG.name = value` is not allowed for `ip` (None when it is)."""
    allowed = ip.params.get(name)
    if allowed is None:
        return f"{ip.vlnv} has no parameter CONFIG.{name} in the IP table ({ip.guide})"
    text = str(value)
    if allowed[0] == "enum":
        return None if text in allowed[1:] else f"CONFIG.{name}={text!r} not one of {list(allowed[1:])}"
    try:
        num = float(text)
    except ValueError:
        return f"CONFIG.{name}={text!r} is not a number"
    lo, hi = allowed[1], allowed[2]
    return None if lo <= num <= hi else f"CONFIG.{name}={text} outside [{lo}, {hi}]"


def check_config(key: str, config: dict[str, object]) -> None:
    """BoardError unless every entry of `config` is allowed for IP `key` (generator self-check)."""
    ip = IP_TABLE[key]
    for name, value in config.items():
        problem = value_problem(ip, name, value)
        if problem:
            raise BoardError(f"block design: {problem}")


def markdown_table() -> str:
    """The table as Markdown (for bitstreams/README.md)."""
    rows = ["| IP (VLNV, versions) | guide | CONFIG.* we set: allowed values |", "|---|---|---|"]
    for ip in IP_TABLE.values():
        params = "; ".join(
            f"`{n}` {'/'.join(map(str, a[1:])) if a[0] == 'enum' else f'{a[1]}..{a[2]}'}"
            for n, a in ip.params.items()
        )
        rows.append(f"| `{ip.vlnv}` {', '.join(ip.versions)} | {ip.guide} | {params or '—'} |")
    return "\n".join(rows) + "\n"
