"""LUT-lean RTL benchmark (#12 item 3): Yosys ``synth_xilinx`` of single pcnn_mvau / pcnn_thresholding
instances (random weights and thresholds, their generated ROMs included) on representative foldings,
with the RTL templates of a given git revision, so the same script gives the before/after table.

Per configuration and revision: LUT / FF / BRAM36, carry cells, worst-path LUT levels and the estimated
fmax of pcnn_hw.rtl.timing under xc7-1 (``-family xc7``) and usplus-1 (``-family xcup``). Each run is
cached by pcnn_hw.rtl.yosys (key: sources + script), so re-running is instant. Runs one Yosys at a time.

    nice -n 10 .venv/bin/python benchmarks/rtl_lean.py [--rev 7a1f671] [--rev WORKTREE] [--only NAME]...
        [--family xc7|xcup]... [--timeout S]

Results: benchmarks/results/rtl_lean.json (all runs, by revision label) and rtl_lean.md (the table of
the first revision against the last, then the hand-written findings of rtl_lean_notes.md).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from onnx import helper

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "benchmarks" / "results"
TEMPLATES = ("pcnn_mvau.v", "pcnn_addtree.v", "pcnn_thresholding.v")
WORKTREE = "WORKTREE"
FAMILIES = {"xc7": "xc7-1", "xcup": "usplus-1"}

# name -> (kind, MW or C, MH, PE, SIMD, n_steps, output type); kind: xnor (1-bit in, sfc/cnv hidden
# layers), int (UINT8 x bipolar weights, a first layer), thr (standalone thresholding of UINT8 / INT12)
CONFIGS: dict[str, tuple] = {
    "xnor_s32_p1": ("xnor", 256, 64, 1, 32, 1, "BINARY"),
    "xnor_s32_p4": ("xnor", 256, 64, 4, 32, 1, "BINARY"),
    "xnor_s32_p16": ("xnor", 256, 64, 16, 32, 1, "BINARY"),
    "xnor_s64_p1": ("xnor", 256, 64, 1, 64, 1, "BINARY"),
    "xnor_s64_p4": ("xnor", 256, 64, 4, 64, 1, "BINARY"),
    "xnor_s64_p16": ("xnor", 256, 64, 16, 64, 1, "BINARY"),
    "xnor_s256_p1": ("xnor", 256, 64, 1, 256, 1, "BINARY"),
    "xnor_s256_p4": ("xnor", 256, 64, 4, 256, 1, "BINARY"),
    "xnor_s256_p16": ("xnor", 256, 64, 16, 256, 1, "BINARY"),
    "xnor_s64_p4_a2": ("xnor", 256, 64, 4, 64, 3, "UINT2"),
    "int8_s32_p1": ("int", 256, 64, 1, 32, 1, "BINARY"),
    "int8_s32_p4_a2": ("int", 256, 64, 4, 32, 3, "UINT2"),
    # 8-bit first layers at the auto folding of our tfc / sfc (random 1w1a, benchmarks/yosys_speed.py)
    "tfc1_pynq": ("int", 784, 64, 64, 28, 1, "BINARY"),  # pynq-z2
    "tfc1_kv260": ("int", 784, 64, 64, 56, 1, "BINARY"),  # kv260
    "sfc1_pynq": ("int", 784, 256, 256, 16, 1, "BINARY"),  # pynq-z2 (kv260: the same folding)
    "thr_u8_p4_a2": ("thr", 64, 0, 4, 0, 3, "UINT2"),
    "thr_u8_p1_a4": ("thr", 128, 0, 1, 0, 15, "UINT4"),
    "thr_u8_p16_a1": ("thr", 256, 0, 16, 0, 1, "BINARY"),
}

FIRST_LAYERS = ("tfc1_pynq", "tfc1_kv260", "sfc1_pynq")  # big: only with --only (yosys_speed.py --layers)


def layer(name: str):
    """The pcnn_hw layer of configuration ``name`` (seeded random weights and sorted thresholds)."""
    from pcnn_hw.layers import layer_from_node

    kind, mw, mh, pe, simd, n_steps, odt = CONFIGS[name]
    rng = np.random.default_rng(0)
    if kind == "thr":
        inits = {"t": np.sort(rng.integers(0, 256, size=(mw, n_steps)), axis=1)}
        attrs = dict(NumChannels=mw, PE=pe, inputDataType="UINT8", outputDataType=odt, ActVal=0)
        op = "Thresholding_hls"
    else:
        if kind == "int":
            w = rng.choice([-1, 1], size=(mw, mh))
            lim = 255 * mw // 4
            t = rng.integers(-lim, lim, size=(mh, n_steps))
            attrs = dict(inputDataType="UINT8", weightDataType="INT2", binaryXnorMode=0)
        else:
            w = rng.integers(0, 2, size=(mw, mh))
            t = rng.integers(0, mw + 1, size=(mh, n_steps))
            attrs = dict(inputDataType="BINARY", weightDataType="BINARY", binaryXnorMode=1)
        inits = {"w": w, "t": np.sort(t, axis=1)}
        attrs.update(MW=mw, MH=mh, PE=pe, SIMD=simd, noActivation=0, outputDataType=odt, ActVal=0)
        op = "MVAU_hls"
    node = helper.make_node(op, ["x", *inits], ["y"], name="L0", domain="finn.custom_op.fpgadataflow.hls",
                            numInputVectors=[1, 1], **attrs)
    return layer_from_node(node, lambda n: inits.get(n)), kind


def instance_files(name: str, rev: str) -> tuple[dict[str, str], str]:
    """Sources of the configuration's one-instance wrapper with the templates of git revision ``rev``."""
    from pcnn_hw.rtl.spec import Fmt, rtl_layers
    from pcnn_hw.rtl.stitch import stitch, template_text
    from pcnn_hw.rtl.yosys import wrapper

    lay, kind = layer(name)
    fin = Fmt(1, False) if kind == "xnor" else Fmt(8, False)
    rl = rtl_layers([lay], fin)
    d = stitch(rl, CONFIGS[name][1])  # one vector (MW) / one pixel (C) per frame
    inst = next(i for i in d.instances if i.kind == "layer")
    files = {}
    for n in inst.sources():
        if n in TEMPLATES and rev != WORKTREE:
            files[n] = git_show(rev, f"pcnn_hw/rtl/verilog/{n}")
        else:
            files[n] = d.files[n] if n in d.files else template_text(n)
    files["synth_top.v"] = wrapper(inst)
    return files, inst.module


def git_show(rev: str, path: str) -> str:
    """A file's text at a git revision."""
    out = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:{path}"], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"git show {rev}:{path}: {out.stderr.strip()}")
    return out.stdout


def label(rev: str) -> str:
    """Revision label: the short commit, or HEAD's commit + '+wt' for the working tree."""
    if rev != WORKTREE:
        return rev
    git = ["git", "-C", str(ROOT)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    head = head.stdout.strip()
    paths = [f"pcnn_hw/rtl/verilog/{n}" for n in TEMPLATES]
    dirty = subprocess.run([*git, "status", "--porcelain", *paths], capture_output=True, text=True).stdout
    return head + ("+dirty" if dirty.strip() else "")


def run(name: str, rev: str, family: str, timeout: float) -> dict:
    """One cached Yosys run; the result row."""
    from pcnn_hw.rtl import yosys

    files, module = instance_files(name, rev)
    t0 = time.perf_counter()
    res, timing, hit = yosys._run_cached(  # noqa: SLF001 - the per-instance runner with our own sources
        f"yosys {name}", files, "synth_top", family, None, timeout
    )
    path = timing[FAMILIES[family]]
    return {
        "module": module,
        "lut": res.lut,
        "ff": res.ff,
        "bram36": res.bram36,
        "carry4": res.carry4,
        "lut_levels": path["lut_levels"],
        "carry_cells": path["carry_cells"],
        "ns": path["ns"],
        "fmax": round(1000.0 / path["ns"], 1),
        "seconds": 0.0 if hit else round(time.perf_counter() - t0, 1),
    }


def table(data: dict, before: str, after: str) -> str:
    """Markdown table: per configuration and family, before -> after."""
    rows = [
        f"Before = `{before}`, after = `{after}`. Yosys `synth_xilinx` of one instance (ROMs included); "
        "fmax = pcnn_hw/rtl/timing.py estimate (xc7-1 on `-family xc7`, usplus-1 on `-family xcup`).",
        "",
        "| config | family | LUT | FF | BRAM36 | CARRY4 | LUT levels | est. fmax MHz |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name in CONFIGS:
        for fam in FAMILIES:
            b = data.get(before, {}).get(name, {}).get(fam)
            a = data.get(after, {}).get(name, {}).get(fam)
            if b is None and a is None:
                continue

            def pair(key: str, b=b, a=a) -> str:
                bv = "-" if b is None else b[key]
                av = "-" if a is None else a[key]
                if b is not None and a is not None and key in ("lut", "ff") and b[key]:
                    return f"{bv} -> {av} ({100.0 * (a[key] - b[key]) / b[key]:+.0f} %)"
                return f"{bv} -> {av}"

            kind, mw, mh, pe, simd, n_steps, odt = CONFIGS[name]
            cfg = (f"{name} (C {mw}, PE {pe}, {odt})" if kind == "thr"
                   else f"{name} ({mw}x{mh}, SIMD {simd}, PE {pe}, {odt})")
            rows.append(
                f"| {cfg} | {FAMILIES[fam]} | {pair('lut')} | {pair('ff')} | {pair('bram36')} | "
                f"{pair('carry4')} | {pair('lut_levels')} | {pair('fmax')} |"
            )
    return "\n".join(rows) + "\n"


def main() -> None:
    """Run the configurations for each revision and family; write rtl_lean.json/.md."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rev", action="append", help=f"git revision of the templates or {WORKTREE}")
    ap.add_argument("--only", action="append", choices=sorted(CONFIGS))
    ap.add_argument("--family", action="append", choices=sorted(FAMILIES))
    ap.add_argument("--timeout", type=float, default=1200.0)
    ap.add_argument("--note", default="", help="text put above the table (e.g. machine load)")
    a = ap.parse_args()
    revs = a.rev or ["7a1f671", WORKTREE]
    out = RESULTS / "rtl_lean.json"
    data = json.loads(out.read_text()) if out.is_file() else {}
    labels = [label(r) for r in revs]
    for rev, lab in zip(revs, labels, strict=True):
        for name in a.only or [n for n in CONFIGS if n not in FIRST_LAYERS]:
            for fam in a.family or list(FAMILIES):
                try:
                    row = run(name, rev, fam, a.timeout)
                except Exception as e:  # noqa: BLE001 - a timeout or Yosys failure is a table entry
                    print(f"{lab} {name} {fam}: FAILED {e}", flush=True)
                    continue
                data.setdefault(lab, {}).setdefault(name, {})[fam] = row
                print(lab, name, fam, row, flush=True)
                out.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    notes = RESULTS / "rtl_lean_notes.md"  # hand-written findings, kept across regenerations
    md = ["# LUT-lean MVAU / thresholding RTL (#12 item 3)", "", a.note, ""]
    md.append(table(data, labels[0], labels[-1]))
    if notes.is_file():
        md += ["", notes.read_text()]
    (RESULTS / "rtl_lean.md").write_text("\n".join(md))


if __name__ == "__main__":
    main()
