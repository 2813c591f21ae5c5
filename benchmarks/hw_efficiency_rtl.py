"""One folding through the RTL backend for benchmarks/hw_efficiency.py (``--rtl-folding FILE``): our
model's numbers of that folding beside Verilator's FPS and the per-instance Yosys sum.

The model side is computed twice: on the design the optimizer sees (FIFOs at the stitcher's depth 2)
and on the very instances Yosys synthesizes (FIFOs at the depths the RTL step's sizing chose), so the
LUT comparison is instance for instance. The estimated fmax of the model (pcnn_hw/resources/fmax.py,
slowest instance) is set beside the Yosys netlist walk's (rtl/timing.py, slowest instance).
Yosys runs one job at a time (the machine is shared); results of each stage are kept as JSON next to
the build so ``--reuse`` re-reports without re-running.
"""

from __future__ import annotations

import io
import json
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def run_meta() -> dict:
    """The RTL commit a measurement ran on (this checkout's HEAD, "+dirty" when pcnn_hw/ has
    uncommitted changes) and the 1-minute load average when it started."""
    import os
    import subprocess

    root = Path(__file__).resolve().parents[1]
    git = ["git", "-C", str(root)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                          timeout=30).stdout.strip()
    dirty = subprocess.run([*git, "status", "--porcelain", "pcnn_hw"], capture_output=True, text=True,
                           timeout=30).stdout.strip()
    return {"rtl_commit": head + ("+dirty" if dirty else ""), "load": round(os.getloadavg()[0], 1)}


def rtl_build(work: Path, name: str, board: str, cfg: Path) -> tuple[Path, dict]:
    """Build ``name`` for ``board`` at the folding file ``cfg``, then the RTL step without Yosys
    (FIFO sizing, Verilator bit-exact run): (build dir, run_rtl's report)."""
    import shutil

    from pcnn_hw.compile.build import build
    from pcnn_hw.compile.steps import DEFAULT_STEPS
    from pcnn_hw.rtl.flow import run_rtl

    out = work / f"{cfg.name.split('.')[0]}-rtl"
    if (out / "rtl").is_dir() and (out / "build.json").is_file():  # our own earlier run_rtl output
        shutil.rmtree(out / "rtl")
    build(work / f"{name}.onnx", out, board, folding=cfg, steps=DEFAULT_STEPS, stream=io.StringIO(),
          force=True)
    t0 = time.perf_counter()
    rep = run_rtl(out, synth=False, stream=sys.stdout)
    rep["seconds"]["total"] = round(time.perf_counter() - t0, 1)
    return out, rep


def yosys_numbers(out: Path, depths: list[int], timeout_s: float = 1800.0) -> dict:
    """Per-instance Yosys (synth_xilinx, one job) of the built design at its sized FIFO depths: totals,
    the slowest instance's timing estimate, per-instance rows."""
    from pcnn_hw.rtl.flow import load_design
    from pcnn_hw.rtl.timing import model_for_part
    from pcnn_hw.rtl.yosys import synth_design

    rep = json.loads((out / "report.json").read_text())
    model = model_for_part(rep.get("board", {}).get("part", "xc7z020clg400-1"))
    rd = load_design(out)
    d = rd.stitch(depths)
    t0 = time.perf_counter()
    ys = synth_design(d, rd.rtl_dir, jobs=1, timeout_s=timeout_s, family=model.synth_family,
                      log=lambda m: print(f"  {m}", flush=True))
    worst = None
    for row in ys["instances"]:
        t = (row.get("timing") or {}).get(model.name)
        if t and (worst is None or t["fmax_mhz"] < worst["fmax_mhz"]):
            worst = {"instance": row["name"], **t}
    return {"total": ys["total"], "missing": ys["missing"], "worst": worst, "delay_model": model.name,
            "seconds": round(time.perf_counter() - t0, 1),
            "instances": {r["name"]: {x: r.get(x) for x in ("LUT", "FF", "BRAM36", "DSP")}
                          | {"fmax_mhz": ((r.get("timing") or {}).get(model.name) or {}).get("fmax_mhz")}
                          for r in ys["instances"]}}


def flat_numbers(out: Path, depths: list[int], timeout_s: float = 3300.0) -> dict:
    """One flattened Yosys synthesis (synth_xilinx -flatten, cached like an instance) of the whole built
    design at its sized FIFO depths: LUT / FF / BRAM36 / DSP totals and the flattened worst path."""
    from pcnn_hw.rtl.flow import load_design
    from pcnn_hw.rtl.timing import model_for_part
    from pcnn_hw.rtl.yosys import synth_flat

    rep = json.loads((out / "report.json").read_text())
    model = model_for_part(rep.get("board", {}).get("part", "xc7z020clg400-1"))
    d = load_design(out).stitch(depths)
    t0 = time.perf_counter()
    res, timing, hit = synth_flat(d, timeout_s=timeout_s, family=model.synth_family,
                                  log=lambda m: print(f"  {m}", flush=True))
    return {"LUT": res.lut, "FF": res.ff, "BRAM36": res.bram36, "DSP": res.dsp, "cache_hit": hit,
            "worst": timing.get(model.name), "delay_model": model.name,
            "seconds": round(time.perf_counter() - t0, 1)}


def model_numbers(model: Any, part: str, depths: list[int] | None) -> dict:
    """Our model on the stitched design of the folded ``model`` (FIFO ``depths``, default 2 each):
    totals, per instance (LUT, FF, BRAM36, est. fmax) and the slowest instance's fmax."""
    from pcnn_hw.compile import fold_opt
    from pcnn_hw.core.streams import fmt_of_datatype
    from pcnn_hw.resources import Resources, estimate_parts
    from pcnn_hw.resources.fmax import fmax_mhz
    from pcnn_hw.resources.model import rom_shapes
    from pcnn_hw.rtl.spec import rtl_layers
    from pcnn_hw.rtl.stitch import stitch
    from pcnn_hw.sim.executor import Simulator

    sim = Simulator(model.model)
    rl = rtl_layers(sim.layers, fmt_of_datatype(sim.input_dtype))
    by = {r.name: r for r in rl}
    shape = model.get_tensor_shape(model.graph.input[0].name)
    tot, rows = Resources(), {}
    for inst in stitch(rl, math.prod(shape[1:]), depths).instances:
        s = fold_opt.shape_at(by[inst.name], model.get_node_from_name(inst.name)) if inst.name in by else None
        s = s or (str(inst.module), dict(inst.params), rom_shapes(inst))
        e = estimate_parts(*s)
        tot = tot + e
        rows[inst.name] = {"LUT": e.lut, "FF": e.ff, "BRAM36": e.bram36, "fmax_mhz": fmax_mhz(*s, part)}
    worst = min(rows, key=lambda k: rows[k]["fmax_mhz"])
    return {"lut": tot.lut, "ff": tot.ff, "bram36": tot.bram36, "dsp": tot.dsp, "instances": rows,
            "fmax_mhz": rows[worst]["fmax_mhz"], "fmax_instance": worst}


def _stage(path: Path, wanted: bool, reuse: bool, run: Callable[[], dict]) -> dict | None:
    """One Yosys stage of :func:`rtl_point`: None unless ``wanted``; the stored JSON at ``path`` with
    ``reuse``, else ``run()`` with the run's RTL commit and load, stored at ``path``."""
    if not wanted:
        return None
    if reuse and path.is_file():
        return json.loads(path.read_text())
    res = run_meta() | run()
    path.write_text(json.dumps(res, indent=1) + "\n")
    return res


def rtl_point(work: Path, name: str, board: Any, folded: Any, cfg: Path, cycles: int, yosys: bool,
              reuse: bool, flat: bool = False) -> dict:
    """Model vs Verilator vs Yosys of the folding ``cfg`` (``folded``: the graph folded by it); ``flat``:
    also the flattened whole-design synthesis (:func:`flat_numbers`)."""
    tag = cfg.name.split(".")[0]
    vfile, yfile = work / f"{tag}-verilator.json", work / f"{tag}-yosys.json"
    ffile = work / f"{tag}-flat.json"
    if reuse and vfile.is_file():
        ver = json.loads(vfile.read_text())
    else:
        meta = run_meta()
        out, rep = rtl_build(work, name, board.name, cfg)
        ver = meta | {k: rep.get(k) for k in ("fps", "cycles_per_frame", "estimate_cycles_per_frame",
                                        "cycles_vs_estimate", "bit_exact_frames", "fifo_depths", "seconds")}
        vfile.write_text(json.dumps(ver, indent=1) + "\n")
    ys = _stage(yfile, yosys, reuse, lambda: yosys_numbers(work / f"{tag}-rtl", ver["fifo_depths"]))
    fl = _stage(ffile, flat, reuse, lambda: flat_numbers(work / f"{tag}-rtl", ver["fifo_depths"]))
    return {"folding": cfg.name, "settings": json.loads(cfg.read_text()), "cycles": cycles,
            "fps": board.clock_mhz * 1e6 / cycles, "verilator": ver, "yosys": ys, "flat": fl,
            "model_depth2": model_numbers(folded, board.part, None),
            "model_sized": model_numbers(folded, board.part, ver["fifo_depths"])}
