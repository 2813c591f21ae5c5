"""The RTL flow on a build directory: generate -> size FIFOs -> simulate (checked against the bit-exact
simulator) -> Yosys resources -> report.

Layout it writes into ``build/NAME/``::

    rtl/                 top.v, our pcnn_*.v templates, rom_<layer>_w.v / rom_<layer>_t.v, design.json
    sim/                 Verilator objects (obj_<hash>/), fifo_sizing/ (the deep-FIFO pass), rtl_report.json
    report.json          gains an "rtl" section: cycles/frame vs FINN's estimate, FPS, Yosys vs FINN resources
                         (+ a "timing" section: logic-depth estimate, rtl/timing.py; report.md its table)

FIFO sizing (documented in rtl/README.md): the design is first stitched with FIFOs one frame deep and
simulated unthrottled, which gives the true steady-state period T (the slowest layer). It is then
simulated again with the input throttled to one frame per T cycles, spread evenly over the frame, and
each FIFO's maximum occupancy is recorded; the final depth is max(2, occupancy + 1). With these depths
no layer is ever blocked in steady state by a full FIFO that the deep design would not block, so the
sized design reaches the same T; the final run checks it. Two Verilator builds, seconds of simulation.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pcnn_hw.errors import ModelFileError, VerificationError
from pcnn_hw.rtl.edges import Edge, chain_edges
from pcnn_hw.rtl.graphrtl import graph_rtl
from pcnn_hw.rtl.sizing import size_depths
from pcnn_hw.rtl.spec import RtlLayer, fmt_of_datatype, rtl_layers
from pcnn_hw.rtl.stitch import Design, stitch, stitch_graph, write_design
from pcnn_hw.rtl.verilate import SimResult, build_model, run_model


@dataclass
class RtlDesign:
    """A build directory's RTL: the bit-exact simulator, the RTL layers and input geometry."""

    build_dir: Path
    sim: Any  # pcnn_hw.sim.executor.Simulator
    layers: list[RtlLayer]
    in_elems: int
    edges: list[Edge] | None = None  # a DAG's streams (graphrtl.graph_rtl); None = a chain

    @property
    def rtl_dir(self) -> Path:
        """build/NAME/rtl."""
        return self.build_dir / "rtl"

    @property
    def sim_dir(self) -> Path:
        """build/NAME/sim."""
        return self.build_dir / "sim"

    def stitch(self, depths: list[int] | None = None) -> Design:
        """Stitched design with the given FIFO depths (default: rtl/design.json's, else 2)."""
        if depths is None:
            man = self.rtl_dir / "design.json"
            if man.is_file():
                depths = json.loads(man.read_text())["fifo_depths"]
        if self.edges is not None:
            return stitch_graph(self.layers, self.edges, depths)
        return stitch(self.layers, self.in_elems, depths)

    def graph_edges(self) -> list[Edge]:
        """The edges the stitcher connects (a chain's from its layers)."""
        return self.edges if self.edges is not None else chain_edges(self.layers, self.in_elems)

    def graph_input(self, images: np.ndarray) -> np.ndarray:
        """NCHW float images in [0, 1] -> the folded graph's input (NHWC / flat, 0..255 for UINT8)."""
        from pcnn_hw.core.levels import graph_input_adapter

        return graph_input_adapter(self.sim.input_shape, self.sim.input_dtype)(images)

    output_tensor: str | None = None  # the graph tensor the design ends in (None: the graph's output)

    def reference(self, x: np.ndarray) -> np.ndarray:
        """Bit-exact simulator output (frames, elements) on graph inputs ``x``: the graph's output, or the
        tensor the design ends in (:func:`pcnn_hw.rtl.level.scores_design`)."""
        if self.output_tensor is None:
            return np.asarray(self.sim.run(x)).reshape(x.shape[0], -1)
        _, caps = self.sim.run(x, capture=(self.output_tensor,))
        return np.asarray(caps[self.output_tensor]).reshape(x.shape[0], -1)


def load_design(build_dir: str | Path, folded: Any = None) -> RtlDesign:
    """The RTL layers of a build directory (graph: folded.onnx; weights: the compiler's weights/ images)."""
    from pcnn_hw.graph import DataflowGraph
    from pcnn_hw.sim.builddir import BuildDir
    from pcnn_hw.sim.executor import Simulator

    build_dir = Path(build_dir).resolve()
    bd = BuildDir(build_dir)  # the one build-directory loader: folded graph and memory images
    folded = bd.folded if folded is None else folded
    memory = bd.memory
    sim = Simulator(folded, memory=memory)
    fin = fmt_of_datatype(sim.input_dtype)
    edges = None
    g = DataflowGraph.from_model(folded, memory=memory)
    if g.is_chain:
        layers = rtl_layers(sim.layers, fin)
    else:
        layers, edges = graph_rtl(g, fin)
    if not layers:
        raise ModelFileError(f"{build_dir}: the folded graph has no hardware layers")
    return RtlDesign(build_dir, sim, layers, int(np.prod(sim.input_shape[1:])), edges)


def random_inputs(rd: RtlDesign, n: int, seed: int = 0) -> np.ndarray:
    """Random graph inputs (n, elements per frame) in the input datatype's range."""
    rng = np.random.default_rng(seed)
    f = rd.layers[0].inp.fmt
    lo, hi = (-(2 ** (f.bits - 1)), 2 ** (f.bits - 1)) if f.signed else (0, 2**f.bits)
    return rng.integers(lo, hi, size=(n, *rd.sim.input_shape[1:]))


def size_fifos(rd: RtlDesign, frames: int = 4, timeout_s: float = 1800.0) -> tuple[list[int], dict]:
    """FIFO depths from simulated occupancy (rtl/sizing.py); returns (depths, info)."""
    x = random_inputs(rd, frames).reshape(frames, -1)
    return size_depths(rd.layers, rd.graph_edges(), x, rd.sim_dir / "fifo_sizing", timeout_s,
                       check_dirs=(rd.rtl_dir, rd.sim_dir))


def simulate(
    rd: RtlDesign,
    d: Design,
    x: np.ndarray,
    backpressure: float = 0.0,
    seed: int = 0,
    timeout_s: float = 1800.0,
    timeline: bool = False,
) -> tuple[SimResult, np.ndarray]:
    """Verilate (cached) and run graph inputs ``x``; VerificationError naming the first differing frame."""
    exe = build_model(d, rd.rtl_dir, rd.sim_dir, timeout_s)
    xs = np.asarray(x).reshape(x.shape[0], -1)
    res = run_model(exe, d, rd.rtl_dir, xs, backpressure=backpressure, seed=seed, timeline=timeline)
    ref = rd.reference(np.asarray(x))
    if ref.shape != res.outputs.shape or not np.array_equal(ref, res.outputs):
        bad = (
            np.nonzero(np.any(ref.reshape(res.outputs.shape) != res.outputs, axis=1))[0]
            if ref.size == res.outputs.size
            else [0]
        )
        i = int(bad[0])
        raise VerificationError(
            f"RTL simulation disagrees with the bit-exact simulator on {len(bad)} of {len(xs)} frames; "
            f"first: frame {i}: RTL {res.outputs[i][:8].tolist()} vs simulator "
            f"{ref.reshape(res.outputs.shape)[i][:8].tolist()}"
        )
    return res, ref


def run_rtl(
    build_dir: str | Path,
    *,
    frames: int = 8,
    backpressure: float = 0.0,
    fifo_sizing: bool = True,
    synth: bool = True,
    flat_timing: bool = True,
    flat_timeout_s: float = 900.0,
    clock_mhz: float | None = None,
    stream: Any = None,
    folded: Any = None,
    vcd: bool = False,
) -> dict:
    """Generate, size, simulate, synthesize; write rtl/, sim/rtl_report.json and report.json['rtl'].

    rtl_report.json also holds ``fifo_occupancy`` (max entries per FIFO, order of ``fifo_depths``) and
    ``timeline`` (per-layer busy/stall/starve intervals over the run's cycles, monitor.timeline_runs);
    ``vcd``: also write sim/frame.vcd (one frame, :func:`pcnn_hw.rtl.vcd.write_vcd`).

    With ``synth``, report.json also gets ``timing`` (per instance and, unless ``flat_timing`` is off,
    the whole top synthesized flattened within ``flat_timeout_s``; a timeout is reported, not raised).
    """
    t0 = time.perf_counter()
    rd = load_design(build_dir, folded)
    log = (lambda m: print(m, file=stream, flush=True)) if stream is not None else (lambda m: None)
    sizing = None
    if fifo_sizing:
        log(f"        FIFO sizing: {len(rd.layers)} layers in Verilator, deep then throttled FIFOs ...")
        depths, sizing = size_fifos(rd)
        log(f"        FIFO depths {depths} ({sizing['seconds']} s)")
    else:
        depths = None
    d = rd.stitch(depths) if depths is not None else rd.stitch([2] * len(rd.graph_edges()))
    write_design(d, rd.rtl_dir)
    t_gen = time.perf_counter() - t0
    x = random_inputs(rd, frames, seed=1)
    log(f"        Verilator: {frames} frames of the sized design (bit-exact check) ...")
    res, _ = simulate(rd, d, x, backpressure=backpressure, timeline=True)
    t_sim = time.perf_counter() - t0 - t_gen
    rep_path = rd.build_dir / "report.json"
    rep = json.loads(rep_path.read_text()) if rep_path.is_file() else {}
    clock = clock_mhz or float(rep.get("clock_mhz", 100.0))
    est = max(r.exp_cycles for r in rd.layers)
    bottleneck = max(rd.layers, key=lambda r: r.exp_cycles).name
    cpf = res.cycles_per_frame
    out: dict = {
        "frames": frames,
        "backpressure": backpressure,
        "clock_mhz": clock,
        "cycles_per_frame": cpf,
        "estimate_cycles_per_frame": est,
        "estimate_bottleneck": bottleneck,
        "cycles_vs_estimate": cpf / est,
        "fps": clock * 1e6 / cpf,
        "first_frame_latency_cycles": res.first_latency,
        "estimate_latency_cycles": rep.get("latency_cycles"),
        "bit_exact_frames": frames,
        "fifo_depths": d.fifo_depths,
        "fifo_occupancy": res.fifo_max,
        "fifo_edges": [d.edge_label(f.edge) for f in d.fifos()],
        "fifo_sizing": sizing,
        "layers": res.layer_table(),
        "timeline": res.timeline,
        "seconds": {"generate_and_size": round(t_gen, 1), "simulate": round(t_sim, 1)},
    }
    if synth:
        from pcnn_hw.rtl.yosys import synth_all

        t1 = time.perf_counter()
        model = _delay_model(rep)
        ys, flat = synth_all(d, rd.rtl_dir, flat_timing, flat_timeout_s, family=model.synth_family,
                             log=lambda m: log(f"        {m}"))
        out["yosys"] = ys
        out["seconds"]["yosys"] = round(time.perf_counter() - t1, 1)  # instances and flattened top together
        out["timing"] = _timing(ys, flat, model, clock)
        finn = {row["name"]: row for row in rep.get("layers", [])}
        for name, r in ys["layers"].items():
            f = finn.get(name, {})
            for key in ("LUT", "BRAM36"):
                fv = f.get(key)
                r[f"FINN_{key}"] = fv
                r[f"ratio_{key}"] = (r[key] / fv) if fv else None
        tot = rep.get("totals", {})
        out["yosys_vs_finn"] = {
            k: {
                "yosys": ys["total"][k],
                "finn": tot.get(k),
                "ratio": ys["total"][k] / tot[k] if tot.get(k) else None,
            }
            for k in ("LUT", "BRAM36")
        }
    if vcd:
        from pcnn_hw.rtl.vcd import write_vcd

        out["vcd"] = str(write_vcd(rd.build_dir).relative_to(rd.build_dir))
    out["seconds"]["total"] = round(time.perf_counter() - t0, 1)
    rd.sim_dir.mkdir(parents=True, exist_ok=True)
    (rd.sim_dir / "rtl_report.json").write_text(json.dumps(out, indent=2, sort_keys=True) + "\n")
    if rep:
        rep["rtl"] = {k: v for k, v in out.items() if k not in ("layers", "timing", "timeline")}
        _write_timing(rep, rd.build_dir, out.get("timing"))
        rep_path.write_text(json.dumps(rep, indent=2, sort_keys=True) + "\n")
    log(
        f"        RTL: {cpf:,.0f} cycles/frame (estimate {est:,}, x{cpf / est:.3f}), "
        f"{out['fps']:,.0f} FPS at "
        f"{clock:g} MHz, first-frame latency {res.first_latency:,} cycles, bit-exact on {frames} frames"
        + (
            f"; Yosys LUT {out['yosys']['total']['LUT']:,}, BRAM36 {out['yosys']['total']['BRAM36']:g}"
            if synth
            else ""
        )
    )
    if out.get("timing"):
        from pcnn_hw.rtl.timing_report import timing_line

        log(f"        {timing_line(out['timing'])}")  # the build step adds the warning (step.py)
    return out


def _delay_model(rep: dict) -> Any:
    """The delay model of the build's board part (report.json board.part; Pynq-Z2's part without one)."""
    from pcnn_hw.rtl.timing import model_for_part

    return model_for_part(rep.get("board", {}).get("part", "xc7z020clg400-1"))


def _timing(ys: dict, flat: tuple | str, model: Any, clock: float) -> dict:
    """report.json["timing"]: per-instance and flattened-top worst paths; ``flat`` is
    :func:`pcnn_hw.rtl.yosys.synth_all`'s flattened result or the note why there is none."""
    from pcnn_hw.rtl.timing_report import timing_report

    if isinstance(flat, str):
        return timing_report(ys, None, model, clock, flat)
    return timing_report(ys, flat[1][model.name], model, clock, None)


def _write_timing(rep: dict, build_dir: Path, timing: dict | None) -> None:
    """Put ``timing`` into report.json's dict, its warning into warnings, its table into report.md."""
    from pcnn_hw.core.buildreport import to_markdown
    from pcnn_hw.rtl.timing_report import timing_markdown, timing_warning

    rep.pop("timing", None)
    rep["warnings"] = [w for w in rep.get("warnings", []) if not w.startswith("timing estimate")]
    if timing is not None:
        rep["timing"] = timing
        warn = timing_warning(timing)
        if warn:
            rep["warnings"].append(warn)
    if "board" in rep:  # a compiler report.json: rewrite report.md with the warning and the timing table
        extra = "\n" + timing_markdown(timing) if timing is not None else ""
        (build_dir / "report.md").write_text(to_markdown(rep) + extra)


def rtl_summary(build_dir: str | Path) -> str | None:
    """'RTL: N cycles/frame, F FPS at C MHz' from report.json's rtl section, if the build has one."""
    p = Path(build_dir) / "report.json"
    if not p.is_file():
        return None
    r = json.loads(p.read_text()).get("rtl")
    if not r:
        return None
    line = (
        f"RTL (Verilator): {r['cycles_per_frame']:,.0f} cycles/frame "
        f"(estimate {r['estimate_cycles_per_frame']:,}),"
        f" {r['fps']:,.0f} FPS at {r['clock_mhz']:g} MHz"
    )
    t = json.loads(p.read_text()).get("timing")
    if t:
        from pcnn_hw.rtl.timing_report import timing_line

        line += "\n" + timing_line(t)
    return line
