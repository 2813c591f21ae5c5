"""Per-module timing benchmark: one RTL module instance alone through Yosys synth_xilinx and the logic-depth
walk (pcnn_hw/rtl/timing.py), on the parameters the cnv/sfc builds really use (names as in the stitched
designs, so the numbers line up with timing.md's per-instance rows).

Each instance is synthesized as the one-instance ``synth_top`` the per-instance flow uses
(:func:`pcnn_hw.rtl.yosys.synth_instance_timed`, Yosys-cached), for 7-series (xc7-1) and/or UltraScale+
(usplus-1). ``--rev REV`` synthesizes the module text of git revision REV instead of the working tree (the
"before" column). Results merge into benchmarks/results/timing_modules.json under ``--label``.

    .venv/bin/python benchmarks/timing_modules.py --label after [--rev REV] [--family xc7|xcup]...
        [--only NAME]... [--timeout S]

``--only chain``: the flattened FIFO -> up-converter -> FIFO chain of sfc's worst path (see run_chain).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "timing_modules.json"
VERILOG = "pcnn_hw/rtl/verilog"

# (case, instance name, module, parameters, in width, out width) -- from the cnv/sfc builds (auto folding)
CASES = [
    ("cnv pynq-z2", "fifo_7", "pcnn_fifo", {"WIDTH": 192, "DEPTH": 100}, 192, 192),
    ("cnv pynq-z2", "ConvolutionInputGenerator_rtl_3", "pcnn_swg",
     {"BEAT": 8, "CF": 8, "OH": 12, "OW": 12, "DEPTHWISE": 0, "AW": 9, "IH": 14, "IW": 14, "KH": 3, "KW": 3,
      "SH": 1, "SW": 1, "DH": 1, "DW": 1}, 8, 8),
    ("cnv pynq-z2", "ConvolutionInputGenerator_rtl_6", "pcnn_swg",
     {"BEAT": 1, "CF": 128, "OH": 3, "OW": 3, "DEPTHWISE": 0, "AW": 12, "IH": 5, "IW": 5, "KH": 3, "KW": 3,
      "SH": 1, "SW": 1, "DH": 1, "DW": 1}, 1, 1),
    ("sfc pynq-z2", "dwc_1", "pcnn_dwc", {"IW": 32, "OW": 256}, 32, 256),
    ("sfc pynq-z2", "fifo_0", "pcnn_fifo", {"WIDTH": 32, "DEPTH": 2}, 32, 32),
    ("cnv pynq-z2", "dwc_1", "pcnn_dwc", {"IW": 216, "OW": 72}, 216, 72),
    ("cnv pynq-z2", "Pool_hls_0", "pcnn_pool", {"PE": 8, "KK": 4, "BITS": 1, "SIGNED": 0}, 8, 8),
    ("cnv pynq-z2", "LabelSelect_hls_0", "pcnn_labelselect",
     {"PE": 1, "LABELS": 10, "IN_BITS": 11, "OUT_BITS": 8}, 11, 8),
    # the new kinds (#11) on resnet-like shapes (no cnv/sfc instance): 4-bit activations, SIMD/PE 4
    ("resnet-like", "FMPadding_rtl", "pcnn_fmpadding",
     {"SIMD": 4, "BITS": 4, "CF": 16, "IH": 8, "IW": 8, "PT": 1, "PL": 1, "PB": 1, "PR": 1}, 16, 16),
    ("resnet-like", "GlobalAccPool_hls", "pcnn_globalpool",
     {"PE": 4, "IN_BITS": 4, "IN_SIGNED": 0, "OUT_BITS": 10, "FOLDS": 16, "PIX": 64}, 16, 40),
    ("resnet-like", "AddStreams_hls", "pcnn_addstreams",
     {"PE": 4, "IN0_BITS": 4, "IN0_SIGNED": 1, "IN1_BITS": 4, "IN1_SIGNED": 1, "OUT_BITS": 5}, [16, 16], 20),
    ("resnet-like", "DuplicateStreams_hls", "pcnn_duplicate", {"WIDTH": 16}, 16, [16, 16]),
]


def module_text(module: str, rev: str | None) -> str:
    """The module's Verilog text: working tree, or ``git show REV:path``."""
    path = f"{VERILOG}/{module}.v"
    kind = module.removeprefix("pcnn_")
    if (ROOT / "pcnn_hw" / "layers" / kind / f"{module}.v").is_file():  # a kind's own template
        path = f"pcnn_hw/layers/{kind}/{module}.v"
    if rev is None:
        return (ROOT / path).read_text()
    out = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:{path}"], capture_output=True, text=True,
                         check=True, timeout=60)
    return out.stdout


def run_case(case: tuple, family: str, rev: str | None, timeout_s: float) -> dict:
    """Synthesize one case for ``family``; its timing rows (per delay model) and LUT/FF."""
    from pcnn_hw.rtl.stitch import Instance
    from pcnn_hw.rtl.yosys import synth_instance_timed

    where, name, module, params, iw, ow = case
    iws, ows = (iw if isinstance(iw, list) else [iw]), (ow if isinstance(ow, list) else [ow])
    inst = Instance(name, "layer", module, dict(params), iws[0], ows[0], name, in_widths=iws, out_widths=ows)
    d = SimpleNamespace(files={f"{module}.v": module_text(module, rev)})
    t0 = time.perf_counter()
    res, timing, hit = synth_instance_timed(inst, d, ROOT / "build", timeout_s=timeout_s, family=family)
    return {
        "design": where, "instance": name, "module": module, "params": params, "family": family,
        "LUT": res.lut, "FF": res.ff, "timing": timing, "cache_hit": hit,
        "seconds": round(time.perf_counter() - t0, 1),
    }


CHAIN_TOP = """module chain_top (input wire ap_clk, input wire ap_rst_n,
  input wire [31:0] in_tdata, input wire in_tvalid, output wire in_tready,
  output wire [255:0] out_tdata, output wire out_tvalid, input wire out_tready);
  wire [31:0] a_d; wire a_v, a_r;
  wire [255:0] b_d; wire b_v, b_r;
  pcnn_fifo #(.WIDTH(32), .DEPTH(32)) fifo_0 (.ap_clk(ap_clk), .ap_rst_n(ap_rst_n), .in_tdata(in_tdata),
    .in_tvalid(in_tvalid), .in_tready(in_tready), .out_tdata(a_d), .out_tvalid(a_v), .out_tready(a_r));
  pcnn_dwc #(.IW(32), .OW(256)) dwc_1 (.ap_clk(ap_clk), .ap_rst_n(ap_rst_n), .in_tdata(a_d),
    .in_tvalid(a_v), .in_tready(a_r), .out_tdata(b_d), .out_tvalid(b_v), .out_tready(b_r));
  pcnn_fifo #(.WIDTH(256), .DEPTH(2)) fifo_1 (.ap_clk(ap_clk), .ap_rst_n(ap_rst_n), .in_tdata(b_d),
    .in_tvalid(b_v), .in_tready(b_r), .out_tdata(out_tdata), .out_tvalid(out_tvalid),
    .out_tready(out_tready));
endmodule
"""


def run_chain(family: str, rev: str | None, timeout_s: float) -> dict:
    """sfc's worst flattened path in miniature: FIFO (32 deep) -> 32:256 up-converter -> FIFO, flattened
    in one Yosys run (the cross-module ready/valid paths a per-instance run cannot see)."""
    from pcnn_hw.rtl import yosys

    files = {f"{m}.v": module_text(m, rev) for m in ("pcnn_fifo", "pcnn_dwc")}
    files["chain_top.v"] = CHAIN_TOP
    t0 = time.perf_counter()
    res, timing, hit = yosys._run_cached("yosys chain", files, "chain_top", family, None, timeout_s)  # noqa: SLF001
    return {
        "design": "sfc pynq-z2", "instance": "fifo_0 -> dwc_1 -> fifo (flattened)", "module": "chain",
        "params": {}, "family": family, "LUT": res.lut, "FF": res.ff, "timing": timing, "cache_hit": hit,
        "seconds": round(time.perf_counter() - t0, 1),
    }


MARK_BEGIN = "<!-- timing_modules.py: begin -->"
MARK_END = "<!-- timing_modules.py: end -->"
TIMING_MD = ROOT / "benchmarks" / "results" / "timing.md"
GOAL = {"xc7-1": 125.0, "usplus-1": 250.0}


def _cell(r: dict | None, model: str) -> str:
    if r is None or model not in r["timing"]:
        return "-"
    t = r["timing"][model]
    ok = "" if t["fmax_mhz"] >= GOAL[model] else " **<goal**"
    return f"{t['fmax_mhz']:g} ({t['lut_levels']} LUT + {t['carry_cells']} c){ok}"


def to_markdown(results: dict) -> str:
    """The per-module section of timing.md: one row per instance, before/after per delay model."""
    labels = sorted(results)
    out = [
        MARK_BEGIN,
        "## 3 branch tstream: per-module measurements (#10)",
        "",
        "Each module instance alone (`benchmarks/timing_modules.py`: one-instance `synth_top`, Yosys "
        "synth_xilinx, the logic-depth walk of rtl/timing.py), on the parameters the cnv/sfc builds use; "
        "the `chain` row is sfc's worst flattened path in miniature (32-deep FIFO -> 32:256 up-converter "
        "-> FIFO, flattened). Columns: " + ", ".join(f"`{lab}`" for lab in labels)
        + ". Estimated fmax MHz (LUT levels + carry cells); goal 125 MHz on xc7-1, 250 MHz on usplus-1. "
        "Measured on the loaded 2-core machine (7 helpers; load 11-14): Yosys times vary, the logic depth "
        "does not.",
        "",
        "| design | instance | " + " | ".join(f"xc7-1 {lab}" for lab in labels) + " | "
        + " | ".join(f"usplus-1 {lab}" for lab in labels) + " | LUT / FF " + " -> ".join(labels) + " |",
        "|---|---|" + "---:|" * (2 * len(labels)) + "---:|",
    ]
    keys = []
    for lab in labels:
        for k in results[lab]:
            base = k.rsplit("/", 1)[0]
            if base not in keys:
                keys.append(base)
    for base in keys:
        where, inst = base.split("/", 1)
        rows = {(lab, fam): results[lab].get(f"{base}/{fam}") for lab in labels for fam in ("xc7", "xcup")}
        cells = [_cell(rows[(lab, "xc7")], "xc7-1") for lab in labels]
        cells += [_cell(rows[(lab, "xcup")], "usplus-1") for lab in labels]
        cost = []
        for lab in labels:
            r = rows[(lab, "xc7")] or rows[(lab, "xcup")]
            cost.append(f"{r['LUT']:,} / {r['FF']:,}" if r else "-")
        out.append(f"| {where} | {inst} | " + " | ".join(cells) + " | " + " -> ".join(cost) + " |")
    out += [
        "",
        "Notes: the FIFO keeps its cycle behaviour (one-cycle write-to-read latency, DEPTH entries, same "
        "occupancy), so FIFO sizing and the cycle models are unchanged; the output register costs WIDTH FF "
        "+ about WIDTH LUT (bypass mux) per FIFO, and deep wide FIFOs (fifo_7, 100 x 192) now map to BRAM "
        "(3 RAMB36 instead of LUTRAM) because the read is registered. The flattened sfc/cnv designs were not "
        "re-synthesized in this session (a flattened sfc run took ~2200 s; the machine stayed at load 6-14).",
        "",
        MARK_END,
    ]
    return "\n".join(out) + "\n"


def write_markdown(results: dict) -> None:
    """Insert (or replace) the per-module section at the end of timing.md; the rest stays as it is."""
    text = TIMING_MD.read_text() if TIMING_MD.is_file() else ""
    if MARK_BEGIN in text and MARK_END in text:
        head, rest = text.split(MARK_BEGIN, 1)
        text = head + to_markdown(results) + rest.split(MARK_END, 1)[1].lstrip("\n")
    else:
        text = text.rstrip("\n") + "\n\n" + to_markdown(results)
    TIMING_MD.write_text(text)


def main() -> None:
    """Run the selected cases and merge them into results/timing_modules.json under the label."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--label", default="")
    ap.add_argument("--rev", default=None, help="git revision of the Verilog (default: working tree)")
    ap.add_argument("--family", choices=("xc7", "xcup"), action="append")
    ap.add_argument("--only", action="append", help="instance name (repeatable)")
    ap.add_argument("--timeout", type=float, default=900.0)
    ap.add_argument("--markdown", action="store_true", help="only rewrite timing.md's per-module section")
    args = ap.parse_args()
    if args.markdown:
        write_markdown(json.loads(RESULTS.read_text()))
        return
    for case in [*CASES, ("sfc pynq-z2", "chain", None, None, None, None)]:
        if args.only and case[1] not in args.only:
            continue
        for family in args.family or ("xc7", "xcup"):
            try:
                if case[1] == "chain":
                    r = run_chain(family, args.rev, args.timeout)
                else:
                    r = run_case(case, family, args.rev, args.timeout)
            except Exception as exc:  # noqa: BLE001 - a timeout must not lose the other rows
                print(f"{case[1]} {family}: failed: {str(exc).splitlines()[0]}", flush=True)
                continue
            results = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
            results.setdefault(args.label, {})[f"{case[0]}/{case[1]}/{family}"] = r
            RESULTS.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
            short = {k: (v["fmax_mhz"], v["lut_levels"], v["carry_cells"]) for k, v in r["timing"].items()}
            print(f"{case[1]} {family}: {short} LUT {r['LUT']} FF {r['FF']} ({r['seconds']} s)", flush=True)


if __name__ == "__main__":
    main()
