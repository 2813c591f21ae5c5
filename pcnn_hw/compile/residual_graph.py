"""What makes a graph residual: join Adds before the HW conversion, fork/join nodes after it.

`is_join_add` / `has_residual_joins` decide whether the compiler runs the residual pass list
(:mod:`pcnn_hw.compile.residual`); `first_dag_node` / `check_chain_backend` / `chain_only` guard a
backend that supports chains only.
"""

from __future__ import annotations

from typing import Any

from pcnn_hw.core.datatypes import base_op_type

DAG_OPS = ("DuplicateStreams", "ElementwiseAdd")


def is_join_add(model: Any, node: Any) -> bool:
    """An Add of two dynamic tensors (a residual join), as opposed to adding a constant."""
    return (node.op_type == "Add" and len(node.input) == 2
            and all(model.get_initializer(i) is None for i in node.input))


def has_residual_joins(model: Any) -> bool:
    """True when the graph contains an Add of two dynamic tensors."""
    return any(is_join_add(model, n) for n in model.graph.node)


def first_dag_node(model: Any) -> Any | None:
    """The first fork or join node (DuplicateStreams / ElementwiseAdd, any variant), or None for a chain."""
    for node in model.graph.node:
        if base_op_type(node.op_type) in DAG_OPS:
            return node
    return None


def check_chain_backend(model: Any, backend: str) -> None:
    """Raise UnsupportedOpError naming the first fork/join node if `backend` (chains only) gets a DAG."""
    from pcnn_hw.errors import UnsupportedOpError

    node = first_dag_node(model)
    if node is not None:
        raise UnsupportedOpError(
            f"node {node.name!r} ({node.op_type}): the {backend} backend is not supported for residual "
            "graphs yet (forks and joins); build without it, verify with the simulator levels")


def chain_only(step: Any, backend: str) -> Any:
    """`step` (a compile Step of a chain-only backend) preceded by check_chain_backend on its input."""
    from dataclasses import replace

    def run(model: Any, ctx: Any) -> Any:
        check_chain_backend(model, backend)
        return step.fn(model, ctx)

    return replace(step, fn=run)
