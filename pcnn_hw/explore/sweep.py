"""Sweep files of `pcnn-hw explore`: TOML with a ``[sweep]`` table (how to explore) and an ``[axes]`` table
(what). Every pipeline setting in ``[axes]`` is a scalar (fixed for all trials) or a list (an axis); in
``mode = "search"`` a numeric setting may also be a range ``{low = .., high = .., log = true}``.

Parsing checks every key and value before any work starts and raises SweepError naming the file and
the key (``sweep.toml: axes.projections: ...``). TOML is read with the standard library's tomllib.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pcnn_hw.errors import SweepError

try:  # Python >= 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

MODES = ("grid", "search")
OBJECTIVES = {"accuracy": "maximize", "fps": "maximize", "lut": "minimize", "latency_us": "minimize"}
FOLDING_MODES = ("auto", "max")
# Settings that may be a search range, and whether they are integers.
RANGE_SETTINGS = {"projections": True, "epochs": True, "batch_size": True, "limit_train": True, "lam": False,
                  "eta": False, "lr": False, "lut_fraction": False, "target_fps": False, "clock_mhz": False}


def _int(lo: int) -> tuple[Callable[[Any], bool], str]:
    return (lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= lo), f"an integer >= {lo}"


def _num(lo: float, hi: float | None = None, lo_open: bool = False) -> tuple[Callable[[Any], bool], str]:
    def ok(v: Any) -> bool:
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            return False
        return (v > lo if lo_open else v >= lo) and (hi is None or v <= hi)

    where = f"{'(' if lo_open else '['}{lo:g}, {'inf)' if hi is None else f'{hi:g}]'}"
    return ok, f"a number in {where}"


def _choice(names: tuple[str, ...]) -> tuple[Callable[[Any], bool], str]:
    return (lambda v: isinstance(v, str) and v in names), f"one of {', '.join(names)}"


def _optional(check: tuple[Callable[[Any], bool], str]) -> tuple[Callable[[Any], bool], str]:
    return (lambda v: v is None or check[0](v)), check[1]


_STR = ((lambda v: isinstance(v, str) and bool(v)), "a non-empty string")
_BOOL = ((lambda v: isinstance(v, bool)), "true or false")


def _settings() -> dict[str, tuple[Any, tuple[Callable[[Any], bool], str], str]]:
    """Every setting of a trial: (default, (check, expected), stage). Registries imported lazily."""
    from pcnn_hw.core.boards import BOARDS
    from pcnn_hw.data import DATASET_NAMES
    from pcnn_hw.models import MODEL_NAMES
    from pcnn_hw.train.settings import DEFAULTS, SCHEDULES

    folding = ((lambda v: isinstance(v, str) and (v in FOLDING_MODES or v.endswith(".json"))),
               "auto, max or a FINN folding-config FILE.json")  # fmt: skip
    return {
        "model": (DEFAULTS["model"], _choice(MODEL_NAMES), "train"),
        "quant": ("pcnn", _choice(("pcnn", "sign")), "train"),
        "projections": (1, _int(1), "train"),
        "lam": (1e-4, _num(0.0), "train"),
        "eta": (1e-2, _num(0.0), "train"),
        "per_channel_scale": (False, _BOOL, "train"),
        "dataset": (DEFAULTS["dataset"], _choice(DATASET_NAMES), "train"),
        "data_root": (None, _optional(_STR), "train"),
        "epochs": (1, _int(1), "train"),
        "batch_size": (DEFAULTS["batch_size"], _int(1), "train"),
        "lr": (DEFAULTS["lr"], _num(0.0, lo_open=True), "train"),
        "seed": (DEFAULTS["seed"], _int(0), "train"),
        "limit_train": (None, _optional(_int(1)), "train"),
        "schedule": (DEFAULTS["schedule"], _choice(SCHEDULES), "train"),
        "board": ("pynq-z2", _choice(tuple(BOARDS)), "build"),
        "folding": ("auto", folding, "build"),
        "target_fps": (None, _optional(_num(0.0, lo_open=True)), "build"),
        "lut_fraction": (0.85, _num(0.0, 1.0, lo_open=True), "build"),
        "clock_mhz": (None, _optional(_num(0.0, lo_open=True)), "build"),
        "rtl": (False, _BOOL, "build"),
    }


@dataclass(frozen=True)
class Range:
    """A numeric search range (mode = "search" only): low..high, log-uniform if `log`, ints if `integer`."""

    low: float
    high: float
    log: bool = False
    integer: bool = False


@dataclass
class Sweep:
    """A parsed sweep file: how to explore (mode, budget, seed) and the fixed settings and axes."""

    path: Path
    mode: str = "grid"
    trials: int | None = None
    seed: int = 0
    verify_images: int = 100
    objectives: tuple[str, ...] = ("accuracy", "fps", "lut")
    fixed: dict[str, Any] = field(default_factory=dict)
    axes: dict[str, list[Any] | Range] = field(default_factory=dict)

    @property
    def directory(self) -> Path:
        """Folder of the sweep file: relative paths in it (folding files, data_root) start here."""
        return self.path.parent

    def grid(self) -> list[dict[str, Any]]:
        """Every combination of the list axes (grid mode), in file order, each a full settings dict."""
        names = list(self.axes)
        combos = itertools.product(*(self.axes[n] for n in names))
        return [{**self.fixed, **dict(zip(names, values, strict=True))} for values in combos]

    def suggest(self, trial: Any) -> dict[str, Any]:
        """One trial's settings drawn by an Optuna trial (search mode)."""
        chosen: dict[str, Any] = {}
        for name, axis in self.axes.items():
            if isinstance(axis, Range) and axis.integer:
                chosen[name] = trial.suggest_int(name, int(axis.low), int(axis.high), log=axis.log)
            elif isinstance(axis, Range):
                chosen[name] = trial.suggest_float(name, axis.low, axis.high, log=axis.log)
            else:
                chosen[name] = axis[trial.suggest_categorical(name, list(range(len(axis))))]
        return {**self.fixed, **chosen}

    def sha256(self) -> str:
        """Hash of the sweep file's bytes (recorded in the output manifest)."""
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def _fail(path: Path, key: str, message: str) -> SweepError:
    return SweepError(f"{path}: {key}: {message}")


def _parse_range(path: Path, key: str, value: dict, integer: bool) -> Range:
    unknown = sorted(set(value) - {"low", "high", "log"})
    if unknown:
        raise _fail(path, f"{key}.{unknown[0]}", "unknown range key; a range has low, high and log")
    if "low" not in value or "high" not in value:
        raise _fail(path, key, "a range needs both low and high")
    low, high, log = value["low"], value["high"], value.get("log", False)
    num = (int,) if integer else (int, float)
    if not all(isinstance(v, num) and not isinstance(v, bool) for v in (low, high)) or not low < high:
        kind = "integers" if integer else "numbers"
        raise _fail(path, key, f"range low and high must be {kind} with low < high, got {low!r}..{high!r}")
    if not isinstance(log, bool) or (log and low <= 0):
        raise _fail(path, f"{key}.log", "log must be true or false, and a log range needs low > 0")
    return Range(float(low), float(high), log, integer)


def _parse_axes(path: Path, table: Any, mode: str) -> tuple[dict[str, Any], dict[str, list | Range]]:
    if not isinstance(table, dict):
        raise _fail(path, "axes", "must be a table of settings")
    specs = _settings()
    fixed = {name: spec[0] for name, spec in specs.items()}
    axes: dict[str, list | Range] = {}
    for name, value in table.items():
        key = f"axes.{name}"
        if name not in specs:
            raise _fail(path, key, f"unknown setting; known: {', '.join(sorted(specs))}")
        _, (check, expected), _ = specs[name]
        if isinstance(value, dict):
            if mode != "search":
                raise _fail(path, key, 'a range {low, high} needs mode = "search" in [sweep]')
            if name not in RANGE_SETTINGS:
                raise _fail(path, key, f"only numeric settings can be a range ({', '.join(RANGE_SETTINGS)})")
            axes[name] = rng = _parse_range(path, key, value, RANGE_SETTINGS[name])
            for bound in ("low", "high"):
                v = getattr(rng, bound)
                if not check(int(v) if rng.integer else v):
                    raise _fail(path, f"{key}.{bound}", f"must be {expected}, got {v!r}")
            continue
        values = value if isinstance(value, list) else [value]
        if not values:
            raise _fail(path, key, "an axis needs at least one value")
        for i, v in enumerate(values):
            if not check(v):
                where = f"{key}[{i}]" if isinstance(value, list) else key
                raise _fail(path, where, f"must be {expected}, got {v!r}")
        if isinstance(value, list) and len(values) > 1:
            axes[name] = values
        else:
            fixed[name] = values[0]
    for name in ("folding", "data_root"):
        for v in _values(fixed, axes, name):
            if isinstance(v, str) and v.endswith(".json") and not (path.parent / v).is_file():
                raise _fail(path, f"axes.{name}", f"file {path.parent / v} not found")
    folds = [v for v in _values(fixed, axes, "folding") if v != "auto"]
    if folds and any(v is not None for v in _values(fixed, axes, "target_fps")):
        raise _fail(path, "axes.target_fps", f"cannot be combined with folding {folds[0]!r} (use auto)")
    return fixed, axes


def _values(fixed: dict, axes: dict, name: str) -> list[Any]:
    axis = axes.get(name)
    return list(axis) if isinstance(axis, list) else ([] if axis is not None else [fixed[name]])


def load_sweep(path: str | Path) -> Sweep:
    """Parse and check a sweep file; SweepError names the file and the first bad key."""
    path = Path(path).resolve()
    if not path.is_file():
        raise SweepError(f"{path}: no such sweep file")
    try:
        doc = tomllib.loads(path.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SweepError(f"{path}: not valid TOML: {exc}") from exc
    unknown = sorted(set(doc) - {"sweep", "axes"})
    if unknown:
        raise _fail(path, unknown[0], "unknown table; a sweep file has [sweep] and [axes]")
    head = doc.get("sweep", {})
    if not isinstance(head, dict):
        raise _fail(path, "sweep", "must be a table")
    known = {"mode", "trials", "seed", "verify_images", "objectives"}
    for name in sorted(set(head) - known):
        raise _fail(path, f"sweep.{name}", f"unknown key; known: {', '.join(sorted(known))}")
    mode = head.get("mode", "grid")
    if mode not in MODES:
        raise _fail(path, "sweep.mode", f"must be one of {', '.join(MODES)}, got {mode!r}")
    sweep = Sweep(path, mode)
    for name in ("trials", "seed", "verify_images"):
        if name in head:
            check, expected = _int(0 if name == "seed" else 1)
            if not check(head[name]):
                raise _fail(path, f"sweep.{name}", f"must be {expected}, got {head[name]!r}")
            setattr(sweep, name, head[name])
    if mode == "search" and sweep.trials is None:
        raise _fail(path, "sweep.trials", 'mode = "search" needs a trial budget (trials = N)')
    objectives = head.get("objectives", list(sweep.objectives))
    if not isinstance(objectives, list) or not objectives or any(o not in OBJECTIVES for o in objectives):
        known_objectives = ", ".join(OBJECTIVES)
        raise _fail(path, "sweep.objectives", f"must be a list of {known_objectives}, got {objectives!r}")
    sweep.objectives = tuple(objectives)
    if "axes" not in doc:
        raise _fail(path, "axes", "missing: the [axes] table names the settings to explore")
    sweep.fixed, sweep.axes = _parse_axes(path, doc["axes"], mode)
    return sweep


def setting_names() -> list[str]:
    """Every trial setting, in the order the table shows them."""
    return list(_settings())

