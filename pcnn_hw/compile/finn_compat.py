"""The one place that makes FINN+ (finn-plus 1.6.1) importable and usable without Xilinx tools.

Every workaround here is applied at runtime; nothing installed is edited. Each has a comment saying
why, and tests/compile/test_finn_compat.py fails when a newer finn-plus makes one unnecessary or
breaks it. Call :func:`prepare_finn` (idempotent) before importing anything from ``finn``.

We use FINN+'s transformations and analyses directly, not ``finn.builder``: in this environment
``finn.builder.build_dataflow_steps`` cannot be imported at all (it imports ``onnx_passes``, which
finn-plus does not declare and which is not installed), so ``exit_buildflow`` (which would need
``get_vivado_root()``/XILINX_VIVADO) is never reached and needs no workaround. The test suite checks
that this is still so, so a finn-plus that changes it is noticed.
"""

from __future__ import annotations

import importlib
import os
import sys
import types
from pathlib import Path

FINN_PLUS_VERSION = "1.6.1"

_prepared_dir: Path | None = None


class SimEngineStandIn:
    """Placeholder for ``finn.xsi.SimEngine`` (RTL simulation via Vivado's XSI).

    Why: ``finn.builder.build_dataflow_steps`` does ``from finn.xsi import SimEngine`` at import
    time; ``finn.xsi``'s lazy ``__getattr__`` then calls ``ensure_available()``, which raises
    ``OSError: XILINX_VIVADO environment variable not set``. We never run XSI simulation, so a
    class that fails loudly when *used* is enough.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        raise RuntimeError("FINN's XSI RTL simulation needs Vivado, which is not available here")


def _install_simengine_standin() -> None:
    """Bind ``finn.xsi.SimEngine`` to the stand-in unless a real one is already loaded."""
    xsi = importlib.import_module("finn.xsi")
    if "SimEngine" not in vars(xsi):
        xsi.SimEngine = SimEngineStandIn  # type: ignore[attr-defined]


def _check_psutil() -> None:
    """``psutil`` is imported by finn-plus (simulation_build) but not declared as its dependency.

    Why: finn-plus is installed with ``--no-deps`` (its brevitas pin breaks torch 2.13), so our
    requirements.txt pins psutil; fail here with a clear message rather than deep inside FINN.
    """
    try:
        importlib.import_module("psutil")
    except ImportError as exc:  # pragma: no cover - only without `make install`
        from pcnn_hw.errors import ToolMissingError

        raise ToolMissingError("psutil is missing (needed by finn-plus); run `make install`") from exc


def _mip_standin() -> types.ModuleType:
    """Build a stand-in for the ``mip`` package (python-mip, an ILP solver front end).

    Why: ``finn.builder.build_dataflow_config`` (and through it every builder step) does
    ``import mip`` at import time, for its multi-FPGA partitioner only, but finn-plus does not
    declare it and it is not installed here. We never partition over several FPGAs, so names that
    exist (and fail if a solver is actually requested) suffice.
    """
    import enum

    mod = types.ModuleType("mip")
    mod.__pcnn_standin__ = True  # type: ignore[attr-defined]
    mod.CBC, mod.GUROBI, mod.HIGHS = "CBC", "GUROBI", "HIGHS"  # type: ignore[attr-defined]
    mod.BINARY = "B"  # type: ignore[attr-defined]
    mod.SearchEmphasis = enum.IntEnum(  # type: ignore[attr-defined]
        "SearchEmphasis", {"DEFAULT": 0, "FEASIBILITY": 1, "OPTIMALITY": 2}
    )
    mod.OptimizationStatus = enum.IntEnum(  # type: ignore[attr-defined]
        "OptimizationStatus",
        {"OPTIMAL": 0, "ERROR": -1, "INFEASIBLE": 1, "NO_SOLUTION_FOUND": 4, "FEASIBLE": 3},
    )

    def _unavailable(*args: object, **kwargs: object) -> None:
        raise RuntimeError("python-mip is not installed; FINN's multi-FPGA partitioner is unavailable")

    for name in ("Model", "Var", "minimize", "maximize", "xsum"):
        setattr(mod, name, _unavailable)
    mod.exceptions = types.SimpleNamespace(InterfacingError=RuntimeError)  # type: ignore[attr-defined]
    return mod


def _install_mip_standin() -> None:
    """Register the ``mip`` stand-in in ``sys.modules`` unless the real package is importable."""
    if "mip" in sys.modules:
        return
    try:
        importlib.import_module("mip")
    except ImportError:
        sys.modules["mip"] = _mip_standin()


def _init_settings(finn_dir: Path) -> None:
    """Point FINN's settings (FINN_BUILD_DIR, FINN_SETTINGS) into ``finn_dir`` inside our build dir.

    Why: FINN's ``make_build_dir`` and the code generators read ``FINN_BUILD_DIR``; without
    ``FINN_SETTINGS`` FINN looks for ``~/.finn/settings.yaml`` and creates ``~/.finn``. We set both
    from our code (process-local, also inherited by FINN's worker processes) to paths inside the
    build directory; ``FINN_SETTINGS`` names a file that does not exist, so defaults are used.
    """
    from finn.interface.settings import FINNSettings
    from finn.util import settings as finn_settings

    finn_dir.mkdir(parents=True, exist_ok=True)
    settings_file = finn_dir / "settings_unused.yaml"  # deliberately absent: use FINN's defaults
    os.environ["FINN_SETTINGS"] = str(settings_file)
    os.environ["FINN_BUILD_DIR"] = str(finn_dir)
    finn_settings._SETTINGS = FINNSettings.init(  # noqa: SLF001 - FINN offers no setter
        override_settings_path=settings_file,
        flow_config=finn_dir / "flow.yaml",
        finn_build_dir=str(finn_dir),
        auto_set_environment_vars=False,
    )


def prepare_finn(finn_dir: str | Path) -> types.ModuleType:
    """Apply every FINN+ workaround and point FINN's scratch space at ``finn_dir``; return finn.

    Safe to call repeatedly; later calls only re-point the scratch directory.
    """
    global _prepared_dir
    finn_dir = Path(finn_dir).resolve()
    _check_psutil()
    if _prepared_dir is None:
        _install_mip_standin()
        _install_simengine_standin()
    _init_settings(finn_dir)
    _prepared_dir = finn_dir
    return sys.modules["finn"]
