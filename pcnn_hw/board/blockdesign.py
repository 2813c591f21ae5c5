"""The block design as data: cells (IP, CONFIG.* values), interface nets, clock/reset nets and address
segments. Rendered twice from this one description: to the Vivado TCL of `build_bitstream.tcl`
(`tcl_body`) and to the simulated board's `.hwh` (`pcnn_hw.board.sim_hwh`), so the simulated PYNQ
device sees the PS family, cell names, DMA parameters and addresses the real bitstream will have.

Wiring follows FINN+'s `make_zynq_proj` (finn/transformation/fpgadataflow/templates.py): the PS clock
(FCLK_CLK0 / pl_clk0, 100 MHz) feeds a clocking wizard that makes the fabric clock; a
`proc_sys_reset` synchronised to it drives `interconnect_aresetn` (interconnect, SmartConnect) and
`peripheral_aresetn` (every AXI port, DMA, accelerator); an AXI Interconnect fans the PS master out to
the AXI-Lite slaves (DMA control, accelerator control) and a SmartConnect merges the DMA's two memory
masters onto one PS high-performance slave port. Every connection is explicit (no
`apply_bd_automation -rule axi4`), so nothing depends on what the automation infers.
"""

from __future__ import annotations

from dataclasses import dataclass

from pcnn_hw.board.ipparams import IP_TABLE, check_config
from pcnn_hw.core.boards import Board
from pcnn_hw.driver.spec import AcceleratorSpec
from pcnn_hw.errors import BoardError

PS_CLOCK_MHZ = 100.0  # PS fabric clock = the clocking wizard's reference (as FINN+)
SEG_RANGE = 0x10000
PS_INFO = {  # master, HP slave, clock, reset, AXI clock pins of those ports, PL address window
    "ps7": (
        "M_AXI_GP0",
        "S_AXI_HP0",
        "FCLK_CLK0",
        "FCLK_RESET0_N",
        ("M_AXI_GP0_ACLK", "S_AXI_HP0_ACLK"),
        (0x40400000, 0x43C00000),
    ),
    "ps8": (
        "M_AXI_HPM0_FPD",
        "S_AXI_HP0_FPD",
        "pl_clk0",
        "pl_resetn0",
        ("maxihpm0_fpd_aclk", "saxihp0_fpd_aclk"),
        (0xA0000000, 0xA0010000),
    ),
}


@dataclass(frozen=True)
class Cell:
    """One block-design cell: instance name, IP table key, CONFIG.* values (checked against the table)."""

    name: str
    ip: str
    config: tuple[tuple[str, str], ...] = ()

    @property
    def vlnv(self) -> str:
        """The IP's VLNV without version."""
        return IP_TABLE[self.ip].vlnv


@dataclass(frozen=True)
class Segment:
    """An AXI-Lite slave's address segment as the PS master sees it."""

    cell: str
    busif: str
    block: str  # address block name ("Reg"; "*" for our IP, whose block Vivado names at packaging)
    base: int
    range: int = SEG_RANGE


@dataclass(frozen=True)
class BlockDesign:
    """The whole design; `ps` is "ps7" or "ps8", the PS cell is called "ps"."""

    ps: str
    clock_mhz: float
    cells: tuple[Cell, ...]
    intf_nets: tuple[tuple[str, str], ...]  # (master pin, slave pin), "cell/PIN"
    nets: tuple[tuple[str, tuple[str, ...]], ...]  # (driver pin, sinks)
    segments: tuple[Segment, ...]

    @property
    def ps_master(self) -> str:
        """Name of the PS master port that reaches the AXI-Lite slaves."""
        return PS_INFO[self.ps][0]

    def cell(self, name: str) -> Cell:
        """The cell called `name`."""
        return next(c for c in self.cells if c.name == name)


def pow2_width(bits: int) -> int:
    """AXI DMA stream width for `bits`: the next power of two >= 8 (BoardError above 1024)."""
    w = 8
    while w < bits:
        w *= 2
    if w > 1024:
        raise BoardError(f"stream width {bits} bits exceeds the AXI DMA's 1024-bit limit")
    return w


def _ps_config(ps: str) -> dict[str, str]:
    mhz = f"{PS_CLOCK_MHZ:g}"
    if ps == "ps7":
        cfg = {
            f"PCW_USE_{p}": "0"
            for p in (
                "M_AXI_GP1",
                "S_AXI_GP0",
                "S_AXI_GP1",
                "S_AXI_HP1",
                "S_AXI_HP2",
                "S_AXI_HP3",
                "S_AXI_ACP",
                "FABRIC_INTERRUPT",
            )
        }
        cfg.update(
            PCW_USE_M_AXI_GP0="1",
            PCW_USE_S_AXI_HP0="1",
            PCW_S_AXI_HP0_DATA_WIDTH="64",
            PCW_EN_CLK0_PORT="1",
            PCW_EN_RST0_PORT="1",
            PCW_FPGA0_PERIPHERAL_FREQMHZ=mhz,
        )
        return dict(sorted(cfg.items()))
    # PS8: only HPM0_FPD (master) and HP0_FPD (slave); HPM1_FPD and the LPD master (GP2) off, or a board
    # preset that enables them leaves clockless AXI ports (validate_bd_design BD 41-758).
    cfg = {
        f"PSU__USE__{p}": "0"
        for p in (
            "M_AXI_GP1",
            "M_AXI_GP2",
            "S_AXI_GP0",
            "S_AXI_GP1",
            "S_AXI_GP3",
            "S_AXI_GP4",
            "S_AXI_GP5",
            "S_AXI_GP6",
            "IRQ0",
        )
    }
    cfg.update(
        {
            "PSU__USE__M_AXI_GP0": "1",
            "PSU__USE__S_AXI_GP2": "1",
            "PSU__FPGA_PL0_ENABLE": "1",
            "PSU__OVERRIDE__BASIC_CLOCK": "0",
            "PSU__CRL_APB__PL0_REF_CTRL__FREQMHZ": mhz,
        }
    )
    return dict(sorted(cfg.items()))


def block_design(board: Board, spec: AcceleratorSpec, clock_mhz: float) -> BlockDesign:
    """The design of `spec` on `board` at `clock_mhz` (every CONFIG value checked against the IP table)."""
    ps = board.ps
    master, slave, ps_clk, ps_rst, ps_aclks, (dma_base, accel_base) = PS_INFO[ps]
    mm2s, s2mm = pow2_width(spec.input.width_bits), pow2_width(spec.output.width_bits)
    mm = max(32, mm2s, s2mm)
    dma, accel = spec.dma_name, spec.accel_name
    configs: dict[str, tuple[str, dict[str, str]]] = {
        "ps": ("ps7" if ps == "ps7" else "ps8", _ps_config(ps)),
        dma: (
            "axi_dma",
            {
                "c_include_sg": "0",
                "c_sg_length_width": "26",
                "c_sg_include_stscntrl_strm": "0",
                "c_include_mm2s": "1",
                "c_include_s2mm": "1",
                "c_include_mm2s_dre": "0",
                "c_include_s2mm_dre": "0",
                "c_micro_dma": "0",
                "c_addr_width": "32",
                "c_m_axis_mm2s_tdata_width": str(mm2s),
                "c_s_axis_s2mm_tdata_width": str(s2mm),
                "c_m_axi_mm2s_data_width": str(mm),
                "c_m_axi_s2mm_data_width": str(mm),
                "c_mm2s_burst_size": "16",
                "c_s2mm_burst_size": "16",
            },
        ),
        "axi_interconnect_0": ("axi_interconnect", {"NUM_SI": "1", "NUM_MI": "2"}),
        "smartconnect_0": ("smartconnect", {"NUM_SI": "2", "NUM_MI": "1"}),
        "clk_wiz_0": (
            "clk_wiz",
            {
                "PRIM_IN_FREQ.VALUE_SRC": "PROPAGATED",
                "PRIM_SOURCE": "No_buffer",
                "PRIMITIVE": "PLL",
                "CLKOUT1_REQUESTED_OUT_FREQ": f"{clock_mhz:g}",
                "USE_LOCKED": "true",
                "USE_RESET": "true",
                "RESET_TYPE": "ACTIVE_LOW",
                "RESET_PORT": "resetn",
            },
        ),
        "rst_0": ("proc_sys_reset", {"C_EXT_RESET_HIGH": "0", "C_AUX_RESET_HIGH": "0"}),
        accel: ("pcnn_accel", {}),
    }
    intf = [
        (f"ps/{master}", "axi_interconnect_0/S00_AXI"),
        ("axi_interconnect_0/M00_AXI", f"{dma}/S_AXI_LITE"),
        ("axi_interconnect_0/M01_AXI", f"{accel}/s_axi_control"),
        (f"{dma}/M_AXI_MM2S", "smartconnect_0/S00_AXI"),
        (f"{dma}/M_AXI_S2MM", "smartconnect_0/S01_AXI"),
        ("smartconnect_0/M00_AXI", f"ps/{slave}"),
    ]
    convs = []
    for tag, src, dst, sw, dw in (
        ("in", f"{dma}/M_AXIS_MM2S", f"{accel}/s_axis", mm2s, spec.input.width_bits),
        ("out", f"{accel}/m_axis", f"{dma}/S_AXIS_S2MM", spec.output.width_bits, s2mm),
    ):
        if sw == dw:
            intf.append((src, dst))
            continue
        conv = f"axis_conv_{tag}"
        convs.append(conv)
        configs[conv] = (
            "axis_dwidth_converter",
            {
                "S_TDATA_NUM_BYTES": str(sw // 8),
                "M_TDATA_NUM_BYTES": str(dw // 8),
                "HAS_TLAST": "1",
                "HAS_TKEEP": "1",
            },
        )
        intf += [(src, f"{conv}/S_AXIS"), (f"{conv}/M_AXIS", dst)]
    clk = "clk_wiz_0/clk_out1"
    nets = (
        (f"ps/{ps_clk}", ("clk_wiz_0/clk_in1",)),
        (f"ps/{ps_rst}", ("clk_wiz_0/resetn", "rst_0/ext_reset_in")),
        ("clk_wiz_0/locked", ("rst_0/dcm_locked",)),
        (
            clk,
            (
                "rst_0/slowest_sync_clk",
                *(f"ps/{p}" for p in ps_aclks),
                *(f"axi_interconnect_0/{p}" for p in ("ACLK", "S00_ACLK", "M00_ACLK", "M01_ACLK")),
                "smartconnect_0/aclk",
                f"{dma}/s_axi_lite_aclk",
                f"{dma}/m_axi_mm2s_aclk",
                f"{dma}/m_axi_s2mm_aclk",
                f"{accel}/ap_clk",
                *(f"{c}/aclk" for c in convs),
            ),
        ),
        ("rst_0/interconnect_aresetn", ("axi_interconnect_0/ARESETN", "smartconnect_0/aresetn")),
        (
            "rst_0/peripheral_aresetn",
            (
                *(f"axi_interconnect_0/{p}_ARESETN" for p in ("S00", "M00", "M01")),
                f"{dma}/axi_resetn",
                f"{accel}/ap_rst_n",
                *(f"{c}/aresetn" for c in convs),
            ),
        ),
    )
    cells = []
    for name, (key, cfg) in configs.items():
        check_config(key, cfg)
        cells.append(Cell(name, key, tuple(cfg.items())))
    for pin in [p for pair in intf for p in pair] + [p for d, s in nets for p in (d, *s)]:
        cell, port = pin.split("/")
        assert port in IP_TABLE[configs[cell][0]].pins, pin  # the table lists every pin we wire
    segs = (Segment(dma, "S_AXI_LITE", "Reg", dma_base), Segment(accel, "s_axi_control", "*", accel_base))
    return BlockDesign(ps, clock_mhz, tuple(cells), tuple(intf), nets, segs)


def _pin(pin: str, intf: bool) -> str:
    return f"[get_bd_{'intf_' if intf else ''}pins {pin}]"


def tcl_body(bd: BlockDesign) -> str:
    """TCL: create the non-PS cells, set every cell's CONFIG, wire every net, assign the addresses.

    The PS cell itself is created by the template (board preset or bare part) before this runs.
    """
    lines = []
    for c in bd.cells:
        if c.name != "ps":
            lines.append(f"create_bd_cell -type ip -vlnv [latest_vlnv {c.vlnv}] {c.name}")
    for c in bd.cells:
        if c.config:
            kv = " \\\n    ".join(f"CONFIG.{k} {{{v}}}" for k, v in c.config)
            lines.append(f"set_property -dict [list \\\n    {kv}] [get_bd_cells {c.name}]")
    for a, b in bd.intf_nets:
        upper = " -boundary_type upper" if "axi_interconnect" in a + b else ""
        lines.append(f"connect_bd_intf_net{upper} {_pin(a, True)} {_pin(b, True)}")
    for drv, sinks in bd.nets:
        pins = [_pin(drv, False), *(_pin(s, False) for s in sinks)]
        lines.append("connect_bd_net " + " \\\n    ".join(pins))
    for s in bd.segments:
        lines.append(
            f"assign_bd_address -offset 0x{s.base:08X} -range 0x{s.range:08X} -target_address_space "
            f"[get_bd_addr_spaces ps/Data] [get_bd_addr_segs {s.cell}/{s.busif}/{s.block}] -force"
        )
    lines.append("assign_bd_address")
    return "\n".join(lines)
