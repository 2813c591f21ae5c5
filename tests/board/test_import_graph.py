"""The board-side driver imports nothing heavy and nothing numpy-2-only (it runs on a PYNQ image)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from pcnn_hw.board.deploy import BOARD_SIDE_MODULES

BOARD = Path(__file__).resolve().parents[2] / "pcnn_hw" / "board"
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
    """Importing the board package and the shipped script's modules loads no heavy package."""
    code = (
        "import sys, pcnn_hw.board, pcnn_hw.board.driver, pcnn_hw.board.pynq_backend, pcnn_hw.board.packing\n"
        "print('\\n'.join(sorted(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    bad = [m for m in out if any(m == h or m.startswith(h + ".") for h in HEAVY)]
    assert not bad, bad


def test_static_imports_and_numpy2_calls() -> None:
    """Board-side sources import only the stdlib subset, numpy, pynq and pcnn_hw.board/errors; no
    numpy-2-only calls such as np.bitwise_count."""
    for name in (*BOARD_SIDE_MODULES, "verify_on_board.py"):
        src = (BOARD / name).read_text()
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
                    assert m in ("pcnn_hw.errors",) or (
                        m.startswith("pcnn_hw.board.") and m.split(".")[2] + ".py" in BOARD_SIDE_MODULES
                    ), (name, m)
