"""The walkthrough notebooks: committed without outputs, and each runs top to bottom (nbclient).

`make test` executes the fast ones (02 method, 04 board, 05 compression: about a minute together);
01 quickstart (train → build → Verilator → full ladder) and 03 hardware (Yosys) are also `slow`, run by
`make test-all`. Select them all with `-m notebooks`.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks"
_spec = importlib.util.spec_from_file_location("nb_execute", NOTEBOOK_DIR / "execute.py")
nb_execute = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(nb_execute)

FAST = ("02_pcnn_method", "04_board", "05_compression")
SLOW = ("01_quickstart", "03_hardware")


def test_every_notebook_is_listed() -> None:
    assert sorted(p.stem for p in nb_execute.notebooks()) == sorted(FAST + SLOW)


@pytest.mark.parametrize("path", nb_execute.notebooks(), ids=lambda p: p.stem)
def test_committed_notebook_has_no_outputs(path: Path) -> None:
    assert nb_execute.stripped_problems(path) == []


def test_strip_check_catches_outputs(tmp_path: Path) -> None:
    book = json.loads((NOTEBOOK_DIR / "05_compression.ipynb").read_text())
    code = next(c for c in book["cells"] if c["cell_type"] == "code")
    code["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "x"}]
    code["execution_count"] = 1
    bad = tmp_path / "bad.ipynb"
    bad.write_text(json.dumps(book))
    assert len(nb_execute.stripped_problems(bad)) == 1


def _run(name: str, tmp_path: Path) -> None:
    import nbformat

    pytest.importorskip("nbclient", reason="nbclient not installed (pinned in requirements.txt)")
    pytest.importorskip("ipykernel", reason="ipykernel not installed (pinned in requirements.txt)")
    out = nb_execute.execute(NOTEBOOK_DIR / f"{name}.ipynb", tmp_path, timeout_s=600)
    book = nbformat.read(out, as_version=4)
    code = [c for c in book.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code)  # every cell ran
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert errors == []


@pytest.mark.notebooks
@pytest.mark.parametrize("name", FAST)
def test_notebook_runs(name: str, tmp_path: Path) -> None:
    _run(name, tmp_path)


@pytest.mark.notebooks
@pytest.mark.slow
@pytest.mark.parametrize("name", SLOW)
def test_slow_notebook_runs(name: str, tmp_path: Path) -> None:
    _run(name, tmp_path)
