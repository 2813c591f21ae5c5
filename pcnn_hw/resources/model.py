"""Resource model of our RTL: LUT / FF / DSP linear in the features of :mod:`pcnn_hw.resources.features`
(coefficients least-squares fitted to Yosys ``synth_xilinx`` runs, package data ``fit.json``), BRAM
from the block memories' tiling.

    from pcnn_hw.resources import estimate
    estimate(rtl_layer)            # RtlLayer (pcnn_hw.rtl.spec) or stitched Instance -> Resources

The fit (:func:`fit_kind`) is a non-negative least squares on *relative* residuals (each run's row
divided by its Yosys count), so small and large layers weigh alike and every coefficient stays a
physical cost (LUTs per lane, FFs per accumulator bit, ...). ``benchmarks/resource_fit.py`` re-creates
``fit.json`` after an RTL change in one command.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from pcnn_hw.errors import ModelFileError
from pcnn_hw.resources.features import brams, features, kind_of

TARGETS = ("LUT", "FF", "DSP")
FIT_FILE = "fit.json"


@dataclass(frozen=True)
class Resources:
    """Estimated resources of one instance (or a sum)."""

    lut: float = 0.0
    ff: float = 0.0
    ramb18: int = 0
    ramb36: int = 0
    dsp: float = 0.0

    @property
    def bram36(self) -> float:
        """BRAM in RAMB36 equivalents (RAMB36 + RAMB18 / 2)."""
        return self.ramb36 + self.ramb18 / 2

    def __add__(self, o: Resources) -> Resources:
        return Resources(self.lut + o.lut, self.ff + o.ff, self.ramb18 + o.ramb18, self.ramb36 + o.ramb36,
                         self.dsp + o.dsp)

    def to_dict(self) -> dict[str, float]:
        """Report row (model_* keys are added by the report)."""
        return {"LUT": round(self.lut), "FF": round(self.ff), "RAMB18": self.ramb18, "RAMB36": self.ramb36,
                "BRAM36": self.bram36, "DSP": round(self.dsp)}


def rom_shapes(x: Any) -> list[tuple[int, int, str]]:
    """[(width, depth, style)] of an RtlLayer / Instance's ROMs, or of stored dict rows."""
    out = []
    for r in getattr(x, "roms", None) or []:
        if isinstance(r, dict):
            out.append((int(r["width"]), int(r["depth"]), str(r["style"])))
        else:
            out.append((int(r.width), int(r.depth), str(r.style)))
    return out


def fit_kind(rows: list[dict[str, Any]], target: str, floor: float = 8.0,
             only: tuple[str, ...] | None = None) -> dict[str, float]:
    """NNLS coefficients of ``target`` over the feature rows {'features': {...}, 'yosys': {...}}
    (only the features in ``only`` when given)."""
    from scipy.optimize import nnls

    names = sorted({k for r in rows for k in r["features"] if only is None or k in only})
    a = np.array([[r["features"].get(k, 0.0) for k in names] for r in rows], dtype=np.float64)
    y = np.array([float(r["yosys"][target]) for r in rows], dtype=np.float64)
    w = 1.0 / np.maximum(y, floor)
    coef, _ = nnls(a * w[:, None], y * w)
    return {k: float(c) for k, c in zip(names, coef, strict=True)}


@lru_cache(maxsize=4)
def load_fit(text: str | None = None) -> dict[str, Any]:
    """The fitted coefficients (package data ``fit.json`` unless ``text`` is given)."""
    if text is None:
        try:
            text = resources.files("pcnn_hw.resources").joinpath(FIT_FILE).read_text()
        except FileNotFoundError:
            raise ModelFileError(
                "pcnn_hw/resources/fit.json is missing: run `python benchmarks/resource_fit.py`"
            ) from None
    fit = json.loads(text)
    if "kinds" not in fit or "yosys" not in fit:
        raise ModelFileError("pcnn_hw/resources/fit.json: expected keys 'kinds' and 'yosys'")
    return fit


def estimate_parts(module: str, params: dict[str, Any], roms: list[tuple[int, int, str]],
                   fit: dict[str, Any] | None = None) -> Resources:
    """Estimate from the module name, its parameters and ROM shapes (no ROM contents needed)."""
    fit = fit or load_fit()
    kind = kind_of(module, params)
    coefs = fit["kinds"].get(kind)
    if coefs is None:
        raise ModelFileError(f"pcnn_hw/resources/fit.json has no coefficients for kind {kind!r} ({module})")
    f = features(module, params, roms)
    val = {t: max(0.0, sum(c * f.get(k, 0.0) for k, c in coefs.get(t, {}).items())) for t in TARGETS}
    r18, r36 = brams(module, params, roms)
    return Resources(val["LUT"], val["FF"], r18, r36, float(round(val["DSP"])))


def estimate(x: Any, fit: dict[str, Any] | None = None) -> Resources:
    """Estimated resources of an :class:`~pcnn_hw.core.hwspec.RtlLayer` or stitched ``Instance``."""
    return estimate_parts(str(x.module), dict(x.params), rom_shapes(x), fit)


def estimate_design(instances: list[Any], fit: dict[str, Any] | None = None) -> Resources:
    """Sum over a design's instances (layers, FIFOs, width converters)."""
    total = Resources()
    for inst in instances:
        total = total + estimate(inst, fit)
    return total
