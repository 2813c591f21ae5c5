"""Fit our resource model (pcnn_hw/resources) to Yosys synth_xilinx runs, and measure it on real builds.

One command re-creates everything after an RTL change (the Yosys cache answers unchanged instances):

    XDG_CACHE_HOME=/work/cache nice -n 15 .venv/bin/python benchmarks/resource_fit.py

Resumable: every finished Yosys run is stored at once (run tables below, each row tagged with the hash of
exactly its kind's RTL files, :func:`pcnn_hw.resources.stale.kind_sha256`, and the Yosys cache keyed by the
instance's sources); an interrupted refit re-run skips what is done, a run from other RTL of its kind is
redone, the fit uses only rows of the current RTL of their kind (a kind without any keeps its old
coefficients in fit.json, reported stale). ``--max-cost N`` keeps the grid to small configurations (a
reduced refit on a loaded machine; ``--jobs 1`` runs one Yosys at a time); ``--models`` picks the held-out
designs.

Stages (``--stage``, default all in order):
  grid     synthesize the calibration grid (benchmarks/resource_grid.py) -> results/resource_fit_runs.json
  heldout  compile tfc / sfc / mini-cnv / resnet-mini (/ cnv with --cnv; random weights) and synthesize
           every instance of their stitched designs -> results/resource_heldout_runs.json
  fit      least-squares fit per kind -> pcnn_hw/resources/fit.json (with the Yosys version), then the
           per-kind fit error and the held-out per-layer / total error -> results/resource_fit.md
  fold     our folding optimizer (pcnn_hw/compile/fold_opt.py) vs the FINN-estimate folding on mini-cnv
           and cnv -> results/fold_opt.md
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
RESULTS = ROOT / "benchmarks" / "results"
RUNS = RESULTS / "resource_fit_runs.json"
HELDOUT = RESULTS / "resource_heldout_runs.json"
HELDOUT_MODELS = ("mini-cnv", "tfc", "sfc", "resnet-mini")


def yosys_version() -> str:
    """``yosys -V`` of the tool the RTL flow uses."""
    from pcnn_hw.rtl.tools import find_yosys

    t = find_yosys()
    out = subprocess.run([*t.argv, "-V"], env=t.environ(), capture_output=True, text=True, timeout=900)
    return out.stdout.strip()


def row_tag(inst: object) -> str:
    """The RTL hash a run of ``inst`` is tagged with: that of its model kind's files."""
    from pcnn_hw.resources.features import kind_of
    from pcnn_hw.resources.stale import kind_sha256

    return kind_sha256(kind_of(inst.module, dict(inst.params)))  # type: ignore[attr-defined]


def row_of(label: str, inst: object, res: object, seconds: float) -> dict:
    """One stored run: what the model sees (module, params, ROM shapes), what Yosys counted (None: it
    failed or timed out) and the hash of its kind's RTL files it ran on."""
    return {
        "label": label,
        "kind_rtl_sha256": row_tag(inst),
        "module": inst.module,  # type: ignore[attr-defined]
        "params": dict(inst.params),  # type: ignore[attr-defined]
        "roms": [{"width": r.width, "depth": r.depth, "style": r.style} for r in inst.roms],  # type: ignore[attr-defined]
        "yosys": res.to_dict() if res is not None else None,  # type: ignore[attr-defined]
        "seconds": round(seconds, 1),
    }


def synth_all(items: list[tuple[str, object, object]], out: Path, jobs: int, timeout_s: float,
              retry: bool = False) -> list[dict]:
    """Synthesize (label, instance, design) items (cached), writing ``out`` after every finished run.
    Items already in ``out`` on the current RTL are skipped (failed / timed-out ones too unless ``retry``)."""
    from pcnn_hw.errors import SimulationError
    from pcnn_hw.rtl.yosys import synth_instance

    old = {r["label"]: r for r in json.loads(out.read_text())["runs"]} if out.is_file() else {}
    tags = {it[0]: row_tag(it[1]) for it in items}
    done = {k for k, r in old.items() if k in tags and r.get("kind_rtl_sha256") == tags[k]
            and (r["yosys"] is not None or not retry)}
    todo = [it for it in items if it[0] not in done]
    print(f"  {len(items) - len(todo)} of {len(items)} already done on their kind's current RTL", flush=True)
    rows: dict[str, dict] = {k: old[k] for k in done if k in {it[0] for it in items}}
    items = todo

    def one(item: tuple[str, object, object]) -> dict:
        label, inst, d = item
        t0 = time.perf_counter()
        try:
            res, _hit = synth_instance(inst, d, ROOT, timeout_s=timeout_s)  # type: ignore[arg-type]
        except SimulationError as exc:
            print(f"  {label}: {str(exc).splitlines()[0]}", flush=True)
            res = None
        r = row_of(label, inst, res, time.perf_counter() - t0)
        print(f"  {label}: {r['yosys'] and r['yosys']['LUT']} LUT  {r['seconds']} s", flush=True)
        return r

    with ThreadPoolExecutor(max_workers=jobs) as ex:
        for r in ex.map(one, items):
            rows[r["label"]] = r
            merged = {**old, **rows}
            out.write_text(json.dumps({"runs": [merged[k] for k in sorted(merged)]}, indent=1) + "\n")
    return list(rows.values())


def _cost(c: object) -> int:
    """Rough synthesis effort of a grid point."""
    return _inst_cost(c.inst)  # type: ignore[attr-defined]


def _inst_cost(inst: object) -> int:
    """Rough synthesis effort of an instance (logic ROM bits and input lanes)."""
    roms = inst.roms  # type: ignore[attr-defined]
    return sum(r.width * r.depth for r in roms if r.style != "block") + inst.in_width * 4  # type: ignore[attr-defined]


def stage_grid(jobs: int, timeout_s: float, only: list[str] | None = None, max_cost: int | None = None,
               retry: bool = False) -> None:
    """Synthesize the calibration grid (or only the points whose label starts with one of ``only``, or
    whose rough cost is at most ``max_cost``)."""
    from resource_grid import grid

    cfgs = sorted(grid(), key=_cost)  # cheap runs first: a partial grid still covers every kind
    if only:
        cfgs = [c for c in cfgs if any(c.label.startswith(o) for o in only)]
    if max_cost is not None:
        cfgs = [c for c in cfgs if _cost(c) <= max_cost]
    print(f"grid: {len(cfgs)} configurations", flush=True)
    synth_all([(c.label, c.inst, c.design) for c in cfgs], RUNS, jobs, timeout_s, retry)


def build_model_dir(name: str, work: Path, resource_model: str = "finn") -> Path:
    """Export ``name`` (random weights) and compile it for pynq-z2; returns the build directory. The
    held-out designs keep the folding on FINN's estimates (the same designs across refits, and smaller
    than our optimizer's 85 % foldings, which WebAssembly Yosys could not afford per refit)."""
    import torch

    from pcnn_hw.compile.build import build
    from pcnn_hw.export import export_model
    from pcnn_hw.models import build_model, randomize_batchnorm
    from pcnn_hw.quant import QuantConfig

    shape = (3, 32, 32) if name == "cnv" else (1, 28, 28)
    torch.manual_seed(0)
    model = randomize_batchnorm(build_model(name, QuantConfig(kind="sign"), in_shape=shape), 0).eval()
    export_model(model, shape, work / f"{name}.onnx", torch.rand(4, *shape))
    return build(work / f"{name}.onnx", work / name, "pynq-z2", stream=io.StringIO(), force=True,
                 resource_model=resource_model).out_dir


def stage_heldout(models: list[str], jobs: int, timeout_s: float, retry: bool = False,
                  skip_slow: bool = False, kinds: list[str] | None = None) -> None:
    """Compile the held-out models and synthesize every instance of their stitched designs (without the
    8-bit-input first MVAUs with ``skip_slow``; only the model kinds ``kinds`` when given)."""
    from pcnn_hw.resources.features import kind_of
    from pcnn_hw.rtl.flow import load_design

    work = ROOT / "build" / "bench" / "resource_fit"
    items = []
    for name in models:
        rd = load_design(build_model_dir(name, work))
        d = rd.stitch()
        keep = [i for i in d.instances if not (skip_slow and _known_slow(i))
                and (kinds is None or kind_of(i.module, dict(i.params)) in kinds)]
        items += [(f"{name}/{i.name}", i, d) for i in keep]
        skipped = [i.name for i in d.instances if i not in keep]
        print(f"heldout {name}: {len(keep)} instances (skipped: {skipped})", flush=True)
    # layers first (the per-layer goal), cheap ones first; FIFOs / width converters (the totals) after
    items.sort(key=lambda it: (it[1].kind != "layer", _inst_cost(it[1])))  # type: ignore[attr-defined]
    synth_all(items, HELDOUT, jobs, timeout_s, retry)


def _known_slow(inst: object) -> bool:
    """8-bit-input MVAUs with >= 256 lanes: WebAssembly Yosys needed > 15 min on them before the lean
    leaf sums (issue #12, item 4); ``--skip-slow`` leaves them out."""
    p = inst.params  # type: ignore[attr-defined]
    return inst.module == "pcnn_mvau" and int(p["IN_BITS"]) > 1 and int(p["PE"]) * int(p["SIMD"]) >= 256  # type: ignore[attr-defined]


def stage_fold(models: list[str]) -> None:
    """Our optimizer (fold_opt, our model) vs the build's folding (FINN's estimates) -> fold_opt.md."""
    from qonnx.core.modelwrapper import ModelWrapper

    from pcnn_hw.compile import fold_opt, folding
    from pcnn_hw.resources import estimate
    from pcnn_hw.resources.columns import rtl_bases

    work = ROOT / "build" / "bench" / "resource_fit"
    budget = folding.Budget(53_200 * 0.85, 140)
    out = ["# Folding on our resource model vs on FINN's estimates (pynq-z2, 85 % LUT, 100 % BRAM36)", "",
           "Both at 100 MHz; resources of both foldings by *our* model (pcnn_hw/resources), so this shows "
           "where FINN's estimates make the optimizer stop (not yet checked by Yosys on the new folding).",
           "", "| model | FINN-est. folding: cycles / FPS | its LUT / BRAM36 (our model) | our folding: "
           "cycles / FPS | its LUT / BRAM36 (our model) | optimizer time |", "|---|---|---|---|---|---|"]
    for name in models:
        if not (work / name / "folded.onnx").is_file():
            build_model_dir(name, work)
        m = ModelWrapper(str(work / name / "folded.onnx"))
        cyc0 = max(int(folding._inst(n).get_exp_cycles()) for n in m.graph.node)
        est0 = [estimate(r) for r in rtl_bases(m).values()]
        t0 = time.perf_counter()
        picks, fits = fold_opt.fold(m, "xc7z020clg400-1", budget)
        dt = time.perf_counter() - t0
        cyc = max(int(folding._inst(n).get_exp_cycles()) for n in m.graph.node)
        est = [estimate(r) for r in rtl_bases(m).values()]
        note = "" if fits else " (no fit)"
        out.append(f"| {name} | {cyc0:,} / {1e8 / cyc0:,.0f} | {sum(e.lut for e in est0):,.0f} / "
                   f"{sum(e.bram36 for e in est0):g} | {cyc:,} / {1e8 / cyc:,.0f}{note} | "
                   f"{sum(e.lut for e in est):,.0f} / {sum(e.bram36 for e in est):g} | {dt:.1f} s |")
        print(out[-1], flush=True)
    (RESULTS / "fold_opt.md").write_text("\n".join(out) + "\n")


def _cache_only() -> None:
    """Answer synth_instance from the Yosys cache only (`pcnn_hw.rtl.yosys.is_cached`); an uncached
    instance is reported missing and nothing is written (other runs may be in flight)."""
    import pcnn_hw.rtl.yosys as ys
    from pcnn_hw.errors import SimulationError

    orig = ys._run_cached

    def cached(what: str, files: dict[str, str], top: str, family: str, cache_dir: object,
               timeout_s: float, *rest: object) -> object:
        if not ys.is_cached(files, top, family, cache_dir):  # type: ignore[arg-type]
            raise SimulationError(f"{what}: not in the Yosys cache (--cache-only)")
        return orig(what, files, top, family, cache_dir, timeout_s, *rest)  # type: ignore[arg-type]

    ys._run_cached = cached  # type: ignore[assignment]


def main() -> None:
    """Run the stages."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stage", choices=["grid", "heldout", "fit", "fold", "all"], default="all")
    ap.add_argument("--cnv", action="store_true", help="also hold out cnv (slow)")
    ap.add_argument("--jobs", type=int, default=1, help="parallel Yosys runs (default 1)")
    ap.add_argument("--max-cost", type=int, default=None,
                    help="grid: only configurations of rough cost <= N (3000: drop the 7 largest)")
    ap.add_argument("--models", nargs="*", default=None,
                    help=f"heldout: designs to compile and synthesize (default {' '.join(HELDOUT_MODELS)})")
    ap.add_argument("--skip-slow", action="store_true",
                    help="heldout: leave out the 8-bit-input first MVAUs with >= 256 lanes")
    ap.add_argument("--kinds", nargs="*", default=None,
                    help="heldout: only instances of these model kinds (e.g. fifo dwc swg)")
    ap.add_argument("--retry", action="store_true", help="redo runs that failed or timed out")
    ap.add_argument("--only", nargs="*", default=None, help="grid: only labels starting with these")
    ap.add_argument("--timeout", type=float, default=900.0, help="per-instance Yosys timeout (s)")
    ap.add_argument("--cache-only", action="store_true",
                    help="grid/heldout: take what the Yosys cache holds, run nothing (merges the tables)")
    args = ap.parse_args()
    if args.cache_only:
        _cache_only()
    RESULTS.mkdir(parents=True, exist_ok=True)
    if args.stage in ("grid", "all"):
        stage_grid(args.jobs, args.timeout, args.only, args.max_cost, args.retry)
    if args.stage in ("heldout", "all"):
        models = args.models if args.models is not None else list(HELDOUT_MODELS)
        stage_heldout([*models, *(["cnv"] if args.cnv else [])], args.jobs, args.timeout, args.retry,
                      args.skip_slow, args.kinds)
    if args.stage in ("fit", "all"):
        from resource_report import fit_and_report

        fit_and_report(RUNS, HELDOUT, yosys_version())
    if args.stage in ("fold", "all"):
        stage_fold(["mini-cnv", "cnv"])


if __name__ == "__main__":
    main()
