"""report.json["timing"], the one-line summary, the warning and the report.md section, from the
per-instance and flattened worst paths of :mod:`pcnn_hw.rtl.timing` (contract in docs/CONTRACTS.md)."""

from __future__ import annotations

from pcnn_hw.rtl.timing import DelayModel


def _layer_of(label: str, inst_layer: dict[str, str]) -> str | None:
    """Layer whose instance a flattened net name (``<instance>.<net>``) belongs to."""
    head = label.split(".", 1)[0].split(" ", 1)[0]
    return inst_layer.get(head)


def timing_report(
    ys: dict, flat: dict | None, model: DelayModel, target_mhz: float, flat_note: str | None = None
) -> dict:
    """report.json["timing"] (contract in docs/CONTRACTS.md) from synth_design rows and the flattened run.

    ``ys``: :func:`pcnn_hw.rtl.yosys.synth_design`'s result; ``flat``: the flattened top's worst path
    under ``model`` (or None when skipped / timed out, ``flat_note`` says why). Design fmax = min over the
    instances and the flattened top.
    """
    inst_layer = {r["name"]: (r["layer"] if r["kind"] == "layer" else r["name"]) for r in ys["instances"]}
    inst_layer.update(
        {m["name"]: m["name"] for m in ys.get("missing", [])}
    )  # a layer is named as its instance
    instances: dict[str, dict] = {}
    for r in ys["instances"]:
        t = r.get("timing", {}).get(model.name)
        if t is None:
            continue
        instances[r["name"]] = {
            "kind": r["kind"],
            "layer": inst_layer[r["name"]] or "output",
            "lut_levels": t["lut_levels"],
            "carry_cells": t["carry_cells"],
            "ns": t["ns"],
            "fmax_mhz": t["fmax_mhz"],
            "from": t["from"],
            "to": t["to"],
        }
    cands = [(v["ns"], k, v) for k, v in instances.items()]
    flattened = None
    if flat is not None:
        flattened = {k: flat[k] for k in ("lut_levels", "carry_cells", "ns", "fmax_mhz", "from", "to")}
        layer = _layer_of(flat["from"], inst_layer) or _layer_of(flat["to"], inst_layer) or "top"
        cands.append((flat["ns"], "top (flattened)", {**flattened, "layer": layer}))
    out: dict = {
        "family": model.name,
        "delay_model": model.to_dict(),
        "target_mhz": target_mhz,
        "instances": instances,
        "flattened": flattened,
        "flattened_note": flat_note,
        "missing": [m["name"] for m in ys.get("missing", [])],
        # instances with no estimate at all: Yosys did not finish them and no flattened run covers them
        "unverified": [] if flat is not None else [m["name"] for m in ys.get("missing", [])],
    }
    if not cands:
        out.update(fmax_mhz=None, meets_target=None, worst=None)
        return out
    ns, name, v = max(cands, key=lambda c: c[0])
    out["fmax_mhz"] = round(1000.0 / ns, 1) if ns > 0 else None
    meets = out["fmax_mhz"] is None or out["fmax_mhz"] >= target_mhz
    # an unverified instance could be the slowest: meeting the target cannot be claimed (None = unknown)
    out["meets_target"] = None if meets and out["unverified"] else meets
    out["worst"] = {
        "instance": name,
        "layer": v["layer"],
        "lut_levels": v["lut_levels"],
        "carry_cells": v["carry_cells"],
        "ns": v["ns"],
        "from": v["from"],
        "to": v["to"],
    }
    return out


def timing_line(t: dict) -> str:
    """One line: design fmax, target, worst layer + path."""
    if not t.get("worst"):
        return "Timing estimate: no synthesized instance"
    w = t["worst"]
    flat = "" if t.get("flattened") else f" (flattened top not analysed: {t.get('flattened_note')})"
    verdict = {True: "meets", False: "BELOW", None: "UNKNOWN vs"}[t["meets_target"]]
    if t.get("unverified"):
        flat += f"; no estimate for {', '.join(t['unverified'])} (Yosys did not finish)"
    return (
        f"Timing estimate ({t['family']}, Yosys logic depth, not Vivado): fmax {t['fmax_mhz']:g} MHz, "
        f"{verdict} target {t['target_mhz']:g} MHz; worst {w['layer']} ({w['instance']}): "
        f"{w['lut_levels']} LUT + {w['carry_cells']} carry = {w['ns']:.2f} ns, {w['from']} -> {w['to']}{flat}"
    )


def timing_warning(t: dict) -> str | None:
    """Warning text when the estimate is below the target clock (names the layer and the path)."""
    if t.get("meets_target") is not False:
        return None
    w = t["worst"]
    return (
        f"timing estimate {t['fmax_mhz']:g} MHz is below the {t['target_mhz']:g} MHz target: layer "
        f"{w['layer']} ({w['instance']}), {w['lut_levels']} LUT levels + {w['carry_cells']} carry cells "
        f"= {w['ns']:.2f} ns from {w['from']} to {w['to']}"
    )


def timing_markdown(t: dict) -> str:
    """report.md section: the summary line and one row per instance."""
    lines = [
        "## Timing estimate (Yosys logic depth; only Vivado confirms)",
        "",
        timing_line(t),
        "",
        f"Delay model {t['family']}: {t['delay_model']['source']}",
        "",
        "| instance | layer | LUT levels | carry cells | est. ns | est. fmax MHz | path |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    rows = list(t["instances"].items())
    if t.get("flattened"):
        rows.append(("top (flattened)", {**t["flattened"], "layer": "-"}))
    for name, v in rows:
        lines.append(
            f"| {name} | {v['layer']} | {v['lut_levels']} | {v['carry_cells']} | {v['ns']:.2f} | "
            f"{v['fmax_mhz']:g} | {v['from']} -> {v['to']} |"
        )
    return "\n".join(lines) + "\n"
