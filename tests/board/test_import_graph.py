"""The board-side driver (`pcnn_hw.driver`) imports nothing heavy and nothing numpy-2-only (it runs on
a PYNQ image); the old `pcnn_hw.board.*` driver paths are the same modules."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from pcnn_hw.board.deploy import BOARD_SIDE_DIR, BOARD_SIDE_MODULES, SCRIPT

REPO = Path(__file__).resolve().parents[2]
DRIVER = REPO / BOARD_SIDE_DIR
HEAVY = (
    "torch",
    "brevitas",
    "finn",
    "qonnx",
    "onnx",
    "onnxruntime",
    "scipy",
    "sklearn",
    "pcnn_hw.sim",
    "pcnn_hw.layers",
    "pcnn_hw.compile",
    "pcnn_hw.rtl",
    "pcnn_hw.hls",
    "pcnn_hw.core",
    "pcnn_hw.graph",
    "pcnn_hw.verify",
    "pcnn_hw.board",
)
NUMPY2_ONLY = {"bitwise_count", "unstack", "cumulative_sum", "cumulative_prod", "astype"}
ALLOWED_TOP = {
    "__future__",
    "argparse",
    "importlib",
    "json",
    "sys",
    "time",
    "pathlib",
    "dataclasses",
    "typing",
    "numpy",
    "pynq",
    "pcnn_hw",
}


def test_runtime_import_graph() -> None:
    """Importing the driver package and every board-side module loads no heavy or host package."""
    mods = ", ".join(f"pcnn_hw.driver.{m[:-3]}" for m in BOARD_SIDE_MODULES if m != "__init__.py")
    code = f"import sys, pcnn_hw.driver, {mods}\nprint('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    bad = [m for m in out if any(m == h or m.startswith(h + ".") for h in HEAVY)]
    assert not bad, bad


def test_static_imports_and_numpy2_calls() -> None:
    """Board-side sources import only the stdlib subset, numpy, pynq and pcnn_hw.driver/errors (function-
    level imports included); no numpy-2-only calls such as np.bitwise_count. Every .py file of the
    driver package is shipped, so nothing board-side is left out of the deployment zip."""
    assert sorted(p.name for p in DRIVER.glob("*.py")) == sorted((*BOARD_SIDE_MODULES, SCRIPT))
    for name in (*BOARD_SIDE_MODULES, SCRIPT):
        src = (DRIVER / name).read_text()
        ast.parse(src, feature_version=(3, 8))  # PYNQ images ship Python >= 3.8
        for node in ast.walk(ast.parse(src)):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "np":
                assert node.attr not in NUMPY2_ONLY, (name, node.attr)
            mods = []
            if isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                mods = [node.module]
            for m in mods:
                assert m.split(".")[0] in ALLOWED_TOP, (name, m)
                if m.startswith("pcnn_hw"):
                    assert m in ("pcnn_hw.errors", "pcnn_hw.driver") or (
                        m.startswith("pcnn_hw.driver.") and m.split(".")[2] + ".py" in BOARD_SIDE_MODULES
                    ), (name, m)


def test_old_board_paths_are_gone() -> None:
    """The driver lives only in `pcnn_hw.driver`: the old `pcnn_hw.board.driver` & co. aliases and the
    re-exports of `pcnn_hw.board` were removed (#11), so no second import path exists."""
    import importlib

    import pcnn_hw.board as board

    for m in ("driver", "packing", "spec", "pynq_backend"):
        with pytest.raises(ModuleNotFoundError):
            importlib.import_module(f"pcnn_hw.board.{m}")
    assert not hasattr(board, "Accelerator")
