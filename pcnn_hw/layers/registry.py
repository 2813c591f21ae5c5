"""The layer-kind registry: every hardware layer kind, where it lives, and where its backends live.

    from pcnn_hw.layers.registry import kind_of, backend, KINDS
    kind_of("ElementwiseAdd_hls")          # Kind('addstreams', ...): .op_types, .layer_cls, .module
    backend("ElementwiseAdd_hls", "rtl")   # the callable named in the kind's backends (imported lazily)

A kind is one module or folder of `pcnn_hw.layers` holding ``OP_TYPES`` (the graph op types it covers,
generic and ``_hls`` / ``_rtl``) and its layer class (semantics, folding, cycles, stream widths). Its
backends are named as ``"module:attribute"`` strings and imported only when asked for, so
`pcnn_hw.layers` never imports `pcnn_hw.rtl` or `pcnn_hw.hls` (no package cycle) and a backend that is
not installed or not written yet is a typed error, not an import failure at start-up.

Adding a kind: a folder ``pcnn_hw/layers/<kind>/`` (``__init__.py`` with ``OP_TYPES`` and the class;
``rtl.py`` / ``hls.py`` beside it) plus one `Kind(...)` line in `KINDS` below.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from types import MappingProxyType
from typing import Any

from pcnn_hw.errors import GraphError, UnsupportedOpError


@dataclass(frozen=True, eq=False)
class Kind:
    """One layer kind: `name`, the `module` holding ``OP_TYPES`` and the class `layer` (its name there),
    and `backends`: target ('rtl', 'hls', ...) -> ``"module:attribute"`` of the backend's entry point."""

    name: str
    module: str
    layer: str
    backends: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def op_types(self) -> tuple[str, ...]:
        """The graph op types of this kind (the module's ``OP_TYPES``)."""
        return tuple(importlib.import_module(self.module).OP_TYPES)

    @property
    def layer_cls(self) -> type:
        """The layer class (built from a graph node with ``from_node``)."""
        return getattr(importlib.import_module(self.module), self.layer)

    def backend(self, target: str) -> Callable[..., Any]:
        """The entry point of backend `target`; UnsupportedOpError if the kind has none or it is missing."""
        ref = self.backends.get(target)
        if ref is None:
            raise UnsupportedOpError(f"layer kind {self.name!r} has no {target!r} backend; it has: "
                                     f"{', '.join(sorted(self.backends)) or 'none'}")
        mod_name, _, attr = ref.partition(":")
        try:
            mod = importlib.import_module(mod_name)
        except ModuleNotFoundError as exc:
            if exc.name is None or not mod_name.startswith(exc.name):
                raise  # a dependency of the backend is missing: a real error, not an absent backend
            raise UnsupportedOpError(f"layer kind {self.name!r}: {target} backend module {mod_name} "
                                     "is not installed") from None
        try:
            return getattr(mod, attr)
        except AttributeError:
            raise UnsupportedOpError(
                f"layer kind {self.name!r}: {target} backend {ref} does not exist") from None


_L = "pcnn_hw.layers."
KINDS: tuple[Kind, ...] = (
    Kind("mvau", _L + "mvau", "MVAU", {"rtl": "pcnn_hw.rtl.spec:_mvau", "hls": "pcnn_hw.hls.plan:plan_mvau"}),
    Kind("thresholding", _L + "thresholding", "Thresholding",
         {"rtl": "pcnn_hw.rtl.spec:_thresholding", "hls": "pcnn_hw.hls.plan:plan_thresholding"}),
    Kind("swg", _L + "swg", "SlidingWindow",
         {"rtl": "pcnn_hw.rtl.spec:_swg", "hls": "pcnn_hw.hls.plan:plan_swg"}),
    Kind("pool", _L + "pool", "MaxPool",
         {"rtl": "pcnn_hw.rtl.spec:_pool", "hls": "pcnn_hw.hls.plan:plan_pool"}),
    Kind("labelselect", _L + "labelselect", "LabelSelect",
         {"rtl": "pcnn_hw.rtl.spec:_labelselect", "hls": "pcnn_hw.hls.plan:plan_label_select"}),
    Kind("passthrough", _L + "passthrough", "PassThrough"),  # FIFOs / DWCs: re-made by every backend
    Kind("fmpadding", _L + "fmpadding", "FMPadding",
         {"rtl": _L + "fmpadding.rtl:rtl_spec", "hls": "pcnn_hw.hls.plan_dag:plan_fmpadding"}),
    Kind("duplicate", _L + "duplicate", "DuplicateStreams",
         {"rtl": _L + "duplicate.rtl:rtl_spec", "hls": "pcnn_hw.hls.plan_dag:plan_duplicate"}),
    Kind("addstreams", _L + "addstreams", "AddStreams",
         {"rtl": _L + "addstreams.rtl:rtl_spec", "hls": "pcnn_hw.hls.plan_dag:plan_add"}),
    Kind("globalpool", _L + "globalpool", "GlobalAccPool",
         {"rtl": _L + "globalpool.rtl:rtl_spec", "hls": "pcnn_hw.hls.plan_dag:plan_globalpool"}),
)


@cache
def _by_op_type() -> Mapping[str, Kind]:
    """op type -> kind; GraphError if two kinds claim one op type."""
    out: dict[str, Kind] = {}
    for kind in KINDS:
        for op in kind.op_types:
            if op in out:
                raise GraphError(
                    f"op type {op!r} is claimed by layer kinds {out[op].name!r} and {kind.name!r}")
            out[op] = kind
    return MappingProxyType(out)


def op_types() -> tuple[str, ...]:
    """Every registered op type, in registration order."""
    return tuple(_by_op_type())


def kind_of(op_type: str) -> Kind:
    """The kind of graph op type `op_type` (e.g. 'MVAU_hls'); UnsupportedOpError listing the known ones."""
    try:
        return _by_op_type()[op_type]
    except KeyError:
        raise UnsupportedOpError(f"op {op_type!r} is no registered layer kind; known kinds: "
                                 f"{', '.join(k.name for k in KINDS)}") from None


def backend(op_type: str, target: str) -> Callable[..., Any]:
    """The `target` backend's entry point for op type `op_type` (see `Kind.backend`)."""
    return kind_of(op_type).backend(target)


def layer_classes() -> dict[str, type]:
    """op type -> layer class, for every registered op type."""
    return {op: kind.layer_cls for op, kind in _by_op_type().items()}
