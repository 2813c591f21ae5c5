"""Yosys ``synth_xilinx -family xc7`` resource estimates for every instance of a stitched design.

Each layer, FIFO and width converter is synthesized on its own (a one-instance wrapper with the
instance's parameters, memory init files read from the rtl directory) and its ``stat`` parsed into
LUT / FF / RAMB18 / RAMB36 / DSP counts. Results are cached in ``$XDG_CACHE_HOME/pcnn-hw/yosys/<hash>.json``
keyed by the module source, parameters, memory files and script, so re-synthesizing an unchanged layer
is instant. The top's numbers are the sum over its instances (synthesizing the flattened top as one
run gives nearly the same counts but takes much longer under WebAssembly Yosys).

LUT counting follows Vivado's utilization report: ``LUT`` = logic LUTs + LUTs used as distributed RAM
(RAM32M/RAM64M = 4, RAM32X1D/RAM64X1D = 2, RAM128X1D = 4, RAM*X1S = 1 per 64 bits) + SRLs;
``BRAM36`` = RAMB36 + RAMB18 / 2.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from pcnn_hw.rtl.stitch import Design, Instance, template_text
from pcnn_hw.rtl.tools import find_yosys, repo_cache_dir, run_tool

SCRIPT = (
    "read_verilog -defer -sv {files}; synth_xilinx -family xc7 -noiopad -flatten -top {top}; "
    "tee -q -o stat.txt stat"
)
LUTRAM_WEIGHT = {
    "RAM32M": 4,
    "RAM64M": 4,
    "RAM32X1D": 2,
    "RAM64X1D": 2,
    "RAM128X1D": 4,
    "RAM32X1S": 1,
    "RAM64X1S": 1,
    "RAM128X1S": 2,
    "RAM256X1S": 4,
    "RAM32M16": 8,
    "RAM64M8": 8,
    "SRL16E": 1,
    "SRLC32E": 1,
    "SRLC16E": 1,
}


@dataclass
class Resources:
    """Resource counts of one synthesized module."""

    lut: int = 0
    lut_logic: int = 0
    lut_mem: int = 0
    ff: int = 0
    ramb18: int = 0
    ramb36: int = 0
    dsp: int = 0
    carry4: int = 0

    @property
    def bram36(self) -> float:
        """BRAM in RAMB36 equivalents."""
        return self.ramb36 + self.ramb18 / 2

    def add(self, o: Resources) -> Resources:
        """Element-wise sum."""
        return Resources(*(getattr(self, f) + getattr(o, f) for f in self.__dataclass_fields__))

    def to_dict(self) -> dict:
        """Report row."""
        return {
            "LUT": self.lut,
            "LUT_logic": self.lut_logic,
            "LUT_mem": self.lut_mem,
            "FF": self.ff,
            "RAMB18": self.ramb18,
            "RAMB36": self.ramb36,
            "BRAM36": self.bram36,
            "DSP": self.dsp,
        }


def parse_stat(text: str) -> Resources:
    """Parse the cell list of Yosys' ``stat`` output (after synth_xilinx) into :class:`Resources`."""
    cells: dict[str, int] = {}
    for m in re.finditer(r"^\s+(\d+)\s+([A-Z][A-Z0-9_]+)\s*$", text, re.M):
        cells[m.group(2)] = cells.get(m.group(2), 0) + int(m.group(1))
    r = Resources()
    r.lut_logic = sum(v for k, v in cells.items() if re.fullmatch(r"LUT[1-6]", k))
    r.lut_mem = sum(v * LUTRAM_WEIGHT[k] for k, v in cells.items() if k in LUTRAM_WEIGHT)
    r.lut = r.lut_logic + r.lut_mem
    r.ff = sum(v for k, v in cells.items() if k in ("FDRE", "FDSE", "FDCE", "FDPE", "FDR", "FDS", "FD"))
    r.ramb18 = sum(v for k, v in cells.items() if k.startswith("RAMB18"))
    r.ramb36 = sum(v for k, v in cells.items() if k.startswith("RAMB36"))
    r.dsp = sum(v for k, v in cells.items() if k.startswith("DSP48"))
    r.carry4 = cells.get("CARRY4", 0)
    return r


def _param(v: int | str) -> str:
    return f'"{v}"' if isinstance(v, str) else str(int(v))


def wrapper(inst: Instance) -> str:
    """A one-instance top module ``synth_top`` for ``inst`` (ports as in the templates)."""
    ps = ", ".join(f".{k}({_param(v)})" for k, v in inst.params.items())
    return (
        "module synth_top (input wire ap_clk, input wire ap_rst_n,\n"
        f"  input wire [{inst.in_width - 1}:0] in_tdata, input wire in_tvalid, output wire in_tready,\n"
        f"  output wire [{inst.out_width - 1}:0] out_tdata, output wire out_tvalid, input wire out_tready);\n"
        f"  {inst.module} #({ps}) u (.ap_clk(ap_clk), .ap_rst_n(ap_rst_n), .in_tdata(in_tdata),\n"
        "    .in_tvalid(in_tvalid), .in_tready(in_tready), .out_tdata(out_tdata), .out_tvalid(out_tvalid),\n"
        "    .out_tready(out_tready));\nendmodule\n"
    )


def synth_instance(
    inst: Instance, d: Design, rtl_dir: Path, cache_dir: Path | None = None, timeout_s: float = 3600.0
) -> tuple[Resources, bool]:
    """Synthesize one instance (cached); returns (resources, cache_hit)."""
    ydir = (Path(cache_dir) if cache_dir is not None else repo_cache_dir()) / "yosys"
    ydir.mkdir(parents=True, exist_ok=True)
    src = template_text(f"{inst.module}.v")
    wrap = wrapper(inst)
    mems = sorted(v for v in inst.params.values() if isinstance(v, str) and v)
    h = hashlib.sha256()
    for part in [SCRIPT, src, wrap, *[d.files[m] for m in mems]]:
        h.update(part.encode())
    key = h.hexdigest()[:24]
    hit = ydir / f"{key}.json"
    if hit.is_file():
        return Resources(**json.loads(hit.read_text())), True
    work = ydir / f"run_{key}"
    work.mkdir(exist_ok=True)
    (work / f"{inst.module}.v").write_text(src)
    (work / "synth_top.v").write_text(wrap)
    for m in mems:
        (work / m).write_text(d.files[m])
    script = SCRIPT.format(files=f"{inst.module}.v synth_top.v", top="synth_top")
    run_tool(find_yosys(), ["-q", "-p", script], work, work / "yosys.log", timeout_s, f"yosys {inst.name}")
    res = parse_stat((work / "stat.txt").read_text())
    fields = {k: getattr(res, k) for k in res.__dataclass_fields__}
    hit.write_text(json.dumps(fields, sort_keys=True) + "\n")
    for f in work.iterdir():
        f.unlink()
    work.rmdir()
    return res, False


def synth_design(
    d: Design, rtl_dir: Path, cache_dir: Path | None = None, jobs: int = 2, timeout_s: float = 1200.0
) -> dict:
    """Per-instance and total resources: {'instances', 'layers', 'total', 'missing'}.

    An instance whose synthesis fails or exceeds ``timeout_s`` (WebAssembly Yosys is slow on wide
    8-bit-input MVAUs) is listed in ``missing`` with the reason and left out of the total, so a slow
    layer never blocks the rest of the report.
    """
    from concurrent.futures import ThreadPoolExecutor

    from pcnn_hw.errors import SimulationError

    def one(inst: Instance) -> tuple[Resources | None, bool, str]:
        try:
            res, hit = synth_instance(inst, d, rtl_dir, cache_dir, timeout_s)
            return res, hit, ""
        except SimulationError as exc:
            return None, False, str(exc).splitlines()[0]

    rows = []
    missing = []
    total = Resources()
    per_layer: dict[str, Resources] = {}
    with ThreadPoolExecutor(max_workers=jobs) as ex:  # one Yosys process per instance, `jobs` at a time
        done = list(ex.map(one, d.instances))
    for inst, (res, hit, err) in zip(d.instances, done, strict=True):
        if res is None:
            missing.append({"name": inst.name, "reason": err})
            continue
        rows.append(
            {"name": inst.name, "kind": inst.kind, "layer": inst.layer, "cached": hit, **res.to_dict()}
        )
        total = total.add(res)
        if inst.kind == "layer":
            per_layer[inst.name] = res
    return {
        "instances": rows,
        "layers": {k: v.to_dict() for k, v in per_layer.items()},
        "total": total.to_dict(),
        "missing": missing,
    }
