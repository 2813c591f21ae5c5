"""BuildDir on a real build (mini CNN) and on damaged copies of it: every missing piece is named."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from pcnn_hw.errors import BuildArtifactError, BuildDirError
from pcnn_hw.sim.builddir import BuildDir


@pytest.fixture
def copy(cnn_build, tmp_path):
    """A scratch copy of the mini-CNN build directory."""
    dst = tmp_path / "b"
    shutil.copytree(cnn_build.out_dir, dst)
    return dst


def test_build_dir_gives_graph_weights_simulator_manifest_report(cnn_build):
    from pcnn_hw.compile.weights import load_weights
    from pcnn_hw.sim.executor import Simulator

    bd = BuildDir(cnn_build.out_dir)
    assert bd.folded == cnn_build.model_path
    ref = load_weights(cnn_build.out_dir)
    assert sorted(bd.weights) == sorted(ref) and len(ref) >= 2
    for name, mems in ref.items():
        assert sorted(bd.weights[name]) == sorted(mems)
        for key, arr in mems.items():
            assert np.array_equal(bd.weights[name][key], arr) and bd.weights[name][key].dtype == arr.dtype
    assert bd.memory is bd.weights
    assert [gn.name for gn in bd.graph.nodes] == [gn.name for gn in Simulator(bd.folded).graph.nodes]
    assert bd.graph.is_chain
    sim = bd.simulator("numpy")
    x = np.random.default_rng(0).integers(0, 256, size=(6, *sim.input_shape[1:]))
    expect = Simulator(cnn_build.model_path, memory=ref, backend="numpy").run(x)
    assert sim.backend == "numpy" and np.array_equal(sim.run(x), expect)
    assert bd.manifest["board"] == "pynq-z2" and "folded.onnx" in bd.manifest["outputs"]
    assert bd.report["board"]["clock_mhz"] == 100.0 and bd.report["layers"] and bd.check() is bd


def test_memory_images_are_what_the_simulator_computes_from(copy):
    """Overwritten weight files change the outputs: the simulator reads weights/, not the initializers."""
    bd = BuildDir(copy)
    sim = bd.simulator("numpy")
    x = np.random.default_rng(1).integers(0, 256, size=(8, *sim.input_shape[1:]))
    name, mems = next((n, m) for n, m in bd.weights.items() if "weights" in m)
    meta = bd.weight_index["layers"][name]["weights"]
    np.save(copy / "weights" / meta["file"], -np.asarray(mems["weights"]))
    out = bd.graph.node(name).outputs[0].name
    before = sim.run(x, keep=True)[1][out]
    after = BuildDir(copy).simulator("numpy").run(x, keep=True)[1][out]
    assert not np.array_equal(before, after)


def test_missing_pieces_are_typed_errors_naming_the_file(copy, tmp_path):
    with pytest.raises(BuildDirError, match="nope: build directory not found"):
        BuildDir(tmp_path / "nope")
    (copy / "report.json").write_text("{not json")
    with pytest.raises(BuildArtifactError, match="report.json: corrupt build report"):
        _ = BuildDir(copy).report
    (copy / "report.json").unlink()
    with pytest.raises(BuildArtifactError, match="report.json: missing"):
        _ = BuildDir(copy).report
    index = json.loads((copy / "weights" / "index.json").read_text())
    victim = next(m["thresholds"]["file"] for m in index["layers"].values() if "thresholds" in m)
    (copy / "weights" / victim).unlink()
    with pytest.raises(BuildArtifactError, match=f"weights: {victim} missing \\(listed in index.json\\)"):
        _ = BuildDir(copy).weights
    (copy / "weights" / "index.json").write_text('{"layers": 3}')
    with pytest.raises(BuildArtifactError, match="index.json: corrupt weights index"):
        _ = BuildDir(copy).weights
    shutil.rmtree(copy / "weights")
    bd = BuildDir(copy)
    assert bd.memory is None  # no weights/: the graph's initializers count
    with pytest.raises(BuildArtifactError, match="weights: missing.*--from-step estimates"):
        bd.check()
    (copy / "build.json").unlink()
    with pytest.raises(BuildArtifactError, match="build.json: missing or not a pcnn-hw build manifest"):
        _ = BuildDir(copy).manifest


def test_folded_graph_falls_back_to_the_last_folded_step(copy):
    (copy / "folded.onnx").unlink()
    bd = BuildDir(copy)
    assert bd.folded.parent.name == "steps" and bd.folded.name.endswith(".onnx")
    assert len(bd.graph.nodes) >= 5
    shutil.rmtree(copy / "steps")
    with pytest.raises(BuildArtifactError, match="folded.onnx: missing, and no folded steps"):
        _ = BuildDir(copy).folded
