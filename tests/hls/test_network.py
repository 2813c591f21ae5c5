"""Whole networks (mini-cnv, sfc) through the generated HLS top and g++ C-simulation, bit for bit
against the bit-exact simulator: final outputs and every layer's output stream (taps)."""

from __future__ import annotations

import filecmp
import shutil

import numpy as np
import pytest

from pcnn_hw.hls.csim import CSim, csim_level
from pcnn_hw.hls.generate import generate_hls


def _inputs(cs: CSim, n: int, seed: int = 1) -> np.ndarray:
    fmt = cs.design.inp.fmt
    return np.random.default_rng(seed).integers(fmt.lo, fmt.hi + 1, size=[n] + cs.input_shape[1:])


@pytest.mark.parametrize("name", ["mini-cnv", "sfc"])
def test_network_csim_bit_exact(name, model_builds, tc, cache_dir):
    """C-sim outputs and all tapped layer streams equal the simulator's on random inputs."""
    build = model_builds(name)
    cs = CSim(build, cache_dir=cache_dir)
    assert cs.warnings.strip() == "", f"generated code is not warning-free:\n{cs.warnings}"
    x = _inputs(cs, 24)
    y, taps = cs.run_taps(x)
    ref, vals = cs.sim.run(x, keep=True)
    assert np.array_equal(y, ref)
    mvaus = [k.node for k in cs.design.kernels if k.op.startswith("MVAU")]
    assert set(mvaus) <= set(taps), "every MVAU output is tapped"
    for step in cs.sim.steps:
        if step.node.name in taps:
            want = np.asarray(vals[step.out]).reshape(len(x), -1)
            assert np.array_equal(taps[step.node.name], want), step.node.name
    assert cs.first_difference(x[:4]) == "no tapped layer output differs"


def test_csim_level_on_images(model_builds, tc, cache_dir):
    """The ladder Level maps NCHW images in [0, 1] to the simulator's labels."""
    from pcnn_hw.verify.ladder import sim_level

    build = model_builds("mini-cnv")
    lv = csim_level(build, cache_dir=cache_dir)
    imgs = np.random.default_rng(3).integers(0, 256, size=(10, 1, 28, 28)) / 255.0
    labels, raw = lv.predict(imgs)
    ref_labels, _ = sim_level(build / "folded.onnx").predict(imgs)
    assert lv.name.startswith("C-sim") and np.array_equal(labels, ref_labels)
    assert raw.shape == (10, 1)
    # the class scores (the tensor into LabelSelect): equal to the simulator's, and their argmax the label
    sl = sim_level(build / "folded.onnx", build_dir=build)
    scores, ref_scores = lv.scores(imgs), sl.scores(imgs)
    assert scores.shape == (10, 10) and np.array_equal(scores, ref_scores)
    assert np.array_equal(scores.argmax(1), labels)
    cs = CSim(build, cache_dir=cache_dir)  # the scores come from the one tap of the layer feeding LabelSelect
    node = next(st.node.name for st in cs.sim.steps if st.out == cs.sim.score_tensor())
    assert list(cs.run_taps(_inputs(cs, 2), only=node)[1]) == [node]


def test_first_difference_names_the_layer(model_builds, tc, cache_dir):
    """A simulator with one corrupted weight is caught at that layer by the taps."""
    from pcnn_hw.compile.weights import load_weights
    from pcnn_hw.sim.executor import Simulator

    build = model_builds("sfc")
    cs = CSim(build, cache_dir=cache_dir)
    mem = load_weights(build)
    victim = next(n for n in sorted(mem) if "thresholds" not in mem[n])  # the last layer: no thresholds
    mem[victim]["weights"] = mem[victim]["weights"].copy()
    mem[victim]["weights"][0, 0, 0] = 1 - mem[victim]["weights"][0, 0, 0]  # one XNOR weight: acc +-1
    cs.sim = Simulator(build / "folded.onnx", memory=mem)
    x = _inputs(cs, 32)
    msg = cs.first_difference(x)
    assert msg.startswith(f"layer {victim}"), msg


def test_generation_is_deterministic(model_builds, tmp_path):
    """Generating twice gives byte-identical trees (no timestamps, stable order)."""
    build = model_builds("mini-cnv")
    a, b = tmp_path / "a", tmp_path / "b"
    generate_hls(build, a)
    generate_hls(build, b)
    cmp = filecmp.dircmp(a, b)

    def same(c: filecmp.dircmp) -> bool:
        _, mismatch, errors = filecmp.cmpfiles(c.left, c.right, c.common_files, shallow=False)
        return not (mismatch or errors or c.left_only or c.right_only) and all(
            same(s) for s in c.subdirs.values()
        )

    assert same(cmp)
    tcl = (a / "run_hls.tcl").read_text()
    assert "csynth_design" in tcl and "export_design" in tcl and "xc7z020clg400-1" in tcl
    top = (a / "top.cpp").read_text()
    assert "#pragma HLS DATAFLOW" in top and "hls_stream.h" not in top
    shutil.rmtree(a)


def test_hls_ip_generates_then_reports_missing_vitis(model_builds, tmp_path, monkeypatch, capsys):
    """`make hls-ip` path on a real build: sources generated, then one line naming the missing tools."""
    from pcnn_hw.hls import __main__ as cli

    build = model_builds("sfc")
    monkeypatch.setenv("PATH", str(tmp_path))
    assert cli.main(["ip", str(build)]) == 1
    err = capsys.readouterr().err
    assert "vitis_hls nor vivado_hls" in err and str(build / "hls") in err
    assert (build / "hls" / "run_hls.tcl").is_file()


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_folding_network_csim(seed, model_builds, tc, cache_dir, tmp_path):
    """mini-cnv refolded with random valid PE/SIMD (sim.testing.randomize_folding) through C-sim."""
    from qonnx.core.modelwrapper import ModelWrapper

    from pcnn_hw.compile.finn_compat import prepare_finn
    from pcnn_hw.sim.testing import randomize_folding

    src = model_builds("mini-cnv")
    prepare_finn(tmp_path / "finn")
    model = randomize_folding(ModelWrapper(str(src / "folded.onnx")), seed)
    build = tmp_path / "build"
    build.mkdir()
    model.save(str(build / "folded.onnx"))  # no weights/: memories from the refolded initializers
    cs = CSim(build, cache_dir=cache_dir)
    x = _inputs(cs, 12)
    assert np.array_equal(cs.run(x), cs.sim.run(x))
    assert cs.first_difference(x) == "no tapped layer output differs"


@pytest.mark.slow
def test_testbench_as_run_hls_tcl_runs_it(model_builds, tc, cache_dir):
    """top.cpp + tb.cpp compiled as run_hls.tcl's csim_design does (no taps) pass on test_vectors/."""
    from pcnn_hw.hls.toolchain import compile_cached, run_exe

    build = model_builds("sfc")
    d = generate_hls(build)
    hls = d.out_dir
    res = compile_cached(
        tc, [hls / "top.cpp", hls / "tb.cpp"], [hls, hls / "include", hls / "tb"], cache_dir, "tb_plain_sfc"
    )
    tv = hls / "test_vectors"
    out = run_exe(
        res.exe, [str(tv / "inputs.bin"), str(tv / "outputs.bin"), str(tv / "expected.bin")], cwd=hls
    )
    assert "0 of" in out and "differ" in out, out
