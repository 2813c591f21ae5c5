"""The simulation-only .hwh: well-formed, describes the DMA/accelerator, marked as not from Vivado."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from pcnn_hw.board.sim_hwh import PLACEHOLDER, simulation_hwh, write_simulated_overlay
from tests.board.conftest import toy_spec


def test_hwh_structure() -> None:
    """DMA with pynq's VLNV and simple-mode parameters, accelerator, memory ranges, PS7/PS8 clocks."""
    for ps, key in (("ps7", "PCW_FPGA_FCLK0_ENABLE"), ("ps8", "PSU__FPGA_PL0_ENABLE")):
        text = simulation_hwh(toy_spec(), ps)
        assert "SIMULATION ONLY" in text
        root = ET.fromstring(text)
        mods = {m.get("INSTANCE"): m for m in root.iter("MODULE")}
        assert mods["axi_dma_0"].get("VLNV") == "xilinx.com:ip:axi_dma:7.1"
        params = {p.get("NAME"): p.get("VALUE") for p in mods["axi_dma_0"].iter("PARAMETER")}
        assert params["c_include_sg"] == "0" and params["c_m_axis_mm2s_tdata_width"] == "16"
        assert {r.get("INSTANCE") for r in root.iter("MEMRANGE")} == {"axi_dma_0", "pcnn_accel_0"}
        assert any(p.get("NAME") == key for p in mods["ps"].iter("PARAMETER"))


def test_placeholder_is_not_a_bitstream(tmp_path: Path) -> None:
    """The .bit written for the simulated device says what it is."""
    bit = write_simulated_overlay(toy_spec(), tmp_path)
    assert bit.read_bytes() == PLACEHOLDER and b"NOT A BITSTREAM" in PLACEHOLDER
    assert bit.with_suffix(".hwh").is_file() and bit.with_suffix(".json").is_file()
