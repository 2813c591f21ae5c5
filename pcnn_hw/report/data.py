"""Read a build directory's records for the report page, tolerating every optional part.

Sources (each optional except ``report.json``): ``report.json`` (compiler: layers, totals, board,
``rtl`` and ``timing`` sections when the RTL was built), ``sim/rtl_report.json`` (Verilator run:
per-layer handshake counters), ``verify.json`` (the last ``pcnn-hw verify`` ladder), ``folded.onnx``
(memory-style attributes of the hardware nodes). Other helpers extend these files while this reads
them, so a missing or malformed section is dropped, never an error; only a directory that is not a
build at all raises :class:`BuildDirError`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pcnn_hw.errors import BuildDirError

REPORT_JSON = "report.json"
RTL_REPORT_JSON = "sim/rtl_report.json"
VERIFY_JSON = "verify.json"
# Node attributes that say how a layer stores its weights / buffers (FINN's names).
MEMORY_ATTRS = ("mem_mode", "ram_style", "ram_style_thresholds", "resType")


@dataclass
class BuildRecords:
    """Everything the report page shows, as read from one build directory."""

    build_dir: Path
    report: dict[str, Any]
    rtl_run: dict[str, Any] = field(default_factory=dict)  # sim/rtl_report.json, {} when absent
    verify: dict[str, Any] = field(default_factory=dict)  # verify.json, {} when absent
    node_attrs: dict[str, dict[str, str]] = field(default_factory=dict)  # layer -> memory attributes

    @property
    def name(self) -> str:
        """The build's directory name."""
        return self.build_dir.name

    @property
    def layers(self) -> list[dict[str, Any]]:
        """report.json's per-layer rows (dicts with at least a name)."""
        rows = self.report.get("layers")
        return [r for r in rows if isinstance(r, dict) and "name" in r] if isinstance(rows, list) else []

    @property
    def rtl(self) -> dict[str, Any]:
        """report.json["rtl"], {} when the build has no RTL."""
        return _section(self.report, "rtl")

    @property
    def timing(self) -> dict[str, Any]:
        """report.json["timing"] (see OWNERS timing contract), {} when absent."""
        return _section(self.report, "timing")

    @property
    def yosys_layers(self) -> dict[str, dict[str, Any]]:
        """Yosys resources per layer name (report.json rtl.yosys.layers), {} without synthesis."""
        ys = _section(self.rtl, "yosys")
        lay = ys.get("layers")
        return lay if isinstance(lay, dict) else {}

    @property
    def bottleneck(self) -> str | None:
        """Name of the slowest layer by the compiler's estimate."""
        b = self.report.get("bottleneck")
        if isinstance(b, dict) and isinstance(b.get("layer"), str):
            return b["layer"]
        rows = [r for r in self.layers if isinstance(r.get("cycles"), (int, float))]
        return max(rows, key=lambda r: r["cycles"])["name"] if rows else None

    @property
    def pipeline(self) -> list[dict[str, Any]]:
        """Verilator per-layer counters (busy, out_stall, in_starve, beats), [] without a run."""
        rows = self.rtl_run.get("layers")
        keys = ("layer", "busy", "out_stall", "in_starve")
        if not isinstance(rows, list):
            return []
        return [r for r in rows if isinstance(r, dict) and all(k in r for k in keys)]


def _section(d: dict[str, Any], key: str) -> dict[str, Any]:
    v = d.get(key)
    return v if isinstance(v, dict) else {}


def _read_json(path: Path) -> dict[str, Any]:
    """The JSON object in `path`, or {} when it is missing or not a readable object."""
    try:
        v = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return v if isinstance(v, dict) else {}


def _memory_attrs(folded: Path) -> dict[str, dict[str, str]]:
    """Memory-style node attributes of the folded graph's hardware layers ({} if unreadable)."""
    if not folded.is_file():
        return {}
    try:
        import onnx

        model = onnx.load(str(folded), load_external_data=False)
    except Exception:  # noqa: BLE001 - any unreadable graph just drops the column
        return {}
    out: dict[str, dict[str, str]] = {}
    for node in model.graph.node:
        attrs = {}
        for a in node.attribute:
            if a.name in MEMORY_ATTRS and a.s:
                attrs[a.name] = a.s.decode(errors="replace")
        if attrs:
            out[node.name] = attrs
    return out


def load_build(build_dir: str | Path) -> BuildRecords:
    """Read a build directory; BuildDirError when it is not one (no report.json with layers)."""
    d = Path(build_dir)
    if not d.is_dir():
        raise BuildDirError(f"{d}: no such build directory (run `pcnn-hw build ... -o {d}` first)")
    rep_path = d / REPORT_JSON
    if not rep_path.is_file():
        raise BuildDirError(f"{d}: not a build directory (no {REPORT_JSON}; run `pcnn-hw build ... -o {d}`)")
    report = _read_json(rep_path)
    if not isinstance(report.get("layers"), list):
        raise BuildDirError(f"{rep_path}: not a pcnn-hw build report (no 'layers' list)")
    return BuildRecords(
        build_dir=d,
        report=report,
        rtl_run=_read_json(d / RTL_REPORT_JSON),
        verify=_read_json(d / VERIFY_JSON),
        node_attrs=_memory_attrs(d / "folded.onnx"),
    )
