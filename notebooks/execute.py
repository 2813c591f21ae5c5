"""Execute the walkthrough notebooks (nbclient + the venv's ipykernel); used by `make notebooks` and tests.

    python notebooks/execute.py [NOTEBOOK.ipynb ...] [-o build/notebooks] [--timeout 600]

Each notebook runs in its own working directory ``OUT/<name>/`` (its ``work/`` files land there) and the
executed copy, outputs included, is written to ``OUT/<name>.ipynb``; the committed notebooks stay stripped
(`stripped_problems` lists committed outputs, checked by tests/notebooks). The kernel imports pcnn_hw from
this checkout (its root is put first on the kernel's PYTHONPATH).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

NOTEBOOK_DIR = Path(__file__).resolve().parent
REPO = NOTEBOOK_DIR.parent


def notebooks() -> list[Path]:
    """The walkthroughs, in order."""
    return sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))


def stripped_problems(path: Path) -> list[str]:
    """Cells of a committed notebook that carry outputs or execution counts ([] when stripped)."""
    import nbformat

    book = nbformat.read(path, as_version=4)
    return [
        f"{path.name} cell {i}: has outputs or an execution count"
        for i, cell in enumerate(book.cells)
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count") is not None)
    ]


def execute(src: Path, out_dir: Path, timeout_s: float = 600.0) -> Path:
    """Run notebook `src` top to bottom in out_dir/<name>/; write the executed copy out_dir/<name>.ipynb."""
    import nbformat
    from nbclient import NotebookClient

    book = nbformat.read(src, as_version=4)
    work = out_dir / src.stem
    work.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    client = NotebookClient(book, timeout=int(timeout_s), kernel_name="python3",
                            resources={"metadata": {"path": str(work)}})
    try:
        client.execute(env=env)
    finally:
        out = out_dir / src.name
        nbformat.write(book, out)
    return out


def main(argv: list[str] | None = None) -> int:
    """Execute the given notebooks (default: all) and print the time of each."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("notebooks", nargs="*", type=Path)
    p.add_argument("-o", "--out", type=Path, default=REPO / "build" / "notebooks")
    p.add_argument("--timeout", type=float, default=600.0, help="seconds per cell (default 600)")
    args = p.parse_args(argv)
    for nb in args.notebooks or notebooks():
        t0 = time.perf_counter()
        out = execute(nb, args.out, args.timeout)
        print(f"{nb.name}: {time.perf_counter() - t0:.0f} s -> {out}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
