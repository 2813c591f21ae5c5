"""FINN folding-config files (``--folding FILE.json``): loading with typed errors naming the file, the
layer and the key, and applying them to a model (``{"Defaults": {...}, "<node>": {"PE": .., ...}}``).
The inverse, :func:`pcnn_hw.compile.folding.folding_config`, writes a model's folding in that format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pcnn_hw.errors import ConfigError


def _inst(node: Any) -> Any:
    from qonnx.custom_op.registry import getCustomOp

    return getCustomOp(node)


def _load_config(path: Path, model: Any) -> dict:
    try:
        cfg = json.loads(Path(path).read_text())
    except FileNotFoundError as exc:
        raise ConfigError(f"--folding: file {path} not found") from exc
    except json.JSONDecodeError as exc:
        raise ConfigError(f"--folding: {path} is not valid JSON ({exc})") from exc
    if not isinstance(cfg, dict):
        raise ConfigError(f"--folding: {path} must hold a JSON object (FINN folding-config format)")
    for key, entry in cfg.items():
        if not isinstance(entry, dict):
            raise ConfigError(
                f"--folding: {path}: entry {key!r} must be an object of attributes "
                f'(e.g. {{"PE": 4, "SIMD": 8}}), got {type(entry).__name__} {entry!r}'
            )
    names = {n.name for n in model.graph.node}
    unknown = sorted(k for k in cfg if k != "Defaults" and k not in names)
    if unknown:
        raise ConfigError(f"--folding: {path} names unknown layers {unknown}; layers: {sorted(names)}")
    return cfg


def apply_config_file(model: Any, path: Path) -> Any:
    """Apply a FINN folding-config JSON (``{"Defaults": {...}, "<node>": {"PE": .., ...}}``)."""
    cfg = _load_config(path, model)
    defaults = cfg.get("Defaults", {})
    for node in model.graph.node:
        inst = _inst(node)
        types = inst.get_nodeattr_types()
        attrs = {}
        for k, v in defaults.items():  # FINN: {"attr": [value, ["op_type", ...]]} or {"attr": value}
            if isinstance(v, list) and len(v) == 2 and isinstance(v[1], list):
                if node.op_type in v[1] or "all" in v[1]:
                    attrs[k] = v[0]
            else:
                attrs[k] = v
        attrs.update(cfg.get(node.name, {}))
        for k, v in attrs.items():
            if k not in types:
                if k in cfg.get(node.name, {}):
                    raise ConfigError(f"--folding: layer {node.name} ({node.op_type}) has no attribute {k}")
                continue
            _check_attr_value(node, k, v, types[k])
            inst.set_nodeattr(k, v)
    return model


def _check_attr_value(node: Any, key: str, value: Any, spec: tuple) -> None:
    """ConfigError naming the layer and the key for a value of the wrong type or not allowed.

    FINN's ``set_nodeattr`` would raise a bare TypeError for a string and silently accept ``true``
    as 1 (bool is an int in Python), so the JSON types are checked here first."""
    kind = spec[0]
    where = f"--folding: layer {node.name} ({node.op_type}): {key}"
    if kind == "i":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where} must be an integer, got {type(value).__name__} {value!r}")
        if key in ("PE", "SIMD") and value < 1:
            raise ConfigError(f"{where} must be >= 1, got {value}")
    elif kind == "s" and not isinstance(value, str):
        raise ConfigError(f"{where} must be a string, got {type(value).__name__} {value!r}")
    allowed = spec[3] if len(spec) > 3 and isinstance(spec[3], (set, frozenset, tuple, list)) else None
    if allowed and value not in allowed:
        raise ConfigError(f"{where} = {value!r} is not allowed; allowed: {sorted(map(str, allowed))}")
