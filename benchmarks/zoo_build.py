"""Wall time of ``pcnn-hw build --rtl`` on the Brevitas zoo (issue #12 item 4: <= 5 minutes on 2 cores).

Per model (tfc/sfc/lfc/cnv, 1w1a and 1w2a: Brevitas' BNN-PYNQ models, random init, never downloaded;
pynq-z2, auto folding) one ``pcnn-hw build model.onnx --rtl`` subprocess of this checkout with an empty
Yosys result cache (a fresh ``XDG_CACHE_HOME`` that only shares YoWASP's compiled WebAssembly). From the
log and sim/rtl_report.json: wall time, the phases (generate + FIFO sizing, Verilator, Yosys), every
real Yosys run's time and which MVAUs were synthesized as PE slices (pcnn_hw/rtl/yosys_slice.py).

``--compare MODEL:INSTANCE``: the slice error on one layer of a built model: the instance synthesized
whole and as slices (each cold, one Yosys at a time), LUT / FF / BRAM / worst path side by side.
``--flat MODEL``: the whole design of a built model synthesized flattened in one run (the total the
per-instance sums must match), within ``--flat-timeout``.

    .venv/bin/python benchmarks/zoo_build.py [--only MODEL]... [--compare MODEL:INSTANCE]...
        [--flat MODEL] [--flat-timeout S] [--timeout S]

Results merge into benchmarks/results/zoo_build.json (keyed by the RTL commit); zoo_build.md is
rewritten from it. The machine is shared: the 1-minute load average at the end of each run is kept.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
MODELS = ("tfc_1w1a", "tfc_1w2a", "sfc_1w1a", "lfc_1w1a", "cnv_1w1a")
DONE = re.compile(r"yosys: (\S+) \(\d+/\d+\)(?: as [^.]*)? done in (\d+) s")
FIELDS = ("LUT", "FF", "BRAM36")


def rtl_commit() -> str:
    """Short commit of the RTL sources (pcnn_hw/rtl) this checkout runs, '+dirty' when edited."""
    rev = subprocess.run(["git", "log", "-1", "--format=%h", "--", "pcnn_hw/rtl"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "pcnn_hw/rtl"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    return rev + ("+dirty" if dirty else "")


@contextmanager
def cold_cache():
    """A fresh XDG_CACHE_HOME whose pcnn-hw/YoWASP links to the shared compiled WebAssembly."""
    with tempfile.TemporaryDirectory(prefix="pcnn_zoo_") as tmp:
        cache = Path(tmp) / "pcnn-hw"
        cache.mkdir()
        shared = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pcnn-hw" / "YoWASP"
        if shared.is_dir():
            (cache / "YoWASP").symlink_to(shared)
        yield Path(tmp)


def work_dir(name: str) -> Path:
    """build/bench/zoo_<name> (model.onnx, b/ = the build, build.log)."""
    return ROOT / "build" / "bench" / f"zoo_{name}"


def run_build(name: str, timeout: float) -> dict:
    """One cold-cache ``build --rtl`` of zoo model ``name``; its row."""
    from pcnn_hw.compile.testmodels import export_bnn_pynq

    work = work_dir(name)
    work.mkdir(parents=True, exist_ok=True)
    export_bnn_pynq(name, work / "model.onnx")
    argv = [sys.executable, "-m", "pcnn_hw.cli", "build", str(work / "model.onnx"), "--board", "pynq-z2",
            "--folding", "auto", "--rtl", "--force", "-o", str(work / "b")]  # fmt: skip
    with cold_cache() as tmp:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_CACHE_HOME": str(tmp)}
        t0 = time.perf_counter()
        proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout,
                              check=False)  # fmt: skip
        wall = time.perf_counter() - t0
    log = proc.stdout + proc.stderr
    (work / "build.log").write_text(log)
    if proc.returncode != 0:
        raise SystemExit(f"{name}: build failed (exit {proc.returncode}); log {work / 'build.log'}")
    rr = json.loads((work / "b" / "sim" / "rtl_report.json").read_text())
    ys = rr["yosys"]
    return {
        "wall_s": round(wall, 1),
        "seconds": rr["seconds"],
        "yosys_runs_s": {m.group(1): int(m.group(2)) for m in DONE.finditer(log)},
        "sliced": {r["name"]: r["slice"] for r in ys["instances"] if "slice" in r},
        "missing": ys["missing"],
        "total": {f: ys["total"][f] for f in FIELDS},
        "fmax_mhz": rr.get("timing", {}).get("fmax_mhz"),
        "flattened_note": rr.get("timing", {}).get("flattened_note"),
        "unverified": rr.get("timing", {}).get("unverified"),
        "load": round(os.getloadavg()[0], 1),
    }


def _design(name: str):
    """The stitched design of model ``name``'s build (its sized FIFO depths)."""
    from pcnn_hw.rtl.flow import load_design

    b = work_dir(name) / "b"
    rd = load_design(b)
    rr = b / "sim" / "rtl_report.json"
    depths = json.loads(rr.read_text())["fifo_depths"] if rr.is_file() else [2] * len(rd.graph_edges())
    return rd.stitch(depths)


def _res(res) -> dict:
    return {"LUT": res.lut, "FF": res.ff, "BRAM36": res.bram36, "CARRY4": res.carry4}


def _path(timing: dict) -> dict:
    t = timing["xc7-1"]
    return {k: t[k] for k in ("lut_levels", "carry_cells", "ns", "fmax_mhz")}


def compare(name: str, inst_name: str, timeout: float) -> dict:
    """``inst_name`` of model ``name`` synthesized whole and as slices, each with a cold cache."""
    from pcnn_hw.rtl.yosys import synth_instance_sliced, synth_instance_timed
    from pcnn_hw.rtl.yosys_slice import SLICE_PES

    d = _design(name)
    inst = next(i for i in d.instances if i.name == inst_name)
    out: dict = {"params": {k: inst.params[k] for k in ("PE", "SIMD", "MW", "MH", "IN_BITS", "XNOR")}}
    with cold_cache() as tmp:
        t0 = time.perf_counter()
        res, timing, _, _ = synth_instance_sliced(inst, d, SLICE_PES, tmp / "pcnn-hw", timeout)
        out["sliced"] = {**_res(res), **_path(timing), "seconds": round(time.perf_counter() - t0, 1)}
    with cold_cache() as tmp:
        t0 = time.perf_counter()
        res, timing, _ = synth_instance_timed(inst, d, Path(tmp), tmp / "pcnn-hw", timeout)
        out["whole"] = {**_res(res), **_path(timing), "seconds": round(time.perf_counter() - t0, 1)}
    out["load"] = round(os.getloadavg()[0], 1)
    return out


def flat(name: str, timeout: float) -> dict:
    """Model ``name``'s whole design flattened in one cold run vs the sum of its build's instance rows."""
    from pcnn_hw.rtl.yosys import synth_flat

    d = _design(name)
    rows = json.loads((work_dir(name) / "b" / "sim" / "rtl_report.json").read_text())["yosys"]
    with cold_cache() as tmp:
        t0 = time.perf_counter()
        res, timing, _ = synth_flat(d, tmp / "pcnn-hw", timeout)
        secs = round(time.perf_counter() - t0, 1)
    return {"flattened": {**_res(res), **_path(timing), "seconds": secs},
            "instances_sum": {f: rows["total"][f] for f in FIELDS},
            "sliced": [r["name"] for r in rows["instances"] if "slice" in r],
            "load": round(os.getloadavg()[0], 1)}  # fmt: skip


def _pct(a: float, b: float) -> str:
    return f"{100.0 * (a - b) / b:+.1f} %" if b else "-"


def write_markdown(allr: dict) -> str:
    """zoo_build.md from every RTL commit's results (the notes text, then one section per commit)."""
    lines = [(RESULTS / "zoo_build_notes.md").read_text().rstrip(), ""]
    for rev, cur in sorted(allr.items()):
        lines += [f"## RTL {rev}", ""]
        if cur["builds"]:
            lines += ["| model | build --rtl wall s | size + sim s | Yosys s "
                      "| slowest Yosys run s "
                      "| sliced MVAUs | LUT / FF / BRAM36 (sum of instances) | est. fmax MHz "
                      "| missing | load |",
                      "|---|---:|---:|---:|---:|---|---|---:|---|---:|"]  # fmt: skip
            for m, b in cur["builds"].items():
                sec = b["seconds"]
                slow = max(b["yosys_runs_s"].items(), key=lambda kv: kv[1], default=("-", 0))
                t = b["total"]
                lines.append(
                    f"| {m} | {b['wall_s']:.0f} | {sec['generate_and_size'] + sec['simulate']:.0f} "
                    f"| {sec.get('yosys', 0):.0f} | {slow[1]} ({slow[0]}) | {', '.join(b['sliced']) or '-'} "
                    f"| {t['LUT']:,} / {t['FF']:,} / {t['BRAM36']:g} | {b['fmax_mhz']} "
                    f"| {', '.join(x['name'] for x in b['missing']) or '-'} | {b['load']} |"
                )
            lines.append("")
        if cur["compare"]:
            lines += ["Slice error on one layer (whole vs scaled from the 4-PE slice, each a cold run):", "",
                      "| layer | PE x SIMD | run | s | LUT | FF | BRAM36 | CARRY4 | LUT + carry levels "
                      "| est. MHz |",
                      "|---|---|---|---:|---:|---:|---:|---:|---|---:|"]  # fmt: skip
            for spec, c in cur["compare"].items():
                p = c["params"]
                for k in ("whole", "sliced"):
                    r = c[k]
                    err = "" if k == "whole" else f" ({_pct(r['LUT'], c['whole']['LUT'])})"
                    ferr = "" if k == "whole" else f" ({_pct(r['FF'], c['whole']['FF'])})"
                    lines.append(
                        f"| {spec} | {p['PE']} x {p['SIMD']} | {k} | {r['seconds']:.0f} | {r['LUT']:,}{err} "
                        f"| {r['FF']:,}{ferr} | {r['BRAM36']:g} "
                        f"| {r['CARRY4']:,} "
                        f"| {r['lut_levels']} + {r['carry_cells']} | {r['fmax_mhz']} |"
                    )
            lines.append("")
        for m, f in cur["flat"].items():
            fl, s = f["flattened"], f["instances_sum"]
            lines += [f"{m}, whole design flattened in one run ({fl['seconds']:.0f} s, load {f['load']}): "
                      f"LUT {fl['LUT']:,} / FF {fl['FF']:,} / BRAM36 {fl['BRAM36']:g}; the build's sum of "
                      f"instances (sliced: {', '.join(f['sliced']) or 'none'}): LUT {s['LUT']:,} "
                      f"({_pct(s['LUT'], fl['LUT'])}) / FF {s['FF']:,} ({_pct(s['FF'], fl['FF'])}) / "
                      f"BRAM36 {s['BRAM36']:g}.", ""]  # fmt: skip
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", action="append", choices=MODELS)
    ap.add_argument("--compare", action="append", default=[], metavar="MODEL:INSTANCE")
    ap.add_argument("--flat", action="append", default=[], metavar="MODEL")
    ap.add_argument("--timeout", type=float, default=3600.0)
    ap.add_argument("--flat-timeout", type=float, default=3600.0)
    ap.add_argument("--no-builds", action="store_true", help="only --compare / --flat")
    a = ap.parse_args()
    path = RESULTS / "zoo_build.json"
    allr = json.loads(path.read_text()) if path.is_file() else {}
    rev = rtl_commit()
    cur = allr.setdefault(rev, {"builds": {}, "compare": {}, "flat": {}})
    for name in [] if a.no_builds else (a.only or MODELS):
        print(f"{name}: build --rtl (cold Yosys cache) ...", flush=True)
        cur["builds"][name] = run_build(name, a.timeout)
        print(json.dumps(cur["builds"][name]), flush=True)
        path.write_text(json.dumps(allr, indent=2, sort_keys=True) + "\n")
    for spec in a.compare:
        model, inst = spec.split(":")
        cur["compare"][spec] = compare(model, inst, a.timeout)
        print(json.dumps(cur["compare"][spec]), flush=True)
        path.write_text(json.dumps(allr, indent=2, sort_keys=True) + "\n")
    for model in a.flat:
        cur["flat"][model] = flat(model, a.flat_timeout)
        print(json.dumps(cur["flat"][model]), flush=True)
        path.write_text(json.dumps(allr, indent=2, sort_keys=True) + "\n")
    (RESULTS / "zoo_build.md").write_text(write_markdown(allr))


if __name__ == "__main__":
    main()
