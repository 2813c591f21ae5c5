"""Sliding-window generator timing before/after the registered-step change (#10): every pcnn_swg /
pcnn_swg_par instance of cnv (default folding and the optimizer's 55 % LUT folding), mini-cnv and
resnet-mini on pynq-z2 (xc7, delay model xc7-1) and kv260 (xcup; usplus-1 and usplus-2), each instance
alone through Yosys synth_xilinx and the netlist walk (benchmarks/timing_modules.py's run_case; the
Yosys cache in $XDG_CACHE_HOME answers repeated runs). tfc / sfc / lfc have no sliding window.

    XDG_CACHE_HOME=/work/cache nice -n 10 .venv/bin/python benchmarks/swg_timing.py --before REV \
        [--after REV] [--work DIR] [--timeout S]

Results: benchmarks/results/swg_timing.json and .md (the "after" side is the working tree unless
``--after`` names a revision).
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
RESULTS = ROOT / "benchmarks" / "results"
FOLD55 = RESULTS / "hw_efficiency_rtl.json"  # its "settings": the optimizer's 55 % cnv folding
# (label, model, input shape, quantizer kind, board, folding: "auto" or "55")
DESIGNS = [
    ("cnv pynq-z2 55 %", "cnv", (3, 32, 32), "sign", "pynq-z2", "55"),
    ("cnv pynq-z2 default", "cnv", (3, 32, 32), "sign", "pynq-z2", "auto"),
    ("cnv kv260 default", "cnv", (3, 32, 32), "sign", "kv260", "auto"),
    ("mini-cnv pynq-z2 default", "mini-cnv", (1, 28, 28), "sign", "pynq-z2", "auto"),
    ("resnet-mini pynq-z2 default", "resnet-mini", (1, 28, 28), "pcnn", "pynq-z2", "auto"),
    ("mini-cnv kv260 default", "mini-cnv", (1, 28, 28), "sign", "kv260", "auto"),
    ("resnet-mini kv260 default", "resnet-mini", (1, 28, 28), "pcnn", "kv260", "auto"),
]
FAMILY = {"pynq-z2": "xc7", "kv260": "xcup"}
GOAL = {"xc7-1": 125.0, "usplus-1": 250.0, "usplus-2": 250.0}  # 1.25 x 100 MHz / 200 MHz


def swg_instances(work: Path, design: tuple) -> list[dict]:
    """Compile ``design`` (random weights, seed 0) and list its sliding-window RTL layers."""
    import torch

    from pcnn_hw.compile.build import build
    from pcnn_hw.export import export_model
    from pcnn_hw.models import build_model, randomize_batchnorm
    from pcnn_hw.quant import QuantConfig
    from pcnn_hw.rtl.flow import load_design

    label, name, shape, kind, board, fold = design
    tag = label.replace(" ", "_").replace("%", "pct")
    torch.manual_seed(0)
    model = randomize_batchnorm(build_model(name, QuantConfig(kind=kind), in_shape=shape), 0).eval()
    export_model(model, shape, work / f"{tag}.onnx", torch.rand(4, *shape))
    folding: str | Path = "auto"
    if fold == "55":
        folding = work / "cnv-pynq-z2-55.folding.json"
        cfg = json.loads(FOLD55.read_text())["settings"]  # its build had an input Thresholding layer
        folding.write_text(json.dumps({k: v for k, v in cfg.items() if not k.startswith("Thresh")}, indent=1))
    out = build(work / f"{tag}.onnx", work / tag, board, folding=folding, stream=io.StringIO(), force=True)
    rows = []
    for lay in load_design(out.out_dir).layers:
        if lay.module in ("pcnn_swg", "pcnn_swg_par"):
            rows.append({"design": label, "board": board, "instance": lay.name, "module": lay.module,
                         "params": dict(lay.params), "in": lay.inp.width, "out": lay.out.width})
    return rows


def measure(row: dict, rev: str | None, timeout_s: float) -> dict:
    """One instance through Yosys + the walk for its board's family: LUT, FF and each model's path."""
    from timing_modules import run_case

    case = (row["design"], row["instance"], row["module"], row["params"], row["in"], row["out"])
    r = run_case(case, FAMILY[row["board"]], rev, timeout_s)
    return {"LUT": r["LUT"], "FF": r["FF"], "timing": r["timing"]}


def rev_of(rev: str | None) -> str:
    """Short commit of ``rev`` (working tree: HEAD plus '+dirty' when pcnn_swg*.v differ from it)."""
    git = ["git", "-C", str(ROOT)]
    head = subprocess.run([*git, "rev-parse", "--short", rev or "HEAD"], capture_output=True, text=True,
                          check=True, timeout=60).stdout.strip()
    if rev is None:
        diff = subprocess.run([*git, "diff", "--quiet", "HEAD", "--", "pcnn_hw/rtl/verilog/pcnn_swg.v",
                               "pcnn_hw/rtl/verilog/pcnn_swg_par.v"], timeout=60)
        head += "+dirty" if diff.returncode else ""
    return head


def _fmt(t: dict | None) -> str:
    return "-" if not t else f"{t['fmax_mhz']:.1f} ({t['lut_levels']} LUT + {t['carry_cells']} carry)"


def summary(res: dict) -> list[str]:
    """Slowest instance per delay model before / after, and the pcnn_swg LUT / FF totals."""
    out = []
    for m in sorted(GOAL):
        worst = {}
        for side in ("before", "after"):
            ts = [(t["fmax_mhz"], r["design"], r["instance"]) for r in res["rows"] if side in r
                  for k, t in r[side]["timing"].items() if k == m]
            worst[side] = min(ts) if ts else None
        if worst["after"]:
            b, a = worst["before"], worst["after"]
            out.append(f"- {m} (goal {GOAL[m]:g} MHz): slowest before {b[0]:.1f} MHz ({b[1]} {b[2]}), "
                       f"after {a[0]:.1f} MHz ({a[1]} {a[2]})")
    sw = [r for r in res["rows"] if r["module"] == "pcnn_swg" and "after" in r and "before" in r]
    lut = [sum(r[s]["LUT"] for r in sw) for s in ("before", "after")]
    ff = [sum(r[s]["FF"] for r in sw) for s in ("before", "after")]
    out.append(f"- pcnn_swg instances ({len(sw)}, with repeats): LUT {lut[0]:,} -> {lut[1]:,}, "
               f"FF {ff[0]:,} -> {ff[1]:,} (the four step registers); "
               "pcnn_swg_par is unchanged (same numbers both sides)")
    return out


def to_markdown(res: dict) -> str:
    """The results table: one row per instance and delay model, before / after."""
    out = ["# Sliding-window generator timing (#10): registered read/base steps", "",
           f"`{res['command']}`; before = RTL {res['before']}, after = RTL {res['after']}. One run on a "
           "loaded machine (2 cores shared by ~7 sessions); Yosys synth_xilinx of each instance alone "
           "(per-instance flow) and the logic-depth walk of pcnn_hw/rtl/timing.py (an estimate, no "
           "place-and-route). Goal: 1.25 x the board clock = 125 MHz on xc7-1 (pynq-z2, 100 MHz), "
           "250 MHz on UltraScale+ (kv260, 200 MHz; the KV260 is -2, usplus-1 shown as the bound).", "",
           *summary(res), "",
           "| design | instance | module | key params | model | before MHz (path) | after MHz (path) | "
           "LUT before/after | FF before/after | goal |", "|---|---|---|---|---|---:|---:|---:|---:|---|"]
    for r in res["rows"]:
        p = r["params"]
        key = f"PIX={p.get('PIX')} IW={p['IW']}"
        if r["module"] == "pcnn_swg":
            key = f"CF={p['CF']} BEAT={p['BEAT']} AW={p['AW']} DEPTHWISE={p['DEPTHWISE']}"
        b, a = r.get("before"), r.get("after")
        for m in sorted((a or b or {"timing": {}})["timing"]):
            tb, ta = (b or {}).get("timing", {}).get(m), (a or {}).get("timing", {}).get(m)
            ok = "ok" if ta and ta["fmax_mhz"] >= GOAL[m] else "MISS"
            lut = f"{(b or {}).get('LUT', '-')}/{(a or {}).get('LUT', '-')}"
            ff = f"{(b or {}).get('FF', '-')}/{(a or {}).get('FF', '-')}"
            out.append(f"| {r['design']} | {r['instance']} | {r['module']} | {key} | {m} | {_fmt(tb)} | "
                       f"{_fmt(ta)} | {lut} | {ff} | {ok} |")
    return "\n".join(out) + "\n"


def main() -> None:
    """Compile the designs, synthesize their sliding windows before and after, write the results."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", required=True, help="git revision of the old RTL")
    ap.add_argument("--after", default=None, help="git revision of the new RTL (default: working tree)")
    ap.add_argument("--work", type=Path, default=ROOT / "build" / "swg_timing")
    ap.add_argument("--timeout", type=float, default=900.0)
    ap.add_argument("--markdown", action="store_true", help="only rewrite the .md from the .json")
    args = ap.parse_args()
    if args.markdown:
        res = json.loads((RESULTS / "swg_timing.json").read_text())
        (RESULTS / "swg_timing.md").write_text(to_markdown(res))
        return
    args.work.mkdir(parents=True, exist_ok=True)
    inst_file = args.work / "instances.json"
    rows = json.loads(inst_file.read_text()) if inst_file.is_file() else []
    after = f" --after {args.after}" if args.after else ""
    res = {"command": f"benchmarks/swg_timing.py --before {args.before}{after}",
           "before": rev_of(args.before),
           "after": rev_of(args.after), "rows": rows}
    for d in DESIGNS:  # one design at a time: compile, then its instances after and before
        if d[0] not in {r["design"] for r in rows}:
            print(f"compile {d[0]}", flush=True)
            rows += swg_instances(args.work, d)
            inst_file.write_text(json.dumps(rows, indent=1))
        for r in (r for r in rows if r["design"] == d[0]):
            for side, rev in (("after", args.after), ("before", args.before)):
                print(f"{side} {r['design']} {r['instance']}", flush=True)
                r[side] = measure(r, rev, args.timeout)
                (RESULTS / "swg_timing.json").write_text(json.dumps(res, indent=1) + "\n")
            (RESULTS / "swg_timing.md").write_text(to_markdown(res))
    (RESULTS / "swg_timing.md").write_text(to_markdown(res))


if __name__ == "__main__":
    main()
