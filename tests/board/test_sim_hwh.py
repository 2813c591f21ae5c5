"""The simulation-only .hwh: well-formed, rendered from the block design of the Vivado script (same
PS family, cells, VLNVs, DMA parameters and addresses), marked as not from Vivado."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from pcnn_hw.board.blockdesign import block_design
from pcnn_hw.board.sim_hwh import PLACEHOLDER, simulation_hwh, write_simulated_overlay
from pcnn_hw.core.boards import get_board
from tests.board.conftest import toy_spec


@pytest.mark.parametrize(
    "board,modtype,master,clock_key,base",
    [
        ("pynq-z2", "processing_system7", "M_AXI_GP0", "PCW_FPGA_FCLK0_ENABLE", "0x40400000"),
        ("kv260", "zynq_ultra_ps_e", "M_AXI_HPM0_FPD", "PSU__FPGA_PL0_ENABLE", "0xA0000000"),
        ("ultra96-v2", "zynq_ultra_ps_e", "M_AXI_HPM0_FPD", "PSU__FPGA_PL0_ENABLE", "0xA0000000"),
    ],
)
def test_hwh_matches_board_ps(board: str, modtype: str, master: str, clock_key: str, base: str) -> None:
    """The PS of the board's family, its master on every memory range, the DMA with pynq's VLNV and the
    script's parameters, every cell of the block design, PL clocks disabled for the simulation."""
    spec = dataclasses.replace(toy_spec(), board=board)
    text = simulation_hwh(spec)
    assert "SIMULATION ONLY" in text
    root = ET.fromstring(text)
    mods = {m.get("INSTANCE"): m for m in root.iter("MODULE")}
    bd = block_design(get_board(board), spec, spec.clock_mhz)
    assert set(mods) == {c.name for c in bd.cells}
    assert mods["ps"].get("MODTYPE") == modtype
    assert mods["axi_dma_0"].get("VLNV") == "xilinx.com:ip:axi_dma:7.1"
    params = {p.get("NAME"): p.get("VALUE") for p in mods["axi_dma_0"].iter("PARAMETER")}
    assert params == dict(bd.cell("axi_dma_0").config)
    assert params["c_include_sg"] == "0" and params["c_m_axis_mm2s_tdata_width"] == "16"
    ranges = {r.get("INSTANCE"): r for r in root.iter("MEMRANGE")}
    assert set(ranges) == {"axi_dma_0", "pcnn_accel_0"}
    assert ranges["axi_dma_0"].get("BASEVALUE") == base
    assert all(r.get("MASTERBUSINTERFACE") == master for r in ranges.values())
    ps_params = {p.get("NAME"): p.get("VALUE") for p in mods["ps"].iter("PARAMETER")}
    assert ps_params[clock_key] == "0"


def test_placeholder_is_not_a_bitstream(tmp_path: Path) -> None:
    """The .bit written for the simulated device says what it is."""
    bit = write_simulated_overlay(toy_spec(), tmp_path)
    assert bit.read_bytes() == PLACEHOLDER and b"NOT A BITSTREAM" in PLACEHOLDER
    assert bit.with_suffix(".hwh").is_file() and bit.with_suffix(".json").is_file()
