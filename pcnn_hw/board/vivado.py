"""Vivado bitstream scripts of a build directory: `build/NAME/vivado/`, results in `bitstreams/<board>/`.

`generate(build_dir, board)` refuses builds that cannot give a working bitstream (`gates.check_build`:
no RTL, estimated timing below the clock unless `allow_timing_risk`, an incomplete rtl/) and writes,
deterministically and relocatably (every path relative to the script's own directory or given on the
command line):

* `pcnn_accel_wrapper.v` — AXI4-Lite registers, soft reset, TLAST/TKEEP around the stitched RTL top
  (`pcnn_hw.board.wrapper`);
* `build_bitstream.tcl` — `templates/build_bitstream.tcl` filled with the block design of
  `pcnn_hw.board.blockdesign` (PS7 or PS8, clocking wizard, proc_sys_reset, AXI Interconnect,
  SmartConnect, AXI DMA, width converters, the accelerator — all wired explicitly), packaging of the
  IP with its clock/reset associated, synthesis, implementation and the gates (WNS/WHS, critical
  warnings, .hwh) before anything is copied to the output directory (argument 1, default
  `bitstreams/<board>/` relative to the script);
* `accelerator.json` — the driver's spec (`pcnn_hw.driver.spec`); `README.md` — how to run it.

`run(build_dir, board)` runs Vivado when it is on PATH, else raises ToolMissingError (scripts ready).
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
from pathlib import Path

from pcnn_hw.board.blockdesign import block_design, tcl_body
from pcnn_hw.board.gates import check_build
from pcnn_hw.board.ipparams import IP_TABLE
from pcnn_hw.board.render import fill
from pcnn_hw.board.rtltop import RtlTop, check_rtl_complete, core_formats, find_rtl_top
from pcnn_hw.board.wrapper import WRAPPER_FILE, WRAPPER_MODULE, wrapper_verilog
from pcnn_hw.core.boards import Board, get_board
from pcnn_hw.driver.spec import AcceleratorSpec
from pcnn_hw.errors import BoardError, ToolMissingError

TCL_FILE = "build_bitstream.tcl"
IP_VLNV = IP_TABLE["pcnn_accel"].vlnv + ":1.0"
GATE_IDS = ("Synth 8-4445", "BD 41-758", "BD 41-759")  # $readmem file not found; clockless/unreset port
# Vivado board-file names without the file version: `get_board_parts -latest_file_version` picks it
BOARD_PARTS = {
    "pynq-z1": "www.digilentinc.com:pynq-z1:part0:*",
    "pynq-z2": "tul.com.tw:pynq-z2:part0:*",
    "ultra96-v2": "avnet.com:ultra96v2:part0:*",
    "zcu104": "xilinx.com:zcu104:part0:*",
    "kv260": "xilinx.com:kv260_som:part0:*",
}

__all__ = ["GATE_IDS", "TCL_FILE", "WRAPPER_FILE", "WRAPPER_MODULE", "find_rtl_top", "generate", "run"]


def _tcl_list(items: list[str] | tuple[str, ...]) -> str:
    return " ".join("{" + i + "}" for i in items)


def tcl_script(board: Board, spec: AcceleratorSpec, top: RtlTop, clock_mhz: float, out_rel: str) -> str:
    """The Vivado batch script (see the module docstring)."""
    bd = block_design(board, spec, clock_mhz)
    ps_vlnv = IP_TABLE[bd.cell("ps").ip].vlnv
    return fill(
        TCL_FILE,
        NAME=spec.name,
        BOARD=board.name,
        PART=board.part,
        PS=board.ps,
        PS_UPPER=board.ps.upper(),
        CLK_MHZ=f"{clock_mhz:g}",
        TCL_FILE=TCL_FILE,
        OUT_REL=out_rel,
        BOARD_PART=BOARD_PARTS.get(board.name, ""),
        RTL_FILES=_tcl_list([f"../{f}" for f in top.files]),
        MEM_FILES=_tcl_list([f"../{f}" for f in top.init_files]),
        WRAPPER_FILE=WRAPPER_FILE,
        WRAPPER_MODULE=WRAPPER_MODULE,
        GATE_IDS=_tcl_list(GATE_IDS),
        GATE_IDS_TEXT=", ".join(GATE_IDS),
        PS_CREATE=fill(f"{board.ps}.tcl", PS_VLNV=ps_vlnv).rstrip(),
        BD_BODY=tcl_body(bd),
    )


def repo_bitstreams_dir() -> Path:
    """`bitstreams/` of the repository this package lives in."""
    return Path(__file__).resolve().parents[2] / "bitstreams"


def default_out_rel(vivado_dir: Path, board: str) -> str:
    """Default OUT_DIR relative to the script: the repository's bitstreams/<board>/ when the build lies
    inside the repository (build/NAME/vivado -> ../../../bitstreams/<board>), else bitstreams/<board>/
    beside the script — never a path that only exists on this machine."""
    repo = repo_bitstreams_dir().parent
    if repo in vivado_dir.resolve().parents:
        return os.path.relpath(repo_bitstreams_dir() / board, vivado_dir.resolve())
    return f"bitstreams/{board}"


def generate(
    build_dir: str | Path,
    board: str | None = None,
    out_dir: str | Path | None = None,
    allow_timing_risk: bool = False,
) -> Path:
    """Write `build_dir/vivado/` (TCL, wrapper, spec, README); returns the TCL path.

    `board` defaults to the build's board; `out_dir` to `bitstreams/<board>/` of the repository.
    BoardError (before anything is written) when `gates.check_build` refuses the build.
    """
    from pcnn_hw.board.buildinfo import make_spec

    build_dir = Path(build_dir).resolve()
    spec = make_spec(build_dir)
    bd = get_board(board or spec.board)
    if bd.name != spec.board:
        spec = dataclasses.replace(spec, board=bd.name)
    check_build(build_dir, spec.clock_mhz, allow_timing_risk)
    top = find_rtl_top(build_dir, spec.name)
    check_rtl_complete(build_dir, top)
    core_formats(top, spec, build_dir / "rtl")
    vdir = build_dir / "vivado"
    vdir.mkdir(exist_ok=True)
    out_rel = (
        default_out_rel(vdir, bd.name) if out_dir is None else os.path.relpath(Path(out_dir).resolve(), vdir)
    )
    out_rel = Path(out_rel).as_posix()
    (vdir / "accelerator.json").write_text(spec.dumps())
    (vdir / WRAPPER_FILE).write_text(wrapper_verilog(top, spec))
    tcl = vdir / TCL_FILE
    tcl.write_text(tcl_script(bd, spec, top, spec.clock_mhz, out_rel))
    (vdir / "README.md").write_text(
        f"# Vivado scripts for {spec.name} ({bd.name}, {bd.part}, {spec.clock_mhz:g} MHz)\n\n"
        f"Generated by `pcnn-hw bitstream`. On a machine with Vivado (2022.1 or newer), from this "
        f"directory:\n\n    vivado -mode batch -source {TCL_FILE} -tclargs OUT_DIR [JOBS]\n\n"
        f"It reads ../rtl/ (the stitched RTL), {WRAPPER_FILE} and accelerator.json, works in ./work/, "
        f"and writes OUT_DIR/{spec.name}.bit, .hwh, .json and timing/utilization reports. It exits "
        f"non-zero, copying nothing, on negative WNS/WHS, on the critical warnings "
        f"{', '.join(GATE_IDS)} and on a missing .hwh. Copy the whole build directory (at least rtl/ "
        f"and vivado/) to keep the relative paths.\n"
    )
    return tcl


def run(
    build_dir: str | Path,
    board: str | None = None,
    out_dir: str | Path | None = None,
    jobs: int = 2,
    allow_timing_risk: bool = False,
    timeout_s: float = 12 * 3600.0,
) -> Path:
    """Generate the scripts and run Vivado on them; ToolMissingError (scripts left ready) without Vivado."""
    tcl = generate(build_dir, board, out_dir, allow_timing_risk)
    vivado = shutil.which("vivado")
    spec = json.loads((tcl.parent / "accelerator.json").read_text())
    target = (
        Path(out_dir) if out_dir is not None else (tcl.parent / default_out_rel(tcl.parent, spec["board"]))
    )
    if vivado is None:
        raise ToolMissingError(
            f"vivado is not on PATH; the scripts are ready in {tcl.parent} — copy the build directory to a "
            f"machine with Vivado and run `vivado -mode batch -source {TCL_FILE} -tclargs OUT_DIR` there "
            f"(see {tcl.parent / 'README.md'})"
        )
    cmd = [vivado, "-mode", "batch", "-source", TCL_FILE, "-nojournal", "-log", "vivado.log",
           "-tclargs", str(target.resolve()), str(jobs)]  # fmt: skip
    try:
        proc = subprocess.run(cmd, cwd=tcl.parent, check=False, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        log = tcl.parent / "vivado.log"
        raise BoardError(f"vivado did not finish within {timeout_s:g} s; see {log}") from None
    if proc.returncode != 0:
        raise BoardError(f"vivado failed (exit {proc.returncode}); see {tcl.parent / 'vivado.log'}")
    return target / f"{spec['name']}.bit"
