"""Markdown / JSON / PNG of benchmarks/hw_efficiency.py (kept apart so the measuring script stays short)."""

from __future__ import annotations

import json
from pathlib import Path
from string import Template
from typing import Any


def _f(x: Any, fmt: str = ",.0f") -> str:
    return "-" if x is None else format(x, fmt)


def table(rows: list[dict], bnn: dict) -> list[str]:
    """The main comparison table."""
    out = ["| model / board | clock | FPS (ours) | LUT | FF | BRAM36 | DSP | LUT / BRAM of board "
           "| FPS per LUT | SetFolding at same budget: FPS / LUT | auto on FINN est.: FPS / LUT (our model) "
           "| BNN-PYNQ FPS / LUT / BRAM36 (FPS per LUT) | optimizer "
           "| est. fmax (model) | without memory-style choice: FPS / LUT / BRAM36 |",
           "|---|---:|---:|---:|---:|---:|---:|---|---:|---|---|---|---:|---:|---|"]
    for r in rows:
        sf = r["setfolding_best"]
        sft = f"{_f(sf['fps'])} / {_f(sf['lut'])}" if sf else "none fits"
        fa, sc = r["finn_auto"], r["depth_rule"]
        ref = bnn.get(r["model"]) if r["board"] == "pynq-z2" else None
        reft = (f"{ref['fps']:,} / {ref['lut']:,} / {ref['bram36']} ({ref['fps'] / ref['lut']:.2f})" if ref
                else "-")
        out.append(f"| {r['model']} / {r['board']} | {r['clock_mhz']:g} MHz | {_f(r['fps'])} | "
                   f"{_f(r['lut'])} | {_f(r['ff'])} | {r['bram36']:g} | {_f(r['dsp'])} | "
                   f"{r['lut_frac']:.0%} / "
                   f"{r['bram_frac']:.0%} | {r['fps_per_lut']:.3f} | {sft} | {_f(fa['fps'])} / "
                   f"{_f(fa['lut'])} | {reft} | {r['opt_seconds']:.1f} s | {r['fmax_mhz']:.1f} MHz | "
                   f"{_f(sc['fps'])} / "
                   f"{_f(sc['lut'])} / {sc['bram36']:g} |")
    return out


def _worst(w: dict | None, where: str | None = None) -> str:
    if not w:
        return "-"
    at = where or f"{w.get('from', '?')} -> {w.get('to', '?')}"
    return (f"{_f(w.get('fmax_mhz'), 'g')} MHz ({at}; {w.get('lut_levels', '-')} LUT + "
            f"{w.get('carry_cells', '-')} carry)")


def rtl_table(rtl: dict | None, bnn: dict) -> list[str]:
    """--rtl-folding: model vs Yosys (per instance, flattened) vs Verilator of one cnv folding."""
    if not rtl:
        return ["Not measured in this run (`--rtl-folding FILE [--yosys] [--flat]`)."]
    v, y, fl = rtl["verilator"], rtl.get("yosys") or {}, rtl.get("flat") or {}
    md, ms = rtl["model_depth2"], rtl["model_sized"]
    yt, ref = y.get("total") or {}, bnn["cnv"]
    yw = y.get("worst") or {}
    fps_v = v.get("fps")

    def eff(lut: float | None) -> str:
        return _f(fps_v / lut if fps_v and lut else None, ".3f")

    out = [f"cnv on pynq-z2 at `{rtl['folding']}` ({rtl['clock_mhz']:g} MHz). Columns 1-2: **model "
           "estimates** (pcnn_hw/resources, resources/fmax.py). Column 3: **measured** — Verilator's "
           f"bit-exact run ({v.get('bit_exact_frames')} frames) for FPS, the per-instance Yosys "
           "`synth_xilinx -family xc7` sum for resources (the resource model's reference) and the slowest "
           "instance of the netlist walk (rtl/timing.py) for fmax. Column 4: **measured** — one Yosys "
           "synthesis of the whole design flattened (`synth_xilinx -flatten`), its worst path by the same "
           "walk: the number issue #12's goal is judged on. No place-and-route anywhere.", "",
           "| | model (FIFOs depth 2, as the optimizer sees it) | model (the sized design Yosys ran) | "
           "Yosys per instance / Verilator | Yosys flattened (whole design) | BNN-PYNQ CNV-W1A1 |",
           "|---|---:|---:|---:|---:|---:|",
           f"| FPS | {_f(rtl['fps'])} | {_f(rtl['fps'])} | {_f(fps_v)} (Verilator, "
           f"{_f(v.get('cycles_per_frame'))} cycles/frame) | {_f(fps_v)} (Verilator) | {ref['fps']:,} |",
           f"| LUT | {_f(md['lut'])} | {_f(ms['lut'])} | {_f(yt.get('LUT'))} | {_f(fl.get('LUT'))} | "
           f"{ref['lut']:,} |",
           f"| FF | {_f(md['ff'])} | {_f(ms['ff'])} | {_f(yt.get('FF'))} | {_f(fl.get('FF'))} | - |",
           f"| BRAM36 | {md['bram36']:g} | {ms['bram36']:g} | {_f(yt.get('BRAM36'), 'g')} | "
           f"{_f(fl.get('BRAM36'), 'g')} | {ref['bram36']} |",
           f"| DSP | {_f(md['dsp'])} | {_f(ms['dsp'])} | {_f(yt.get('DSP'))} | {_f(fl.get('DSP'))} | - |",
           f"| FPS per LUT | {rtl['fps'] / md['lut']:.3f} | {rtl['fps'] / ms['lut']:.3f} | "
           f"{eff(yt.get('LUT'))} | {eff(fl.get('LUT'))} | {ref['fps'] / ref['lut']:.3f} |",
           f"| est. fmax | {md['fmax_mhz']:.1f} MHz ({md['fmax_instance']}) | "
           f"{ms['fmax_mhz']:.1f} MHz ({ms['fmax_instance']}) | {_worst(yw, yw.get('instance'))} | "
           f"{_worst(fl.get('worst'))} | - |"]
    out += ["", *rtl_goal(rtl)]
    if y.get("missing"):
        out += ["", "Yosys did not finish (left out of the total): "
                + ", ".join(f"{m['name']} ({m['reason']})" for m in y["missing"])]
    runs = [("Verilator", v), ("per-instance Yosys", y), ("flattened Yosys", fl)]
    out += ["", "Runs: " + "; ".join(f"{what} on RTL {r.get('rtl_commit', '?')}, load {r.get('load', '?')}"
                                     + (f", {r['seconds']:,.0f} s" if isinstance(r.get("seconds"), float)
                                        else "") for what, r in runs if r) + "."]
    if y:
        out += ["", "Per layer (LUT model on the sized design / per-instance Yosys; est. fmax model / walk, "
                "MHz):",
                "", "| instance | LUT model | LUT Yosys | model / Yosys | fmax model | fmax walk |",
                "|---|---:|---:|---:|---:|---:|"]
        for name, r in y.get("instances", {}).items():
            mr = ms["instances"].get(name)
            if mr is None or (r.get("LUT") or 0) < 200:
                continue
            out.append(f"| {name} | {_f(mr['LUT'])} | {_f(r['LUT'])} | {mr['LUT'] / max(r['LUT'], 1):.2f} | "
                       f"{mr['fmax_mhz']:.1f} | {_f(r.get('fmax_mhz'), 'g')} |")
        out += ["", "(instances under 200 Yosys LUTs left out of the per-layer table, not of the totals)"]
    return out


def rtl_goal(rtl: dict) -> list[str]:
    """Issue #12's goal on the measured numbers (Verilator FPS, flattened Yosys; per-instance Yosys
    where the flattened run is missing)."""
    v, fl, y = rtl["verilator"], rtl.get("flat") or {}, (rtl.get("yosys") or {})
    src = "flattened Yosys" if fl else "per-instance Yosys (no flattened run)"
    tot = fl or (y.get("total") or {})
    worst = (fl.get("worst") if fl else y.get("worst")) or {}
    if not tot or not v.get("fps"):
        return []
    lut, bram, fps, fmax = tot.get("LUT", 0), tot.get("BRAM36", 0), v["fps"], worst.get("fmax_mhz") or 0
    lf, bf = lut / rtl["board_lut"], bram / rtl["board_bram36"]
    clock = rtl["clock_mhz"]

    def ok(c: bool) -> str:
        return "**yes**" if c else "**no**"

    return [f"Goal (issue #12, measured: Verilator FPS, {src}): >= 12,000 FPS at {clock:g} MHz: "
            f"{ok(fps >= 12000)} ({fps:,.0f}); LUT <= 85 %: {ok(lf <= 0.85)} ({lf:.0%}); BRAM36 <= 90 %: "
            f"{ok(bf <= 0.90)} ({bf:.0%}); est. fmax >= {1.25 * clock:g} MHz: {ok(fmax >= 1.25 * clock)} "
            f"({fmax:g} MHz); >= 0.45 FPS per LUT: {ok(fps / max(lut, 1) >= 0.45)} "
            f"({fps / max(lut, 1):.3f})."]


def goal_lines(rows: list[dict], goal: dict) -> list[str]:
    """Whether cnv on pynq-z2 reaches the issue's goal by the model's numbers."""
    r = next((r for r in rows if r["model"] == "cnv" and r["board"] == "pynq-z2"), None)
    if r is None:
        return []
    ok_fps, ok_eff = r["fps"] >= goal["fps"], r["fps_per_lut"] >= goal["fps_per_lut"]
    ok_res = r["lut_frac"] <= goal["lut"] and r["bram_frac"] <= goal["bram"]
    return [f"Goal (cnv, pynq-z2, by our model's numbers): >= {goal['fps']:,} FPS: "
            f"{'yes' if ok_fps else 'no'} ({r['fps']:,.0f}); within {goal['lut']:.0%} LUT / "
            f"{goal['bram']:.0%} BRAM36: {'yes' if ok_res else 'no'} "
            f"({r['lut_frac']:.0%} / {r['bram_frac']:.0%}); "
            f">= {goal['fps_per_lut']} FPS per LUT: {'yes' if ok_eff else 'no'} ({r['fps_per_lut']:.3f}); "
            f"estimated fmax >= {1.25 * r['clock_mhz']:g} MHz (resources/fmax.py, a constraint of the "
            f"optimizer): {'yes' if r['fmax_mhz'] >= 1.25 * r['clock_mhz'] else 'no'} "
            f"({r['fmax_mhz']:.1f} MHz)."]


def plot(par: list[dict], rows: list[dict], bnn: dict, path: Path, rtl: dict | None = None) -> None:
    """FPS vs LUT for cnv on pynq-z2: our budgets, SetFolding points, BNN-PYNQ, the goal, and the measured
    folding (Verilator FPS vs Yosys LUT, flattened where run) when ``rtl`` has it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    r = next(r for r in rows if r["model"] == "cnv" and r["board"] == "pynq-z2")
    hz = r["clock_mhz"] * 1e6
    fig, ax = plt.subplots(figsize=(7, 4.5))
    rule = [p for p in par if not p["style_choice"]]
    choice = [p for p in par if p["style_choice"]]
    ax.plot([p["lut"] for p in choice], [p["fps"] for p in choice], "o-",
            label="our optimizer (memory-style choice), LUT budget 25-85 %")
    ax.plot([p["lut"] for p in rule], [p["fps"] for p in rule], "^-", color="tab:purple",
            label="... without the style choice (RTL depth rule)")
    for p in choice[:: max(1, len(choice) // 6)]:
        ax.annotate(f"{p['budget']:.0%}", (p["lut"], p["fps"]), fontsize=7, textcoords="offset points",
                    xytext=(4, -10))
    sf = sorted(r["setfolding"], key=lambda p: p["lut"])
    ax.plot([p["lut"] for p in sf], [hz / p["cycles"] for p in sf], "s--", color="tab:orange",
            label="FINN SetFolding (target-cycle ladder)")
    ref = bnn["cnv"]
    ax.plot([ref["lut"]], [ref["fps"]], "*", ms=14, color="tab:green", label="BNN-PYNQ CNV-W1A1 (published)")
    tot = rtl and ((rtl.get("flat") or {}) or (rtl.get("yosys") or {}).get("total") or {})
    if tot and rtl["verilator"].get("fps"):
        how = "flattened" if rtl.get("flat") else "per-instance"
        ax.plot([tot["LUT"]], [rtl["verilator"]["fps"]], "X", ms=10, color="tab:red",
                label=f"measured: Verilator FPS vs {how} Yosys LUT")
    ax.axhline(12000, color="grey", lw=0.8, ls=":")
    ax.axvline(53200 * 0.85, color="grey", lw=0.8, ls=":")
    ax.set_xlabel("LUT (our resource model: layers + FIFOs + width converters; X: Yosys)")
    ax.set_ylabel("FPS at 100 MHz (FINN cycle model = RTL)")
    ax.set_yscale("log")
    ax.set_title("cnv on pynq-z2: FPS vs LUT (goal 12,000 FPS dotted; 85 % LUT dotted)", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120, metadata={"Software": None})
    plt.close(fig)


def _load_text(rows: list[dict]) -> str:
    loads = [r["load"] for r in rows if "load" in r]
    return f"{min(loads):g}-{max(loads):g} (1-min load average per row)" if loads else "not recorded"


def pareto_lines(par: list[dict], rows: list[dict]) -> list[str]:
    """The Pareto sweep's table and cnv / pynq-z2's SetFolding ladder (all model estimates)."""
    out = ["| LUT budget | memory style | FPS | LUT | BRAM36 | optimizer |", "|---:|---|---:|---:|---:|---:|"]
    for p in par:
        style = "choice" if p["style_choice"] else "depth rule"
        out.append(f"| {p['budget']:.0%} | {style} | {p['fps']:,.0f} | {p['lut']:,.0f} | {p['bram36']:g} | "
                   f"{p['seconds']:.1f} s |")
    r = next((r for r in rows if r["model"] == "cnv" and r["board"] == "pynq-z2"), None)
    if r is None:
        return out
    hz = r["clock_mhz"] * 1e6
    out += ["", "SetFolding (cnv, pynq-z2, costed by the same model):", "",
            "| target cycles | cycles | FPS | LUT | BRAM36 | FINN's own LUT estimate |",
            "|---:|---:|---:|---:|---:|---:|"]
    for p in r["setfolding"]:
        out.append(f"| {p['target']:,} | {p['cycles']:,} | {hz / p['cycles']:,.0f} | {p['lut']:,.0f} | "
                   f"{p['bram36']:g} | {p['finn_lut']:,.0f} |")
    return out


def write_all(rows: list[dict], par: list[dict], results: Path, bnn: dict, goal: dict,
              rtl: dict | None = None) -> None:
    """results/hw_efficiency.{json,md,png}."""
    from pcnn_hw.resources.stale import fit_status

    data = {"rows": rows, "pareto_cnv_pynq_z2": par, "rtl": rtl}
    (results / "hw_efficiency.json").write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    st = fit_status()
    pareto = pareto_lines(par, rows)
    fit = "matches the current RTL." if st.fresh else f"is STALE: {st.message()}"
    md = Template((Path(__file__).with_name("hw_efficiency.md.tmpl")).read_text()).substitute(
        load=_load_text(rows), fit=fit, table="\n".join(table(rows, bnn)),
        goal="\n".join(goal_lines(rows, goal)), rtl="\n".join(rtl_table(rtl, bnn)), pareto="\n".join(pareto))
    (results / "hw_efficiency.md").write_text(md)
    if par:
        plot(par, rows, bnn, results / "hw_efficiency.png", rtl)
    print(md)


def _point_file(results: Path, rtl: dict) -> Path:
    """cnv / pynq-z2 keeps results/hw_efficiency_rtl.json; every other design its own JSON."""
    if (rtl["model"], rtl["board"]) == ("cnv", "pynq-z2"):
        return results / "hw_efficiency_rtl.json"
    return results / f"hw_efficiency_rtl_{rtl['model']}-{rtl['board']}.json"


def more_points(results: Path) -> list[str]:
    """One summary row per measured design other than cnv / pynq-z2 (results/hw_efficiency_rtl_*-*.json):
    Verilator FPS, the flattened Yosys (per-instance sum where no flattened run exists), est. fmax."""
    out = ["| design | folding | FPS model / Verilator (cycles/frame) | LUT model / measured | FF model / "
           "measured | BRAM36 model / measured | DSP | est. fmax model / measured | FPS per LUT measured "
           "| measured by | runs |", "|---|---|---:|---:|---:|---:|---:|---|---:|---|---|"]
    for path in sorted(results.glob("hw_efficiency_rtl_*-*.json")):
        r = json.loads(path.read_text())
        v, fl, y, ms = r["verilator"], r.get("flat") or {}, r.get("yosys") or {}, r["model_sized"]
        tot, how = (fl, "flattened Yosys") if fl else ((y.get("total") or {}), "per-instance Yosys sum")
        worst = (fl.get("worst") if fl else y.get("worst")) or {}
        fps = v.get("fps")
        runs = "; ".join(
            f"{w} RTL {x.get('rtl_commit', '?')}, load {x.get('load', '?')}, "
            f"{_f((x.get('seconds') or {}).get('total') if w == 'Verilator' else x.get('seconds'))} s"
            for w, x in (("Verilator", v), ("Yosys", fl or y)) if x)
        out.append(f"| {r['model']} / {r['board']} ({r['clock_mhz']:g} MHz) | `{r['folding']}` | "
                   f"{_f(r['fps'])} / {_f(fps)} ({_f(v.get('cycles_per_frame'))}) | {_f(ms['lut'])} / "
                   f"{_f(tot.get('LUT'))} | {_f(ms['ff'])} / {_f(tot.get('FF'))} | {ms['bram36']:g} / "
                   f"{_f(tot.get('BRAM36'), 'g')} | "
                   f"{_f(tot.get('DSP'))} | {ms['fmax_mhz']:.1f} / {_worst(worst)} | "
                   f"{_f(fps / tot['LUT'] if fps and tot.get('LUT') else None, '.3f')} | {how} | {runs} |")
    return out if len(out) > 2 else ["None measured yet."]


def write_rtl(rtl: dict | None, results: Path, bnn: dict) -> None:
    """results/hw_efficiency_rtl.{md,json}: the --rtl-folding point (``--rtl-only``; a design other than
    cnv / pynq-z2 to its own JSON), the md regenerated from every point's JSON (prose from
    benchmarks/hw_efficiency_rtl.md.tmpl); ``rtl`` None: only regenerate."""
    if rtl is not None:
        _point_file(results, rtl).write_text(json.dumps(rtl, indent=1, sort_keys=True) + "\n")
    rtl = json.loads((results / "hw_efficiency_rtl.json").read_text())
    tmpl = Template((Path(__file__).with_name("hw_efficiency_rtl.md.tmpl")).read_text())
    post = rtl.get("post_verilator")
    pv = (f"Verilator on the fixed RTL: {post['fps']:,.0f} FPS ({post['cycles_per_frame']:,} cycles/frame, "
          f"bit-exact on {post['bit_exact_frames']} frames, RTL {post['rtl_commit']})." if post else
          "Verilator was not re-run on the fixed RTL.")
    md = tmpl.substitute(table="\n".join(rtl_table(rtl, bnn)), folding=rtl["folding"], post_verilator=pv,
                         more="\n".join(more_points(results)))
    (results / "hw_efficiency_rtl.md").write_text(md)
    print(md)
