"""Differential fuzzer: random Brevitas networks through build and every fidelity level.

For each seed: a random network (`pcnn_hw.compile.randnets`: topology, widths, kernel sizes, pooling,
input quantizer signed/unsigned 2..8-bit with constant / learned / statistics scale, randomised BN,
1- or 2-bit activations) is exported raw with `brevitas.export.export_qonnx`, built for a random
board with a random folding (auto, max, a target FPS, or random PE/SIMD divisors through a
folding-config file and `--from-step folding`), and random images (plus all-0 / all-255) go through
the ladder `pcnn-hw verify` runs: PyTorch, QONNX, FINN graph, bit-exact sim, C-sim (g++) and RTL
(Verilator, Yosys skipped: `run_rtl(synth=False)`) for a share of the seeds, simulated board.
`--kind residual`: random binary residual nets (`randnets.random_residual`).

Outcome per seed: ``pass``; ``mismatch`` (a level disagrees: which, and the ladder's detail);
``unsupported`` (a typed `PcnnHwError` saying what is not supported); ``crash`` (any other exception,
and a level that failed to run — `SimulationError`, `VerificationError`, e.g. an RTL deadlock: a bug);
``timeout``. Results: benchmarks/results/fuzz.md and fuzz.json (seed, topology, outcome, where,
seconds), rewritten after every seed so an interrupted run keeps what it did.

    nice -n 10 timeout 3h .venv/bin/python benchmarks/fuzz.py --count 200 --csim-share 0.25 --rtl-share 0.1
    .venv/bin/python benchmarks/fuzz.py --seeds 17 42 --rtl-share 1     # re-run given seeds
"""

from __future__ import annotations

import argparse
import io
import json
import random
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
BOARDS = ("pynq-z2", "pynq-z1", "ultra96-v2", "zcu104", "kv260")
FOLDINGS = ("auto", "max", "fps", "random", "random")
OUTCOMES = ("pass", "mismatch", "unsupported", "crash", "timeout")
# seeds that failed once (or are of a class that did): each is re-run by tests/benchmarks/test_fuzz.py
REGRESSIONS = ROOT / "benchmarks" / "fuzz_regressions.json"


class CaseTimeout(Exception):
    """The per-seed wall-clock limit was reached."""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options of the fuzzer."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--count", type=int, default=20, help="number of seeds from --start (default 20)")
    p.add_argument("--start", type=int, default=0, help="first seed (default 0)")
    p.add_argument("--seeds", type=int, nargs="+", default=None, help="explicit seeds instead")
    p.add_argument("--kind", default="chain", help="topology generator (randnets.GENERATORS)")
    p.add_argument("--images", type=int, default=8, help="random images per network (+2 constant ones)")
    p.add_argument("--csim-share", type=float, default=0.25, help="fraction of seeds with the C-sim level")
    p.add_argument("--rtl-share", type=float, default=0.1, help="fraction of seeds with the RTL level")
    p.add_argument("--case-timeout", type=float, default=900.0, help="seconds per seed (default 900)")
    p.add_argument("--work", type=Path, default=ROOT / "build" / "bench" / "fuzz")
    p.add_argument("--results", type=Path, default=ROOT / "benchmarks" / "results" / "fuzz")
    p.add_argument("--keep", action="store_true", help="keep every build directory (default: failures only)")
    p.add_argument("--append", action="store_true",
                   help="keep the rows of earlier runs in --results (a re-run seed replaces its row)")
    return p.parse_args(argv)


def case_options(seed: int, csim_share: float, rtl_share: float) -> dict[str, Any]:
    """Board, folding and levels of ``seed`` (drawn from the seed, independently of the network)."""
    rng = random.Random(10_007 * seed + 1)
    return {
        "board": rng.choice(BOARDS),
        "folding": rng.choice(FOLDINGS),
        "target_fps": rng.choice([1_000, 20_000, 200_000]),
        "csim": rng.random() < csim_share,
        "rtl": rng.random() < rtl_share,
    }


def random_folding(folded: Any, seed: int) -> dict:
    """A random valid folding of a built graph (random PE/SIMD divisors, window/pool coupled), FINN format.

    Uses the folding optimizer's own candidate lists (every setting it would consider is legal).
    """
    from pcnn_hw.compile import folding

    rng = random.Random(seed)
    cfg: dict = {"Defaults": {}}
    for unit in folding._units(folded):  # noqa: SLF001 - the optimizer's units are what we need
        for name, attrs in rng.choice(folding._candidate_settings(unit)).items():  # noqa: SLF001
            cfg.setdefault(name, {}).update(attrs)
    return cfg


def images(in_shape: tuple[int, ...], n: int, seed: int) -> np.ndarray:
    """n random images on the 8-bit grid k/255, then an all-0 and an all-1 image (NCHW float32)."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, size=(n, *in_shape)) / 255.0
    return np.concatenate([x, np.zeros((1, *in_shape)), np.ones((1, *in_shape))]).astype(np.float32)


def build_case(spec: Any, opts: dict, work: Path) -> tuple[Any, Path, Path]:
    """Export and build one network as ``opts`` say; (torch model, onnx path, build dir)."""
    from pcnn_hw.compile import randnets
    from pcnn_hw.compile.build import build

    model, onnx = randnets.export(spec, work / "model.onnx")
    out, log = work / "build", io.StringIO()
    if opts["folding"] == "fps":
        build(onnx, out, opts["board"], folding=None, target_fps=opts["target_fps"], stream=log)
    else:
        build(onnx, out, opts["board"], folding="max" if opts["folding"] == "max" else "auto", stream=log)
    if opts["folding"] == "random":
        from qonnx.core.modelwrapper import ModelWrapper

        cfg = random_folding(ModelWrapper(str(out / "folded.onnx")), spec.seed)
        path = work / "random_folding.json"
        path.write_text(json.dumps(cfg, indent=1) + "\n")
        build(onnx, out, opts["board"], folding=path, from_step="folding", stream=log)
    return model, onnx, out


def ladder_levels(model: Any, onnx: Path, build_dir: Path, opts: dict) -> list:
    """The levels `pcnn-hw verify` runs, C-sim and RTL as ``opts`` say (RTL built here, no Yosys)."""
    from qonnx.core.modelwrapper import ModelWrapper

    from pcnn_hw.board.level import board_level
    from pcnn_hw.verify.ladder import finn_level, qonnx_level, sim_level, torch_level

    folded = ModelWrapper(str(build_dir / "folded.onnx"))
    levels = [torch_level(model), qonnx_level(onnx), finn_level(folded)]
    levels.append(sim_level(folded, build_dir=build_dir))
    if opts["csim"]:
        from pcnn_hw.hls.csim import csim_level

        levels.append(csim_level(build_dir))
    if opts["rtl"]:
        from pcnn_hw.rtl.flow import run_rtl
        from pcnn_hw.rtl.level import rtl_level

        run_rtl(build_dir, frames=2, synth=False, stream=io.StringIO())
        levels.append(rtl_level(build_dir))
    levels.append(board_level(build_dir, None))  # chains and residual graphs (the board spec is the graph's)
    return levels


def run_case(seed: int, work: Path, opts: dict, n_images: int = 8, kind: str = "chain") -> dict:
    """Fuzz one seed; the result row (never raises except KeyboardInterrupt)."""
    from pcnn_hw.compile import randnets
    from pcnn_hw.errors import PcnnHwError, SimulationError, VerificationError
    from pcnn_hw.verify.ladder import run_ladder

    spec = randnets.random_spec(seed, kind)
    row: dict[str, Any] = {"seed": seed, "topology": spec.describe(), **opts, "spec": spec.to_json()}
    t0, stage = time.perf_counter(), "build"
    try:
        model, onnx, build_dir = build_case(spec, opts, work)
        stage = "ladder"
        levels = ladder_levels(model, onnx, build_dir, opts)
        results = run_ladder(levels, images(spec.in_shape, n_images, seed), None)
        row["levels"] = [r.name for r in results]
        bad = [r for r in results if r.mismatches]
        row["ties"] = sum(len(r.ties) for r in results)
        if bad:
            row.update(outcome="mismatch", where=f"{bad[0].name}: {bad[0].detail}")
        else:
            row.update(outcome="pass", where="")
    except CaseTimeout:
        row.update(outcome="timeout", where=stage)
    except (SimulationError, VerificationError) as exc:  # a level failed to run: a bug, not a limit
        row.update(outcome="crash", where=f"{stage}: {type(exc).__name__}: {exc}")
    except PcnnHwError as exc:
        row.update(outcome="unsupported", where=f"{stage}: {type(exc).__name__}: {exc}")
    except Exception as exc:  # noqa: BLE001 - a fuzzer records every failure
        tb = traceback.extract_tb(exc.__traceback__)[-1]
        row.update(outcome="crash", where=f"{stage}: {type(exc).__name__}: {exc} "
                   f"({Path(tb.filename).name}:{tb.lineno})")  # fmt: skip
    row["seconds"] = round(time.perf_counter() - t0, 1)
    return row


def write_results(rows: list[dict], results: Path, args: dict) -> None:
    """fuzz.json (every row) and fuzz.md (summary and table)."""
    results.parent.mkdir(parents=True, exist_ok=True)
    counts = {k: sum(r["outcome"] == k for r in rows) for k in OUTCOMES}
    payload = {"args": args, "counts": counts, "rows": rows}
    Path(f"{results}.json").write_text(json.dumps(payload, indent=1) + "\n")
    n_csim = sum(r["csim"] for r in rows if r["outcome"] == "pass")
    n_rtl = sum(r["rtl"] for r in rows if r["outcome"] == "pass")
    lines = [
        "# Differential fuzzer: random Brevitas networks through every level",
        "",
        " + ".join(f"`benchmarks/fuzz.py {a}`" for a in args.get("runs", [args["argv"]]))
        + f": {len(rows)} networks; "
        + ", ".join(f"{v} {k}" for k, v in counts.items())
        + f". Of the passing ones, {n_csim} also ran the C-sim level and {n_rtl} the RTL level "
        "(Verilator, Yosys skipped). Every network: PyTorch, QONNX (the raw export), FINN graph, "
        "bit-exact sim, simulated board, on random images plus an all-0 and an all-255 image.",
        "",
        "| seed | topology | board | folding | levels | outcome | where | s |",
        "|---:|---|---|---|---|---|---|---:|",
    ]
    for r in rows:
        lv = "+".join(x for x, on in (("csim", r["csim"]), ("rtl", r["rtl"])) if on) or "-"
        fold = f"fps {r['target_fps']}" if r["folding"] == "fps" else r["folding"]
        where = r["where"].replace("|", "/")[:160]
        lines.append(f"| {r['seed']} | {r['topology']} | {r['board']} | {fold} | {lv} | {r['outcome']} | "
                     f"{where} | {r['seconds']} |")  # fmt: skip
    Path(f"{results}.md").write_text("\n".join(lines) + "\n")


def record_regression(row: dict, path: Path = REGRESSIONS) -> bool:
    """Add a failing seed (mismatch, crash, timeout) to the regression list; True if it was new.

    The list is what the slow test re-runs: a fixed bug keeps its seed there, so it stays fixed.
    """
    entries = json.loads(path.read_text()) if path.is_file() else []
    if any(e["seed"] == row["seed"] and e["kind"] == row.get("kind", "chain") for e in entries):
        return False
    opts = {k: row[k] for k in ("board", "folding", "target_fps", "csim", "rtl")}
    entries.append({"seed": row["seed"], "kind": row.get("kind", "chain"), "options": opts,
                    "found": f"{row['outcome']}: {row['where'][:300]}", "topology": row["topology"]})
    path.write_text(json.dumps(sorted(entries, key=lambda e: (e["kind"], e["seed"])), indent=1) + "\n")
    return True


def _prior_rows(results: Path, seeds: set[int], meta: dict) -> list[dict]:
    """Rows of an earlier fuzz.json not re-run now; records that run's command line(s) in ``meta["runs"]``."""
    path = Path(f"{results}.json")
    if not path.is_file():
        meta["runs"] = [meta["argv"]]
        return []
    old = json.loads(path.read_text())
    meta["runs"] = [*old["args"].get("runs", [old["args"]["argv"]]), meta["argv"]]
    return [r for r in old["rows"] if r["seed"] not in seeds]


def main(argv: list[str] | None = None) -> int:
    """Fuzz the seeds; exit 1 if any mismatch, crash or timeout."""
    import shutil

    args = parse_args(argv)
    seeds = args.seeds if args.seeds is not None else list(range(args.start, args.start + args.count))
    meta = {"argv": " ".join(argv if argv is not None else sys.argv[1:]), "kind": args.kind}
    prior = _prior_rows(args.results, set(seeds), meta) if args.append else []

    def on_alarm(signum: int, frame: Any) -> None:
        raise CaseTimeout()

    signal.signal(signal.SIGALRM, on_alarm)
    rows: list[dict] = []
    for seed in seeds:
        work = args.work / f"seed{seed}"
        shutil.rmtree(work, ignore_errors=True)  # our own scratch directory of this seed
        opts = case_options(seed, args.csim_share, args.rtl_share)
        signal.alarm(int(args.case_timeout))
        try:
            row = run_case(seed, work, opts, args.images, args.kind)
        finally:
            signal.alarm(0)
        rows.append(row)
        print(f"seed {seed:5d} {row['outcome']:<11} {row['seconds']:7.1f} s  {row['topology']}  "
              f"{row['where'][:200]}", flush=True)
        failed = row["outcome"] in ("mismatch", "crash", "timeout")
        if failed and record_regression({**row, "kind": args.kind}):
            print(f"seed {seed}: added to {REGRESSIONS.relative_to(ROOT)} (re-run by the slow fuzz test)")
        if row["outcome"] in ("pass", "unsupported") and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        write_results(sorted(prior + rows, key=lambda r: r["seed"]), args.results, meta)
    return int(any(r["outcome"] in ("mismatch", "crash", "timeout") for r in rows))


if __name__ == "__main__":
    sys.exit(main())
