"""The package-level import graph of ``pcnn_hw`` is acyclic and follows the documented layering.

Every module under ``pcnn_hw/`` is parsed with :mod:`ast`; every ``import`` / ``from ... import``
anywhere in the file counts, including imports inside functions (they are the ones that hid the cycles
the #11 review found) and ``importlib.import_module("pcnn_hw....")`` calls with a literal name. Only
imports under ``if TYPE_CHECKING:`` are left out: they never run.

A node of the graph is a top-level subpackage or module of ``pcnn_hw`` (``pcnn_hw.sim``,
``pcnn_hw.errors``, ...): ``pcnn_hw.sim.native`` belongs to ``sim``, so importing it from ``layers`` is
an edge layers -> sim. The top-level console script ``pcnn_hw/cli.py`` lists its stages' CLI modules as
strings (it sits above everything and is not checked). Old-path aliases of moved modules (a file that
only re-binds ``sys.modules[__name__]`` to the new module) were all removed in #11; none may come back
(see :func:`alias_target`).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "pcnn_hw"

# Who may import whom (node -> allowed nodes). Read bottom-up: errors is the root; driver (board-side,
# numpy only) and core (plain data: stream formats, bit packing, datatypes) are leaves above it; the
# layer kinds use only core; the simulator runs layers; the HLS/RTL backends use the simulator for
# expected outputs; compile runs the backends as build steps; board drives RTL builds; verify collects
# the levels of every backend; explore/demo/the console script sit on top.
LOW = {"errors", "outputs", "signals"}
ALLOWED: dict[str, set[str]] = {
    "pcnn_hw": set(),
    "errors": set(),
    "outputs": {"errors"},
    "signals": {"errors"},
    "driver": {"errors"},
    "core": {"errors", "driver"},
    "data": LOW,
    "quant": LOW,
    "models": LOW | {"quant"},
    "train": LOW | {"data", "models", "quant"},
    "export": LOW | {"quant", "models"},
    "export_cli": LOW | {"data", "export", "train", "models", "quant"},
    "report": LOW | {"train", "core"},
    "compress": LOW | {"core"},
    "layers": LOW | {"core"},
    "graph": LOW | {"core", "layers"},
    "resources": LOW | {"core", "layers", "graph", "sim", "hls", "rtl"},  # models the backends
    "sim": LOW | {"core", "layers", "graph", "data"},
    "hls": LOW | {"core", "layers", "graph", "sim"},
    "rtl": LOW | {"core", "layers", "graph", "sim"},
    # compile/randnets builds the fuzzer's random torch nets (residual ones from models.resnet's blocks)
    "compile": LOW
    | {"core", "layers", "graph", "resources", "sim", "hls", "rtl", "report", "models", "quant"},
    "board": LOW | {"core", "driver", "layers", "graph", "sim", "rtl", "hls", "compile", "data"},
    "verify": LOW
    | {"core", "layers", "graph", "sim", "hls", "rtl", "compile", "board", "data", "train", "models"},
    "explore": LOW
    | {"core", "layers", "graph", "sim", "hls", "rtl", "compile", "board", "verify", "data", "train",
       "models", "quant", "export", "report"},
    "demo": LOW | {"cli"},
    "cli": LOW,
}


def _module_name(path: Path) -> tuple[str, bool]:
    """Dotted name of a source file and whether it is a package ``__init__``."""
    parts = list(path.relative_to(PKG.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported(tree: ast.AST, mod: str, is_pkg: bool) -> list[tuple[str, int]]:
    """(imported module name, line) for every import in `tree`, TYPE_CHECKING blocks excluded."""
    out: list[tuple[str, int]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            out.extend((a.name, node.lineno) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = mod.split(".") if is_pkg else mod.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            out.append((name, node.lineno))
            # `from pcnn_hw import sim` imports the subpackage sim
            out.extend((f"{name}.{a.name}", node.lineno) for a in node.names if name == "pcnn_hw")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            out.append((node.args[0].value, node.lineno))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return out


def alias_target(tree: ast.Module) -> str | None:
    """The module an old-path alias stands for, or None when the file is not one.

    An alias (kept so that code outside the package still finds a moved module under its old name) is
    exactly: a docstring, ``import sys``, ``from pcnn_hw.X import m as _moved`` and
    ``sys.modules[__name__] = _moved``. It holds no code, so it cannot hide a dependency; its edge is
    left out of the graph, and no pcnn_hw module may import it (`test_nothing_imports_an_alias`).
    """
    body = [n for n in tree.body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
    if len(body) != 3:
        return None
    imp, frm, assign = body
    ok = (
        isinstance(imp, ast.Import)
        and [a.name for a in imp.names] == ["sys"]
        and isinstance(frm, ast.ImportFrom)
        and (frm.module or "").startswith("pcnn_hw.")
        and len(frm.names) == 1
        and frm.names[0].asname == "_moved"
        and isinstance(assign, ast.Assign)
        and ast.unparse(assign) == "sys.modules[__name__] = _moved"
    )
    return f"{frm.module}.{frm.names[0].name}" if ok else None


def aliases() -> dict[str, str]:
    """Old module name -> the module it now is, for every alias file under pcnn_hw/."""
    out = {}
    for path in sorted(PKG.rglob("*.py")):
        target = alias_target(ast.parse(path.read_text(encoding="utf-8")))
        if target is not None:
            out[_module_name(path)[0]] = target
    return out


def _node(mod: str) -> str:
    parts = mod.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def import_edges() -> dict[tuple[str, str], list[str]]:
    """(importer node, imported node) -> ["file:line imported.module", ...] over all of pcnn_hw."""
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in sorted(PKG.rglob("*.py")):
        mod, is_pkg = _module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        if mod == "pcnn_hw.cli" or alias_target(tree) is not None:
            continue
        for name, line in _imported(tree, mod, is_pkg):
            if name == "pcnn_hw" or not name.startswith("pcnn_hw."):
                continue
            a, b = _node(mod), _node(name)
            if a != b:
                edges[(a, b)].append(f"{path.relative_to(PKG.parent)}:{line} {name}")
    return edges


def find_cycles(edges: dict[tuple[str, str], list[str]]) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan), each sorted, in order."""
    graph: dict[str, set[str]] = defaultdict(set)
    for a, b in edges:
        graph[a].add(b)
        graph.setdefault(b, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    sccs: list[list[str]] = []

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                sccs.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    return sorted(sccs)


def _shortest_cycle(edges: dict[tuple[str, str], list[str]], start: str) -> list[str]:
    """A shortest path start -> ... -> start (breadth first), [] if none."""
    prev: dict[str, str] = {}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for a, b in sorted(edges):
                if a != v:
                    continue
                if b == start:
                    path = [v]
                    while path[-1] != start:
                        path.append(prev[path[-1]])
                    return [start, *reversed(path[:-1]), start] if v != start else [start, start]
                if b not in prev:
                    prev[b] = v
                    nxt.append(b)
        frontier = nxt
    return []


def describe(edges: dict[tuple[str, str], list[str]], cycles: list[list[str]]) -> str:
    """Every edge inside each cycle, with the import lines that make it."""
    lines = []
    for comp in cycles:
        lines.append("strongly connected: " + ", ".join(comp))
        pairs = sorted((a, b) for a, b in edges if a < b and (b, a) in edges and a in comp)
        lines.extend(f"  cycle: {a} <-> {b}" for a, b in pairs)
        path = " -> ".join(_shortest_cycle(edges, comp[0]))
        lines.append(f"  shortest cycle through {comp[0]}: {path}")
        for (a, b), where in sorted(edges.items()):
            if a in comp and b in comp:
                lines.append(f"  {a} -> {b}: " + "; ".join(where[:3]) + (" ..." if len(where) > 3 else ""))
    return "\n".join(lines)


def test_graph_sees_function_level_and_relative_imports() -> None:
    """The parser counts imports inside functions, relative imports and import_module literals, and
    skips TYPE_CHECKING blocks (so the acyclicity test below cannot pass by missing an import)."""
    src = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from pcnn_hw.verify import x\n"
        "def f():\n    from pcnn_hw.sim.executor import Simulator\n"
        "    import importlib\n    importlib.import_module('pcnn_hw.rtl.flow')\n"
        "from ..hls import plan\n"
    )
    got = {n for n, _ in _imported(ast.parse(src), "pcnn_hw.board.level", False)}
    assert {"pcnn_hw.sim.executor", "pcnn_hw.rtl.flow", "pcnn_hw.hls"} <= got
    assert "pcnn_hw.verify" not in {_node(n) for n in got if n.startswith("pcnn_hw.")}
    edges = {("a", "b"): ["x"], ("b", "c"): ["y"], ("c", "a"): ["z"], ("c", "d"): ["w"]}
    assert find_cycles(edges) == [["a", "b", "c"]]


def test_package_imports_are_acyclic() -> None:
    """No import cycle between pcnn_hw's top-level packages (function-level imports included)."""
    edges = import_edges()
    cycles = find_cycles(edges)
    if cycles:
        pytest.fail("import cycles between pcnn_hw packages:\n" + describe(edges, cycles))


def test_package_layering() -> None:
    """Every package imports only the packages its layer allows (core is a leaf, layers use only core,
    backends never import verify, ...)."""
    bad = []
    for (a, b), where in sorted(import_edges().items()):
        if a not in ALLOWED:
            bad.append(f"{a}: new package, add it to ALLOWED in tests/test_imports.py")
        elif b not in ALLOWED[a]:
            bad.append(f"{a} -> {b}: {'; '.join(where[:3])}")
    if bad:
        pytest.fail("imports outside the layering:\n" + "\n".join(bad))


def test_no_old_path_aliases() -> None:
    """Moved modules have one name: no old-path alias file (docstring, ``import sys``, ``from pcnn_hw.X
    import m as _moved``, ``sys.modules[__name__] = _moved``) is left under pcnn_hw/."""
    old = aliases()
    if old:
        pytest.fail("old-path aliases left (import the new module instead):\n"
                    + "\n".join(f"{a} -> {b}" for a, b in sorted(old.items())))


@pytest.mark.parametrize("pkg", ["driver", "core"])
def test_module_imports_acyclic_inside(pkg: str) -> None:
    """Inside the leaf packages no module cycle either (board driver <-> pynq_backend was one)."""
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    root = PKG / pkg
    if not root.is_dir():
        pytest.fail(f"{root} missing")
    for path in sorted(root.rglob("*.py")):
        mod, is_pkg = _module_name(path)
        for name, line in _imported(ast.parse(path.read_text(encoding="utf-8")), mod, is_pkg):
            if name.startswith(f"pcnn_hw.{pkg}.") and name != mod:
                edges[(mod, name)].append(f"{path.name}:{line}")
    cycles = find_cycles(edges)
    assert not cycles, describe(edges, cycles)
