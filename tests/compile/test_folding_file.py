"""Folding-config JSON validation (#14): wrong types, bools, bogus ram_style, huge or non-divisor PE,
a layer entry that is not an object → a typed error naming the layer and the key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pcnn_hw.compile import folding
from pcnn_hw.compile.build import BuildResult, load_model, step_path
from pcnn_hw.errors import ConfigError, FoldingError


def _mvau(res: BuildResult) -> str:
    cfg = json.loads((res.out_dir / "folding_config.json").read_text())
    return sorted(k for k in cfg if k.startswith("MVAU"))[0]


@pytest.mark.parametrize(
    ("entry", "error", "needle"),
    [
        ({"PE": "4"}, ConfigError, "PE must be an integer, got str '4'"),
        ({"PE": 4.5}, ConfigError, "PE must be an integer, got float 4.5"),
        ({"PE": True}, ConfigError, "PE must be an integer, got bool True"),
        ({"SIMD": 0}, ConfigError, "SIMD must be >= 1"),
        ({"ram_style": "bogus"}, ConfigError, "ram_style = 'bogus' is not allowed"),
        ({"ram_style": 3}, ConfigError, "ram_style must be a string"),
        ({"PE": 10**9}, FoldingError, "PE != 0"),
        ({"PE": 3}, FoldingError, "PE != 0"),
        ("PE=4", ConfigError, "must be an object of attributes"),
    ],
)
def test_bad_folding_entry(entry, error, needle: str, mlp_build: BuildResult, tmp_path: Path) -> None:
    layer = _mvau(mlp_build)
    f = tmp_path / "fold.json"
    f.write_text(json.dumps({layer: entry}))
    model = load_model(step_path(mlp_build.out_dir, "specialize_layers"), check=False)
    with pytest.raises(error) as info:
        folding.apply_config_file(model, f)
        folding.check_folding(model)
    assert needle in str(info.value) and layer in str(info.value), str(info.value)


def test_good_entry_applies(mlp_build: BuildResult, tmp_path: Path) -> None:
    """A valid entry still applies (the checks do not reject FINN's own format)."""
    from qonnx.custom_op.registry import getCustomOp

    cfg = json.loads((mlp_build.out_dir / "folding_config.json").read_text())
    f = tmp_path / "fold.json"
    f.write_text(json.dumps(cfg))
    model = folding.apply_config_file(load_model(step_path(mlp_build.out_dir, "specialize_layers"),
                                                 check=False), f)
    folding.check_folding(model)
    layer = _mvau(mlp_build)
    node = next(n for n in model.graph.node if n.name == layer)
    assert getCustomOp(node).get_nodeattr("PE") == cfg[layer]["PE"]
