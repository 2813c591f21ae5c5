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
``rtl.py`` / ``hls.py`` / ``fold.py`` beside it) plus one `Kind(...)` line in `KINDS` below.

Backend targets and their entry points (every caller dispatches through `backend` / `find_backend`):

* ``"rtl"``: ``rtl_spec(layer, fins: tuple[Fmt, ...], make_rom) -> RtlLayer | None`` (None: a FIFO/DWC
  the stitcher re-makes), called by :func:`pcnn_hw.rtl.spec.rtl_layer`.
* ``"hls"``: ``hls_kernel(layer, name, fins: tuple[ElemFormat, ...], prev=..., pool_pe=...) -> Kernel``,
  called by :func:`pcnn_hw.hls.plan.plan_kernel`.
* ``"fold"``: a `pcnn_hw.layers.fold.FoldRules` object, used by :mod:`pcnn_hw.compile.folding` and
  :func:`pcnn_hw.sim.testing.randomize_folding`.
* ``"weights"``: ``memory_images(node, inst, get_init) -> {name: array}`` (FINN's hardware layout),
  called by :func:`pcnn_hw.compile.weights.memory_images`.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
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

    def backend(self, target: str) -> Any:
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


def _kind(name: str, layer: str, targets: tuple[str, ...], **extra: str) -> Kind:
    """A kind in folder ``pcnn_hw/layers/<name>/`` whose backend ``t`` is ``<name>/<t>.py`` (entry points:
    rtl ``rtl_spec``, hls ``hls_kernel``, fold ``FOLD``, weights ``memory_images``); `extra` overrides."""
    entry = {"rtl": "rtl_spec", "hls": "hls_kernel", "fold": "FOLD", "weights": "memory_images"}
    refs = {t: f"{_L}{name}.{t}:{entry[t]}" for t in targets}
    return Kind(name, _L + name, layer, MappingProxyType({**refs, **extra}))


_ALL = ("rtl", "hls", "fold")
KINDS: tuple[Kind, ...] = (
    _kind("mvau", "MVAU", (*_ALL, "weights")),
    _kind("thresholding", "Thresholding", (*_ALL, "weights")),
    _kind("swg", "SlidingWindow", _ALL),
    _kind("pool", "MaxPool", _ALL),
    _kind("labelselect", "LabelSelect", _ALL),
    _kind("passthrough", "PassThrough", ("rtl",)),  # FIFOs / DWCs: re-made by every backend
    _kind("fmpadding", "FMPadding", _ALL),
    _kind("duplicate", "DuplicateStreams", _ALL),
    _kind("addstreams", "AddStreams", _ALL),
    _kind("globalpool", "GlobalAccPool", _ALL),
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


def backend(op_type: str, target: str) -> Any:
    """The `target` backend's entry point for op type `op_type` (see `Kind.backend`)."""
    return kind_of(op_type).backend(target)


def layer_classes() -> dict[str, type]:
    """op type -> layer class, for every registered op type."""
    return {op: kind.layer_cls for op, kind in _by_op_type().items()}


def find_backend(op_type: str, target: str) -> Any | None:
    """The `target` backend of op type `op_type`, or None when the op type is no registered kind or its
    kind has no such backend (e.g. the folding rules of a host-side op)."""
    kind = _by_op_type().get(op_type)
    if kind is None or target not in kind.backends:
        return None
    return kind.backend(target)
