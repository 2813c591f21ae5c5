"""Every user error of the compile stage is typed, names the culprit and leaves no build directory."""

from __future__ import annotations

import json
from pathlib import Path

import onnx
import pytest
from onnx import helper

from pcnn_hw.compile import testmodels
from pcnn_hw.errors import (
    ConfigError,
    FoldingError,
    ModelFileError,
    QuantizationError,
    UnknownNameError,
    UnsupportedOpError,
)


def _no_leftovers(out: Path) -> None:
    assert not out.exists()
    assert not list(out.parent.glob(f".{out.name}.*"))


def test_float_sigmoid_unsupported(mlp_onnx: Path, tmp_path: Path, build_fn) -> None:
    """A float Sigmoid after the last layer → UnsupportedOpError naming node, op and supported ops."""
    m = onnx.load(str(mlp_onnx))
    old_out = m.graph.output[0].name
    m.graph.node.append(helper.make_node("Sigmoid", [old_out], ["probs"], name="my_sigmoid"))
    m.graph.output[0].name = "probs"
    bad = tmp_path / "sigmoid.onnx"
    onnx.save(m, str(bad))
    out = tmp_path / "b"
    with pytest.raises(UnsupportedOpError) as e:
        build_fn(bad, out)
    msg = str(e.value)
    assert "my_sigmoid" in msg and "Sigmoid" in msg and "supported" in msg and "Conv" in msg
    _no_leftovers(out)


def test_non_binary_weights(tmp_path: Path, build_fn) -> None:
    """2-bit weights where XNOR needs binary ones → QuantizationError naming the layer."""
    from brevitas.quant import Int8WeightPerTensorFloat

    class Int2Weight(Int8WeightPerTensorFloat):
        """2-bit integer weights."""

        bit_width = 2

    onnx_path = tmp_path / "int2.onnx"
    model = testmodels.mini_mlp(weight_quant=Int2Weight)
    testmodels._export(model, (1, 8, 8), onnx_path)
    out = tmp_path / "b"
    with pytest.raises(QuantizationError) as e:
        build_fn(onnx_path, out)
    assert "layer 'MatMul_" in str(e.value) and "INT2" in str(e.value)
    _no_leftovers(out)


@pytest.mark.parametrize("cut", [0.5, 0.9, 0.1])
def test_truncated_onnx(mlp_onnx: Path, tmp_path: Path, build_fn, cut: float) -> None:
    """A truncated ONNX file → ModelFileError naming the file."""
    data = mlp_onnx.read_bytes()
    bad = tmp_path / "trunc.onnx"
    bad.write_bytes(data[: int(len(data) * cut)])
    with pytest.raises(ModelFileError) as e:
        build_fn(bad, tmp_path / "b")
    assert "trunc.onnx" in str(e.value)
    _no_leftovers(tmp_path / "b")


def test_garbage_and_missing_onnx(tmp_path: Path, build_fn) -> None:
    """Garbage bytes and a missing file → ModelFileError."""
    bad = tmp_path / "garbage.onnx"
    bad.write_bytes(b"\x08\x07not an onnx file at all \xff\xfe" * 10)
    with pytest.raises(ModelFileError):
        build_fn(bad, tmp_path / "b")
    with pytest.raises(ModelFileError, match="no such"):
        build_fn(tmp_path / "missing.onnx", tmp_path / "b")
    _no_leftovers(tmp_path / "b")


def test_folding_file_breaks_divisibility(mlp_build, mlp_onnx: Path, tmp_path: Path, build_fn) -> None:
    """A folding file with MW % SIMD != 0 → FoldingError naming layer and values; no build dir."""
    cfg = json.loads((mlp_build.out_dir / "folding_config.json").read_text())
    cfg["MVAU_hls_0"]["SIMD"] = 7
    f = tmp_path / "fold.json"
    f.write_text(json.dumps(cfg))
    out = tmp_path / "b"
    with pytest.raises(FoldingError) as e:
        build_fn(mlp_onnx, out, folding=f)
    msg = str(e.value)
    assert "MVAU_hls_0" in msg and "MW % SIMD" in msg and "MW=64" in msg and "SIMD=7" in msg
    _no_leftovers(out)


def test_folding_file_pe(mlp_build, mlp_onnx: Path, tmp_path: Path, build_fn) -> None:
    """MH % PE != 0 is named too; a valid file is applied as given."""
    cfg = json.loads((mlp_build.out_dir / "folding_config.json").read_text())
    cfg["MVAU_hls_1"]["PE"] = 3
    f = tmp_path / "fold.json"
    f.write_text(json.dumps(cfg))
    with pytest.raises(FoldingError, match=r"MVAU_hls_1.*MH % PE.*MH=32, PE=3"):
        build_fn(mlp_onnx, tmp_path / "b", folding=f)
    cfg["MVAU_hls_1"]["PE"] = 2
    f.write_text(json.dumps(cfg))
    res = build_fn(mlp_onnx, tmp_path / "ok", folding=f)
    row = next(r for r in res.report["layers"] if r["name"] == "MVAU_hls_1")
    assert row["PE"] == 2


def test_folding_file_unknown_layer(mlp_onnx: Path, tmp_path: Path, build_fn) -> None:
    """A folding file naming a layer that does not exist → ConfigError listing the layers."""
    f = tmp_path / "fold.json"
    f.write_text(json.dumps({"Defaults": {}, "MVAU_hls_9": {"PE": 1}}))
    with pytest.raises(ConfigError, match="MVAU_hls_9.*MVAU_hls_0"):
        build_fn(mlp_onnx, tmp_path / "b", folding=f)


def test_over_budget_warns(mlp_onnx: Path, tmp_path: Path, build_fn) -> None:
    """A folding over the board budget warns with how far over (and still builds)."""
    res = build_fn(mlp_onnx, tmp_path / "b", folding="max")
    over = [w for w in res.warnings if "over the pynq-z2 budget" in w]
    assert over and "%" in over[0] and "LUT" in over[0]
    assert res.report["warnings"] == res.warnings


def test_bad_arguments(mlp_onnx: Path, tmp_path: Path, build_fn) -> None:
    """Bad step names, folding modes and clocks are typed errors."""
    with pytest.raises(UnknownNameError, match="streamline"):
        build_fn(mlp_onnx, tmp_path / "b", from_step="nope")
    with pytest.raises(ConfigError, match="--folding"):
        build_fn(mlp_onnx, tmp_path / "b", folding="fast")
    with pytest.raises(ConfigError, match="clock"):
        build_fn(mlp_onnx, tmp_path / "b", clock_mhz=-5)
    with pytest.raises(ConfigError, match="not found"):
        build_fn(mlp_onnx, tmp_path / "fresh", from_step="folding")
    _no_leftovers(tmp_path / "b")


def test_missing_external_data_is_typed(mlp_onnx, tmp_path) -> None:
    """An ONNX whose external .onnx.data file is missing: ModelFileError naming it, not a ValidationError."""
    import onnx

    from pcnn_hw.compile.build import load_model
    from pcnn_hw.errors import ModelFileError

    path = tmp_path / "ext.onnx"
    onnx.save(onnx.load(str(mlp_onnx)), str(path), save_as_external_data=True, location="ext.onnx.data",
              size_threshold=0)
    (tmp_path / "ext.onnx.data").unlink()
    with pytest.raises(ModelFileError, match="external tensor data.*ext.onnx.data"):
        load_model(path)
