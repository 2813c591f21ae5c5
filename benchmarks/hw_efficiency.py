"""Hardware efficiency of our folding on our resource model (issue #12, deliverable 5).

    XDG_CACHE_HOME=/work/cache nice -n 15 .venv/bin/python benchmarks/hw_efficiency.py \
        [--rtl-folding FILE [--yosys] [--reuse]]

For the Brevitas BNN-PYNQ topologies cnv / sfc / lfc (1w1a, random weights) on pynq-z2 and kv260:
FPS at the board clock (FINN's cycle model, which our RTL meets: results/rtl_cnv.md), LUT / FF /
BRAM36 / DSP by our model (pcnn_hw/resources: the layers plus FIFOs and width converters at the
stitcher's default depths), FPS per LUT, against BNN-PYNQ's published CNV numbers and against FINN's
SetFolding at the same budget (the fastest SetFolding target whose result fits the budget by the
same model), the old auto folding on FINN's estimates and our optimizer without the weight-memory
style choice. Pareto plot FPS vs LUT for cnv on pynq-z2: our optimizer at LUT budgets 25-85 % beside
every SetFolding point.

``--rtl-folding FILE`` builds cnv on pynq-z2 at that folding with the RTL backend: Verilator FPS
(bit-exact run) and, with ``--yosys``, the per-instance Yosys sum and timing walk, beside our model's
numbers of the same instances (benchmarks/hw_efficiency_rtl.py). Writes results/hw_efficiency.{md,json,png}.
"""

from __future__ import annotations

import argparse
import io
import math
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "benchmarks" / "results"
WORK = ROOT / "build" / "bench" / "hw_efficiency"
MODELS = {"cnv": "cnv_1w1a", "sfc": "sfc_1w1a", "lfc": "lfc_1w1a"}
BOARDS = ("pynq-z2", "kv260")
LUT_FRAC, BRAM_FRAC = 0.85, 0.90
PARETO = tuple(round(0.25 + 0.05 * k, 2) for k in range(13))  # 25 % .. 85 %
LADDER = tuple(2 ** k for k in range(6, 20))  # SetFolding target cycles
# Published: BNN-PYNQ CNV-W1A1 on Pynq-Z1 (xc7z020), Vivado 2018.2, timing met (issue #12 text)
BNN_PYNQ = {"cnv": {"fps": 9150, "lut": 26072, "bram36": 124, "where": "Pynq-Z1 (xc7z020), 100 MHz"}}
GOAL = {"fps": 12000, "fps_per_lut": 0.45, "lut": LUT_FRAC, "bram": BRAM_FRAC}


def specialized(name: str, board: str) -> Path:
    """The graph before folding of BNN-PYNQ ``name`` for ``board`` (built once, reused)."""
    from pcnn_hw.compile.build import build, step_path
    from pcnn_hw.compile.steps import DEFAULT_STEPS
    from pcnn_hw.compile.testmodels import export_bnn_pynq

    out = WORK / f"{name}-{board}"
    upto = DEFAULT_STEPS[: [s.name for s in DEFAULT_STEPS].index("folding")]
    path = step_path(out, "specialize_layers", upto)
    if not path.is_file():
        onnx = export_bnn_pynq(MODELS[name], WORK / f"{name}.onnx")
        build(onnx, out, board, steps=upto, stream=io.StringIO(), force=True)
    return path


def cycles(model: Any) -> int:
    """Bottleneck cycles (FINN's get_exp_cycles)."""
    from pcnn_hw.compile.folding import _inst

    return max(int(_inst(n).get_exp_cycles()) for n in model.graph.node)


def layer_totals(model: Any, part: str) -> Any:
    """Our model's resources of the folded layers (FINN's estimate for a node without RTL of ours)."""
    from pcnn_hw.compile import fold_opt, folding
    from pcnn_hw.resources import Resources, estimate_parts
    from pcnn_hw.resources.columns import rtl_bases

    bases, tot = rtl_bases(model), Resources()
    for node in model.graph.node:
        shape = fold_opt.shape_at(bases[node.name], node) if node.name in bases else None
        if shape is None:
            est = folding.node_estimate(node, part)
            tot = tot + Resources(est["LUT"], 0.0, int(est["BRAM_18K"]), 0, est["DSP"])
        else:
            tot = tot + estimate_parts(*shape)
    return tot


def design_totals(model: Any) -> Any:
    """Our model's resources of the stitched design (layers, FIFOs at depth 2, width converters); the
    layers as the optimizer costs them (fold_opt.shape_at: an MVAU's ram_style overrides the depth rule)."""
    from pcnn_hw.compile import fold_eval, fold_opt
    from pcnn_hw.core.streams import fmt_of_datatype
    from pcnn_hw.resources import Resources, estimate, estimate_parts
    from pcnn_hw.rtl.spec import rtl_layers
    from pcnn_hw.rtl.stitch import stitch
    from pcnn_hw.sim.executor import Simulator

    sim = Simulator(model.model)
    rl = rtl_layers(sim.layers, fmt_of_datatype(sim.input_dtype), rom_maker=fold_eval.shape_rom)
    by = {r.name: r for r in rl}
    shape = model.get_tensor_shape(model.graph.input[0].name)
    tot = Resources()
    for inst in stitch(rl, math.prod(shape[1:])).instances:
        s = fold_opt.shape_at(by[inst.name], model.get_node_from_name(inst.name)) if inst.name in by else None
        tot = tot + (estimate_parts(*s) if s is not None else estimate(inst))
    return tot


def _load(path: Path) -> Any:
    from pcnn_hw.compile.build import load_model

    return load_model(path, check=False)


def ours(path: Path, board: Any, lut_frac: float, bram_frac: float, style: bool = True,
         cache: Any = None) -> tuple[Any, float]:
    """Our optimizer on our model at the budget, fmax >= 1.25 x the board clock, DWCs charged
    (``style``: weight-memory style as a decision variable, the default; ``cache``: an EvalCache shared
    by runs on the same graph, default a fresh one = a cold run): (folded model, seconds)."""
    from pcnn_hw.compile import fold_opt

    m = _load(path)
    t0 = time.perf_counter()
    lim = fold_opt.Limits(board.lut * lut_frac, board.bram36 * bram_frac, board.dsp,
                          fold_opt.FMAX_MARGIN * board.clock_mhz)
    picks, _ = fold_opt.fold(m, board.part, lim, style_choice=style, cache=cache)
    m.fmax_mhz = min(getattr(o, "fmax", math.inf) for o in picks)
    return m, time.perf_counter() - t0


def setfolding_points(path: Path, board: Any) -> list[dict]:
    """FINN's SetFolding at every ladder target: cycles, our model's design LUT / BRAM36, FINN's LUT."""
    from finn.transformation.fpgadataflow.set_folding import SetFolding

    from pcnn_hw.compile import folding

    out = []
    for target in LADDER:
        m = _load(path).transform(SetFolding(target, mvau_wwidth_max=36, two_pass_relaxation=True))
        r = design_totals(m)
        out.append({"target": target, "cycles": cycles(m), "lut": r.lut, "bram36": r.bram36,
                    "finn_lut": folding.totals(m, board.part)["LUT"]})
    return out


def finn_auto(path: Path, board: Any, ctx_dir: Path) -> Any:
    """The old auto folding (FINN's estimates) at the same budget."""
    from pcnn_hw.compile import folding
    from pcnn_hw.compile.context import BuildContext, FoldingSpec

    spec = FoldingSpec("auto", lut_fraction=LUT_FRAC, bram_fraction=BRAM_FRAC, resource_model="finn")
    ctx_dir.mkdir(parents=True, exist_ok=True)
    ctx = BuildContext(board, board.clock_mhz, spec, ctx_dir, stream=io.StringIO())
    return folding.apply_folding(_load(path), ctx)


def measure(name: str, board_name: str) -> dict:
    """Every number of one (model, board) row."""
    from pcnn_hw.core.boards import get_board

    b = get_board(board_name)
    path = specialized(name, board_name)
    hz = b.clock_mhz * 1e6
    m, secs = ours(path, b, LUT_FRAC, BRAM_FRAC)
    lay, des = layer_totals(m, b.part), design_totals(m)
    row = {"model": name, "board": board_name, "clock_mhz": b.clock_mhz, "cycles": cycles(m),
           "fps": hz / cycles(m), "opt_seconds": round(secs, 2), "layers_lut": lay.lut,
           "lut": des.lut, "ff": des.ff, "bram36": des.bram36, "dsp": des.dsp,
           "lut_frac": des.lut / b.lut, "bram_frac": des.bram36 / b.bram36, "fmax_mhz": m.fmax_mhz}
    row["fps_per_lut"] = row["fps"] / max(row["lut"], 1)
    row["load"] = round(__import__("os").getloadavg()[0], 1)
    sf = setfolding_points(path, b)
    fit = [p for p in sf if p["lut"] <= b.lut * LUT_FRAC and p["bram36"] <= b.bram36 * BRAM_FRAC]
    best = min(fit, key=lambda p: p["cycles"]) if fit else None
    row["setfolding"] = sf
    row["setfolding_best"] = best and {**best, "fps": hz / best["cycles"]}
    ms, secs_s = ours(path, b, LUT_FRAC, BRAM_FRAC, style=False)
    ds = design_totals(ms)
    row["depth_rule"] = {"cycles": cycles(ms), "fps": hz / cycles(ms), "lut": ds.lut, "bram36": ds.bram36,
                           "opt_seconds": round(secs_s, 2)}
    fa = finn_auto(path, b, WORK / "ctx")
    fr = design_totals(fa)
    row["finn_auto"] = {"cycles": cycles(fa), "fps": hz / cycles(fa), "lut": fr.lut, "bram36": fr.bram36}
    return row


def rtl_folding_file(cfg: Path | None, name: str, board: str) -> Path:
    """``cfg``, or for ``auto`` our optimizer's folding of ``name`` on ``board`` at the main table's budget
    (LUT_FRAC / BRAM_FRAC), written to results/hw_efficiency_<name>_<board>_folding.json."""
    if str(cfg) != "auto":
        return cfg
    import json

    from pcnn_hw.compile import folding
    from pcnn_hw.core.boards import get_board

    m, _ = ours(specialized(name, board), get_board(board), LUT_FRAC, BRAM_FRAC)
    out = RESULTS / f"hw_efficiency_{name}_{board}_folding.json"
    out.write_text(json.dumps(folding.folding_config(m), indent=2, sort_keys=True) + "\n")
    return out


def rtl_measure(cfg: Path, yosys: bool, reuse: bool, flat: bool = False, name: str = "cnv",
                board: str = "pynq-z2") -> dict:
    """--rtl-folding: ``name`` on ``board`` at the folding file ``cfg`` (hw_efficiency_rtl.rtl_point)."""
    from hw_efficiency_rtl import rtl_point

    from pcnn_hw.compile import folding
    from pcnn_hw.core.boards import get_board

    b = get_board(board)
    cfg = rtl_folding_file(cfg, name, board)
    m = folding.apply_config_file(_load(specialized(name, board)), cfg)
    return {"model": name, "board": board, "clock_mhz": b.clock_mhz, "board_lut": b.lut,
            "board_bram36": b.bram36,
            **rtl_point(WORK, name, b, m, cfg, cycles(m), yosys, reuse, flat)}


def pareto_cnv() -> list[dict]:
    """Our optimizer on cnv / pynq-z2 at LUT budgets 25-85 % (BRAM 90 %), one evaluation cache per
    style setting (the first budget's run is cold, the others re-use its node evaluations)."""
    from pcnn_hw.compile.fold_eval import EvalCache
    from pcnn_hw.core.boards import get_board

    b = get_board("pynq-z2")
    path = specialized("cnv", "pynq-z2")
    out = []
    for style in (True, False):
        cache = EvalCache()
        for frac in PARETO:
            m, secs = ours(path, b, frac, BRAM_FRAC, style, cache)
            r = design_totals(m)
            out.append({"budget": frac, "style_choice": style, "cycles": cycles(m),
                        "fps": b.clock_mhz * 1e6 / cycles(m), "lut": r.lut, "bram36": r.bram36,
                        "seconds": round(secs, 2)})
            print(f"pareto {frac:.0%} style={style}: {out[-1]['fps']:,.0f} FPS {r.lut:,.0f} LUT "
                  f"({secs:.1f} s)", flush=True)
    return out


def warm_up() -> None:
    """Import FINN's custom ops (qonnx discovers them on the first wrapper, ~10 s of imports) before any
    optimizer run is timed; makes no wrapper the optimizer would re-use."""
    from qonnx.custom_op.registry import getCustomOp

    for node in _load(specialized("sfc", "pynq-z2")).graph.node:
        getCustomOp(node)


def main() -> None:
    """Measure, then write the results."""
    from hw_efficiency_report import write_all

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rtl-folding", type=Path, help="also build --rtl-model on --rtl-board at this folding "
                    "file ('auto': our optimizer's at the main table's budget) with the RTL backend "
                    "(Verilator FPS)")
    ap.add_argument("--rtl-model", default="cnv", choices=list(MODELS), help="with --rtl-folding")
    ap.add_argument("--rtl-board", default="pynq-z2", choices=list(BOARDS), help="with --rtl-folding")
    ap.add_argument("--yosys", action="store_true", help="with --rtl-folding: per-instance Yosys too "
                    "(one job; slow: about an hour for cnv on the shared machine)")
    ap.add_argument("--reuse", action="store_true", help="with --rtl-folding: reuse the JSON of an "
                    "earlier Verilator / Yosys run of that folding")
    ap.add_argument("--flat", action="store_true", help="with --rtl-folding: one flattened Yosys "
                    "synthesis of the whole design too (totals, worst path; 30-40 min for cnv here)")
    ap.add_argument("--rtl-only", action="store_true", help="with --rtl-folding: only that folding, "
                    "written to results/hw_efficiency_rtl.{md,json}")
    ap.add_argument("--post-verilator", type=Path, help="with --rtl-folding: a Verilator JSON of the same "
                    "folding on later RTL (hw_efficiency_rtl.rtl_build's report fields), reported beside")
    ap.add_argument("--from-json", action="store_true", help="re-use the model rows and Pareto sweep of "
                    "results/hw_efficiency.json (re-report, e.g. with a new --rtl-folding measurement)")
    ap.add_argument("--models", nargs="*", default=list(MODELS))
    ap.add_argument("--boards", nargs="*", default=list(BOARDS))
    args = ap.parse_args()
    from pcnn_hw.compile import finn_compat

    WORK.mkdir(parents=True, exist_ok=True)
    finn_compat.prepare_finn(WORK / "finn")
    warm_up()
    if args.rtl_only and args.rtl_folding:
        from hw_efficiency_report import write_rtl

        rtl = rtl_measure(args.rtl_folding, args.yosys, args.reuse, args.flat, args.rtl_model,
                          args.rtl_board)
        if args.post_verilator:
            import json

            rtl["post_verilator"] = json.loads(args.post_verilator.read_text())
        write_rtl(rtl, RESULTS, BNN_PYNQ)
        return
    if args.from_json:
        import json

        old = json.loads((RESULTS / "hw_efficiency.json").read_text())
        rtl = rtl_measure(args.rtl_folding, args.yosys, args.reuse, args.flat) if args.rtl_folding else None
        write_all(old["rows"], old["pareto_cnv_pynq_z2"], RESULTS, BNN_PYNQ, GOAL, rtl)
        return
    rows = []
    for name in args.models:
        for board in args.boards:
            rows.append(measure(name, board))
            r = rows[-1]
            print(f"{name}/{board}: {r['fps']:,.0f} FPS, {r['lut']:,.0f} LUT, {r['bram36']:g} BRAM36, "
                  f"optimizer {r['opt_seconds']} s", flush=True)
    par = pareto_cnv() if "cnv" in args.models and "pynq-z2" in args.boards else []
    rtl = rtl_measure(args.rtl_folding, args.yosys, args.reuse, args.flat) if args.rtl_folding else None
    write_all(rows, par, RESULTS, BNN_PYNQ, GOAL, rtl)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "benchmarks"))
    main()
