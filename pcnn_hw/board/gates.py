"""What `pcnn-hw bitstream` refuses before writing a script (the timing contract, docs/CONTRACTS.md).

Reads `build/NAME/report.json`:
* no `"rtl"` section → BoardError "run pcnn-hw build --rtl" (the block design needs the stitched RTL);
* a `"timing"` section (written by the RTL timing level, `pcnn_hw.rtl.timing`) whose `fmax_mhz` is
  below the build clock → BoardError naming `worst.layer`, the instance and the path (`from` → `to`),
  unless `allow_timing_risk` (then a warning line on stderr);
* a malformed report → BoardError naming the file and the key.
No `"timing"` section (RTL built before the timing level existed) passes: Vivado's WNS gate remains.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pcnn_hw.errors import BoardError

REPORT_FILE = "report.json"


def _report(build_dir: Path) -> dict:
    path = build_dir / REPORT_FILE
    if not path.is_file():
        raise BoardError(f"{path}: no build report; is {build_dir} a directory written by `pcnn-hw build`?")
    try:
        rep = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BoardError(f"{path}: unreadable build report ({exc})") from None
    if not isinstance(rep, dict):
        raise BoardError(f"{path}: build report is not a JSON object")
    return rep


def timing_risk(build_dir: Path, clock_mhz: float) -> str | None:
    """Why the timing estimate says the design misses `clock_mhz` (None when it meets it or is absent)."""
    path = build_dir / REPORT_FILE
    timing = _report(build_dir).get("timing")
    if timing is None:
        return None
    try:
        fmax = float(timing["fmax_mhz"])
        target = float(timing.get("target_mhz", clock_mhz))
        worst = timing["worst"]
        layer, inst = str(worst["layer"]), str(worst.get("instance", "?"))
        where = f"{worst.get('from', '?')} -> {worst.get('to', '?')}"
        levels, ns = worst.get("lut_levels", "?"), worst.get("ns", "?")
    except (KeyError, TypeError, ValueError) as exc:
        raise BoardError(f"{path}: malformed timing section ({type(exc).__name__}: {exc})") from None
    target = max(target, clock_mhz)
    unverified = [str(n) for n in timing.get("unverified") or []]
    if fmax >= target and unverified:
        return (
            f"no timing estimate for {', '.join(unverified)} (Yosys did not finish it and the flattened "
            f"top was not analysed); the other instances reach {fmax:.1f} MHz"
        )
    if fmax >= target:
        return None
    return (
        f"estimated fmax {fmax:.1f} MHz < {target:g} MHz clock: worst path in layer {layer} "
        f"(instance {inst}, {where}, {levels} LUT levels, {ns} ns)"
    )


def check_build(build_dir: Path, clock_mhz: float, allow_timing_risk: bool = False) -> None:
    """BoardError unless the build has RTL and (or `allow_timing_risk`) an estimate meeting the clock."""
    rep = _report(build_dir)
    if not rep.get("rtl"):
        raise BoardError(
            f"{build_dir / REPORT_FILE}: the build has no RTL; run `pcnn-hw build MODEL.onnx --rtl ...` "
            "first (the bitstream is built from the stitched Verilog)"
        )
    risk = timing_risk(build_dir, clock_mhz)
    if risk is None:
        return
    if not allow_timing_risk:
        raise BoardError(
            f"{build_dir.name}: {risk}; Vivado would very likely miss timing. Lower the clock "
            "(`pcnn-hw build --clock-mhz`), or pass --allow-timing-risk to build anyway"
        )
    print(f"pcnn-hw bitstream: WARNING {risk} (--allow-timing-risk)", file=sys.stderr)
