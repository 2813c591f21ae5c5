"""Logic-depth timing estimate of a Yosys ``synth_xilinx`` netlist: worst path in LUT levels and carry
cells, turned into ns and fmax with a per-family delay model (``delay_models.json``).

Why our own walk of the ``write_json`` netlist rather than Yosys' ``ltp``/``sta``: ``ltp`` counts cells on
the longest path through the whole module but only stops at Yosys' internal ``$dff`` cells, not at the
Xilinx primitives (FDRE, RAMB36E1, ...) that ``synth_xilinx`` leaves, and it cannot tell a LUT from a
carry cell; ``sta`` needs ``specify`` timing on every cell, which the Xilinx cell library only partly has
and with no per-speed-grade values. The walk below is a plain longest-path search over the netlist DAG:

* path starts: outputs of FDRE/FDSE/FDCE/FDPE, SRL, LUTRAM, RAMB and registered DSP48 cells (clock-to-out
  of that cell class) and the instance's input ports (as if a register of the neighbour drove them);
* path ends: the data/enable/reset pins of those cells (setup of that class) and the output ports;
* through cells: LUT1..6 (one LUT level each), MUXF7/8/9, CARRY4/CARRY8 (entering a chain from S/DI
  costs ``carry_entry_ns`` once; Yosys emits CARRY4 on every family, and on UltraScale+, where Vivado
  packs two CARRY4 into one CARRY8, the count is reported in CARRY8 cells = ceil(CARRY4 / 2)),
  LUTRAM/SRL address-to-output (a LUT level) and a DSP48 with neither MREG nor PREG (``dsp_comb_ns``);
* each net costs ``route_ns``, except the dedicated ones: carry cascade (CI/CI_TOP), LUT -> CARRY S/DI
  and LUT/MUXF -> MUXF inputs (packed in the same slice), DSP cascades.

ns = start clock-to-out + cells + nets + end setup + clock uncertainty; fmax = 1000 / ns. Clock skew,
fan-out dependent net delays and placement are not modelled: the result is an estimate that only a Vivado
implementation confirms (typically within ~20 % for logic-dominated paths).
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pcnn_hw.errors import ModelFileError

MODELS_FILE = Path(__file__).with_name("delay_models.json")
WALK_VERSION = "2"  # part of the Yosys cache key: bump when worst_path's rules change
CLOCK_PIN = re.compile(r"^(C|CLK|WCLK|CLKARDCLK|CLKBWRCLK|CLKA|CLKB|CLKAL|CLKAU|CLKBL|CLKBU|G)$")
DEDICATED_PIN = re.compile(r"^(CI|CI_TOP|CYINIT|PCIN|ACIN|BCIN|CARRYCASCIN|MULTSIGNIN)$")


@dataclass(frozen=True)
class DelayModel:
    """One family/speed grade's delay constants (ns); see ``delay_models.json`` for the sources."""

    name: str
    values: dict

    @property
    def synth_family(self) -> str:
        """``synth_xilinx -family`` value (xc7 / xcup)."""
        return str(self.values["synth_family"])

    @property
    def carry8(self) -> bool:
        """Carry cells are reported as CARRY8 (UltraScale+)."""
        return self.values["carry_cell"] == "CARRY8"

    def ns(self, key: str) -> float:
        """A constant; ``carry_ns`` is the delay per CARRY4's worth of chain (4 bits): carry4_ns, or half
        of carry8_ns on UltraScale+ (Yosys maps carries to CARRY4 on every family; Vivado packs a pair
        into one CARRY8 there)."""
        if key == "carry_ns":
            return float(self.values["carry4_ns"]) if not self.carry8 else float(self.values["carry8_ns"]) / 2
        return float(self.values[key])

    def to_dict(self) -> dict:
        """Report form (the constants and their source)."""
        return dict(self.values)


@lru_cache(maxsize=1)
def load_models() -> dict[str, DelayModel]:
    """All delay models of ``delay_models.json`` by name (xc7-1, usplus-1, usplus-2)."""
    raw = json.loads(MODELS_FILE.read_text())
    return {k: DelayModel(k, v) for k, v in raw.items()}


def model_for_part(part: str) -> DelayModel:
    """Delay model of an FPGA part name (xc7z020clg400-1 -> xc7-1, xczu7ev-...-2-e -> usplus-2).

    The K26's -2LV grade (0.72 V) is close to -1 at 0.85 V in DS925, so it maps to usplus-1.
    """
    p = part.lower()
    fam = "xc7" if p.startswith("xc7") else "usplus" if p.startswith(("xczu", "xck", "xcu")) else None
    m = re.search(r"-(\d)(lv|le)?(-|$)", p)
    if fam is None or m is None:
        raise ModelFileError(f"part {part!r}: no timing delay model (known: xc7*-N, xczu*-N, xck26-N)")
    grade = m.group(1)
    if m.group(2):  # low-voltage grade: the -1 column of the datasheet
        grade = "1"
    name = f"{fam}-{grade}"
    models = load_models()
    if name not in models:
        name = f"{fam}-1"
    return models[name]


@dataclass
class PathEstimate:
    """The worst path of a netlist."""

    lut_levels: int
    carry_cells: int
    ns: float
    start: str
    end: str
    muxf: int = 0

    @property
    def fmax_mhz(self) -> float:
        """1000 / ns."""
        return 1000.0 / self.ns if self.ns > 0 else float("inf")

    def to_dict(self) -> dict:
        """JSON form (contract fields + from/to)."""
        d = asdict(self)
        d["from"], d["to"] = d.pop("start"), d.pop("end")
        d["ns"] = round(self.ns, 3)
        d["fmax_mhz"] = round(self.fmax_mhz, 1)
        return d


def _cell_class(ctype: str, params: dict) -> str:
    if re.fullmatch(r"LUT[1-6]", ctype):
        return "lut"
    if re.fullmatch(r"MUXF[789]", ctype):
        return "muxf"
    if ctype in ("CARRY4", "CARRY8"):
        return "carry"
    if re.fullmatch(r"FD[A-Z]*|LD[A-Z]*", ctype):
        return "ff"
    if ctype.startswith("SRL") or re.fullmatch(r"RAM\d+[XM].*", ctype):
        return "lutram"
    if ctype.startswith(("RAMB", "FIFO", "URAM")):
        return "bram"
    if ctype.startswith("DSP48"):
        regs = [_int(params.get(k, 1)) for k in ("MREG", "PREG")]
        return "dsp_comb" if regs == [0, 0] else "dsp"
    if ctype in ("GND", "VCC", "BUFG", "BUFGCE", "IBUF", "OBUF"):
        return "const"
    return "unknown"


def _int(v: Any) -> int:
    if isinstance(v, str):
        return int(v, 2) if v and set(v) <= {"0", "1"} else 1
    return int(v)


def _setup(model: DelayModel, cls: str, pin: str) -> float:
    if cls == "ff":
        if pin == "CE":
            return model.ns("ff_setup_ce_ns")
        if pin in ("R", "S", "CLR", "PRE"):
            return model.ns("ff_setup_sr_ns")
        return model.ns("ff_setup_ns")
    return model.ns({"bram": "bram_setup_ns", "dsp": "dsp_setup_ns", "lutram": "lutram_setup_ns"}[cls])


def _bit_names(mod: dict) -> dict[int, str]:
    """bit -> readable net name (public names first, then the shortest)."""
    best: dict[int, tuple[int, int, str]] = {}
    for name, nn in mod.get("netnames", {}).items():
        bits = nn["bits"]
        for i, b in enumerate(bits):
            if isinstance(b, int):
                label = name if len(bits) == 1 else f"{name}[{i}]"
                rank = (int(nn.get("hide_name", 0)), len(label), label)
                if b not in best or rank < best[b]:
                    best[b] = rank
    return {b: r[2] for b, r in best.items()}


def worst_path(netlist: dict, model: DelayModel, top: str | None = None) -> PathEstimate:
    """Worst start-to-end path of module ``top`` (default: the only/top module) of a write_json netlist."""
    mods = netlist["modules"]
    if top is None:
        tops = [k for k, m in mods.items() if _int(m.get("attributes", {}).get("top", "0"))]
        cands = tops or [k for k, m in mods.items() if not m.get("attributes", {}).get("blackbox")]
        if len(cands) != 1:
            raise ModelFileError(f"netlist: cannot tell the top module among {sorted(cands)[:5]}")
        top = cands[0]
    mod = mods[top]
    names = _bit_names(mod)
    route, lut, muxf = model.ns("route_ns"), model.ns("lut_ns"), model.ns("muxf_ns")
    carry, entry = model.ns("carry_ns"), model.ns("carry_entry_ns")
    unc = model.ns("clock_uncertainty_ns")
    clk2q = {
        "ff": model.ns("ff_clk_to_q_ns"),
        "lutram": model.ns("lutram_clk_to_out_ns"),
        "bram": model.ns("bram_clk_to_out_ns"),
        "dsp": model.ns("dsp_clk_to_out_ns"),
    }
    # driver of every bit: ("port", name) | (cell_name, pin)
    driver: dict[int, tuple[str, str]] = {}
    cells: dict[str, tuple[str, str, dict]] = {}
    for pname, port in mod.get("ports", {}).items():
        if port["direction"] == "input":
            for i, b in enumerate(port["bits"]):
                if isinstance(b, int):
                    driver[b] = ("port", f"{pname}[{i}]" if len(port["bits"]) > 1 else pname)
    for cname, cell in mod.get("cells", {}).items():
        dirs = cell.get("port_directions")
        if dirs is None:
            raise ModelFileError(f"netlist cell {cname} ({cell['type']}): no port directions")
        cls = _cell_class(cell["type"], cell.get("parameters", {}))
        cells[cname] = (cell["type"], cls, cell)
        for pin, bits in cell["connections"].items():
            if dirs.get(pin) == "output":
                for b in bits:
                    if isinstance(b, int):
                        driver[b] = (cname, pin)

    def cell_label(cname: str, pin: str) -> str:
        ctype, _, cell = cells[cname]
        outs = [
            b
            for p, bs in cell["connections"].items()
            if cell["port_directions"].get(p) == "output"
            for b in bs
            if isinstance(b, int)
        ]
        net = names.get(outs[0], cname) if outs else cname
        return f"{net} ({ctype}.{pin})"

    memo: dict[int, tuple | None] = {}
    visiting: set[int] = set()
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20000))

    def pin_arrival(b: int, sink_cls: str, sink_pin: str) -> tuple | None:
        a = arrival(b)
        if a is None:
            return None
        drv = driver[b]
        drv_cls = cells[drv[0]][1] if drv[0] != "port" else "port"
        dedicated = (
            DEDICATED_PIN.match(sink_pin) is not None
            or (sink_cls == "carry" and sink_pin in ("S", "DI") and drv_cls == "lut")
            or (sink_cls == "muxf" and sink_pin in ("I0", "I1") and drv_cls in ("lut", "muxf"))
        )
        return (a[0] + (0.0 if dedicated else route), *a[1:])

    def arrival(b: int) -> tuple | None:
        """(ns, luts, carries, muxf, start label) at bit b (at the driver's output), worst over inputs."""
        if b in memo:
            return memo[b]
        drv = driver.get(b)
        if drv is None:
            return None
        if drv[0] == "port":
            res: tuple | None = (clk2q["ff"], 0, 0, 0, f"input {drv[1]}")
        else:
            cname, opin = drv
            ctype, cls, cell = cells[cname]
            if cls == "const":
                res = None
            elif cls in ("ff", "bram", "dsp"):
                res = (clk2q[cls], 0, 0, 0, cell_label(cname, opin))
            else:
                if b in visiting:
                    raise ModelFileError(f"netlist: combinational loop through cell {cname} ({ctype})")
                visiting.add(b)
                res = (clk2q["lutram"], 0, 0, 0, cell_label(cname, opin)) if cls == "lutram" else None
                for pin, bits in cell["connections"].items():
                    if cell["port_directions"].get(pin) != "input" or CLOCK_PIN.match(pin):
                        continue
                    if cls == "lutram" and not pin.startswith(("A", "DPRA", "RADR")):
                        continue  # only the read address is combinational to the output
                    for ib in bits:
                        if not isinstance(ib, int):
                            continue
                        a = pin_arrival(ib, cls, pin)
                        if a is None:
                            continue
                        ns, luts, cys, mx, start = a
                        if cls in ("lut", "lutram", "unknown"):
                            ns, luts = ns + lut, luts + 1
                        elif cls == "muxf":
                            ns, mx = ns + muxf, mx + 1
                        elif cls == "carry":  # counted in CARRY4 units (a CARRY8 is two)
                            units = 2 if ctype == "CARRY8" else 1
                            ns += units * carry + (0.0 if pin in ("CI", "CI_TOP") else entry)
                            cys += units
                        elif cls == "dsp_comb":
                            ns += model.ns("dsp_comb_ns")
                        if res is None or ns > res[0]:
                            res = (ns, luts, cys, mx, start)
                visiting.discard(b)
        memo[b] = res
        return res

    worst: PathEstimate | None = None

    def consider(a: tuple | None, setup: float, end: str) -> None:
        nonlocal worst
        if a is None:
            return
        total = a[0] + setup + unc
        if worst is None or total > worst.ns:
            cells = -(-a[2] // 2) if model.carry8 else a[2]  # CARRY4 units -> CARRY8 cells
            worst = PathEstimate(a[1], cells, total, a[4], end, a[3])

    for cname, (ctype, cls, cell) in cells.items():
        if cls not in ("ff", "bram", "dsp", "lutram"):
            continue
        for pin, bits in cell["connections"].items():
            if cell["port_directions"].get(pin) != "input" or CLOCK_PIN.match(pin):
                continue
            if ctype.startswith("SRL") and pin.startswith("A"):
                continue  # SRL address selects the output only
            for ib in bits:
                if isinstance(ib, int):
                    consider(pin_arrival(ib, cls, pin), _setup(model, cls, pin), cell_label(cname, pin))
    for pname, port in mod.get("ports", {}).items():
        if port["direction"] == "output":
            for i, b in enumerate(port["bits"]):
                if isinstance(b, int):
                    label = f"output {pname}[{i}]" if len(port["bits"]) > 1 else f"output {pname}"
                    consider(pin_arrival(b, "port", "O"), model.ns("ff_setup_ns"), label)
    if worst is None:
        return PathEstimate(0, 0, 0.0, "-", "-")
    return worst
