"""Each FINN+ workaround in finn_compat is still needed and still works with the installed finn-plus."""

from __future__ import annotations

import importlib
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

from pcnn_hw.compile import finn_compat


def _fresh(code: str, tmp_path: Path) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter (import-time behaviour needs a clean sys.modules)."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)


def test_version_pinned() -> None:
    """The workarounds were written for this finn-plus; a new version must be re-checked."""
    assert version("finn-plus") == finn_compat.FINN_PLUS_VERSION


def test_simengine_still_needs_standin(tmp_path: Path) -> None:
    """Without the stand-in, ``from finn.xsi import SimEngine`` still fails without Vivado."""
    code = (
        "from pathlib import Path; from pcnn_hw.compile import finn_compat;"
        "finn_compat._init_settings(Path(r'%s')); from finn.xsi import SimEngine" % (tmp_path / "finn")
    )
    r = _fresh(code, tmp_path)
    assert r.returncode != 0 and "XILINX_VIVADO" in r.stderr


def test_mip_still_missing_and_needed(tmp_path: Path) -> None:
    """``mip`` is not installed and the builder config module still imports it."""
    r = _fresh("import finn.builder.build_dataflow_config", tmp_path)
    assert r.returncode != 0 and "mip" in r.stderr


def test_builder_steps_still_unimportable(tmp_path: Path) -> None:
    """finn.builder.build_dataflow_steps needs onnx_passes (undeclared, absent): we use transformations.

    When this fails, finn.builder became importable: reconsider using its steps (and exit_buildflow).
    """
    code = (
        "from pcnn_hw.compile import finn_compat; finn_compat.prepare_finn(r'%s');"
        "import finn.builder.build_dataflow_steps" % (tmp_path / "finn")
    )
    r = _fresh(code, tmp_path)
    assert r.returncode != 0 and "onnx_passes" in r.stderr


def test_prepare_finn_works(tmp_path: Path) -> None:
    """After prepare_finn the FINN modules we use import, settings point into our dir, ~/.finn untouched."""
    code = (
        "from pcnn_hw.compile import finn_compat; finn_compat.prepare_finn(r'%s');"
        "from finn.xsi import SimEngine; assert SimEngine is finn_compat.SimEngineStandIn;"
        "import finn.builder.custom_step_library.general;"
        "from finn.util.basic import make_build_dir; print(make_build_dir('x'))" % (tmp_path / "finn")
    )
    r = _fresh(code, tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().startswith(str(tmp_path / "finn"))
    assert not (tmp_path / ".finn").exists()


def test_psutil_importable() -> None:
    """finn-plus imports psutil without declaring it; our requirements provide it."""
    importlib.import_module("psutil")
