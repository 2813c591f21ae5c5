"""The layer-kind registry: op types -> kinds -> layer classes, lazily found backends, typed errors."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from pcnn_hw.errors import GraphError, UnsupportedOpError
from pcnn_hw.layers import LAYER_CLASSES, MVAU, SUPPORTED_OPS, AddStreams, PassThrough, registry
from pcnn_hw.layers.registry import KINDS, Kind, backend, kind_of


def test_every_op_type_maps_to_its_kind_and_class():
    assert LAYER_CLASSES == registry.layer_classes()
    assert kind_of("ElementwiseAdd_hls").name == "addstreams"
    assert LAYER_CLASSES["ElementwiseAdd"] is AddStreams
    assert kind_of("MVAU_hls").layer_cls is MVAU and kind_of("StreamingFIFO_rtl").layer_cls is PassThrough
    assert {"DuplicateStreams", "ElementwiseAdd", "FMPadding", "GlobalAccPool", "MVAU"} <= set(SUPPORTED_OPS)
    assert len(registry.op_types()) == sum(len(k.op_types) for k in KINDS)  # no op type claimed twice
    assert len({k.name for k in KINDS}) == len(KINDS)


def test_unknown_op_type_and_missing_backend_are_typed_errors():
    with pytest.raises(UnsupportedOpError, match="op 'Sigmoid' is no registered layer kind; known kinds: mv"):
        kind_of("Sigmoid")
    with pytest.raises(UnsupportedOpError, match="'passthrough' has no 'hls' backend; it has: rtl"):
        backend("StreamingFIFO_rtl", "hls")
    ghost = Kind("ghost", "pcnn_hw.layers.mvau", "MVAU", {"rtl": "pcnn_hw.layers.no_such_kind.rtl:rtl_spec",
                                                          "hls": "pcnn_hw.layers.mvau:no_such_function"})
    with pytest.raises(UnsupportedOpError, match="'ghost': rtl backend module pcnn_hw.layers.no_such_kind"):
        ghost.backend("rtl")
    with pytest.raises(UnsupportedOpError, match="'ghost': hls backend pcnn_hw.layers.mvau:no_such_function"):
        ghost.backend("hls")


def test_a_backend_with_a_missing_dependency_is_not_hidden(tmp_path, monkeypatch):
    (tmp_path / "kindpkg_broken.py").write_text("import no_such_dependency_xyz\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError, match="no_such_dependency_xyz"):
        Kind("k", "pcnn_hw.layers.mvau", "MVAU", {"rtl": "kindpkg_broken:f"}).backend("rtl")


def test_registered_backends_resolve_to_callables():
    """Every backend whose module is present names an existing callable, or for "fold" a FoldRules object
    (modules of other branches may be absent before a merge; then the lookup is a typed error, above)."""
    from pcnn_hw.layers.fold import FoldRules
    from pcnn_hw.layers.mvau import rtl

    assert backend("MVAU_hls", "rtl") is rtl.rtl_spec  # the kind's own file, pcnn_hw/layers/mvau/rtl.py
    resolved = 0
    for kind in KINDS:
        for target, ref in kind.backends.items():
            if importlib.util.find_spec(ref.partition(":")[0]) is None:
                continue
            entry = kind.backend(target)
            assert isinstance(entry, FoldRules) if target == "fold" else callable(entry), (kind.name, target)
            resolved += 1
    assert resolved >= 10 * 3  # rtl, hls and fold of every kind but passthrough, plus weights


def test_adding_a_kind_is_one_registration(tmp_path, monkeypatch):
    pkg = tmp_path / "newkind"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(
        "from dataclasses import dataclass\nfrom pcnn_hw.layers.base import HwLayer\n"
        "OP_TYPES = ('Upsample42', 'Upsample42_hls')\n@dataclass\nclass Up(HwLayer):\n    pass\n")
    (pkg / "rtl.py").write_text("def rtl_spec(layer, fins):\n    return 'up'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    new = Kind("up", "newkind", "Up", {"rtl": "newkind.rtl:rtl_spec"})  # the one registration line
    monkeypatch.setattr(registry, "KINDS", (*KINDS, new))
    registry._by_op_type.cache_clear()  # noqa: SLF001
    try:
        assert kind_of("Upsample42_hls").layer_cls.__name__ == "Up"
        assert backend("Upsample42", "rtl")(None, ()) == "up"
        monkeypatch.setattr(registry, "KINDS", (*registry.KINDS, Kind("up2", "newkind", "Up")))
        registry._by_op_type.cache_clear()  # noqa: SLF001
        with pytest.raises(GraphError, match="'Upsample42' is claimed by layer kinds 'up' and 'up2'"):
            kind_of("MVAU")
    finally:
        monkeypatch.undo()
        registry._by_op_type.cache_clear()  # noqa: SLF001
    assert kind_of("MVAU").name == "mvau"


def test_layers_import_no_backend_package():
    code = ("import sys, pcnn_hw.layers, pcnn_hw.layers.registry as r; r.kind_of('MVAU_hls'); "
            "print(sorted(m for m in sys.modules if m.startswith(('pcnn_hw.rtl', 'pcnn_hw.hls'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         timeout=120)
    assert out.stdout.strip() == "[]"
