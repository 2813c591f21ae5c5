"""ResNet-18 and WRN-22 (CIFAR-10 form, random weights): build for zcu104 and kv260, verify on 3 images.

Levels: PyTorch, QONNX (the raw export), FINN+'s execution of the folded graph, the bit-exact simulator
from the build's memory images — every one must agree with the one above on every image, and FINN and the
simulator on the raw scores. The kv260 build resumes the zcu104 one at specialize_layers (the graph
before it does not depend on the board). Both models have a projection shortcut in their first stride-2
block; WRN-22 also in its first block (16 → 64 channels: the forked stem of fuzzer seeds 0, 2–6, 8, 10).
Minutes per model: slow suite only.
"""

from __future__ import annotations

import io
import shutil

import numpy as np
import pytest
import torch

pytestmark = pytest.mark.slow

IN_SHAPE = (3, 32, 32)


@pytest.mark.parametrize("name", ["wrn22", "resnet18"])
def test_paper_resnet_builds_for_both_boards_and_every_level_agrees(name, tmp_path):
    from qonnx.core.modelwrapper import ModelWrapper

    from pcnn_hw.compile.build import build
    from pcnn_hw.export import export_model
    from pcnn_hw.models import build_model, randomize_batchnorm
    from pcnn_hw.quant import QuantConfig
    from pcnn_hw.verify.ladder import finn_level, qonnx_level, run_ladder, sim_level, torch_level

    torch.manual_seed(0)
    model = randomize_batchnorm(build_model(name, QuantConfig(), IN_SHAPE)).eval()
    images = torch.randint(0, 256, (3, *IN_SHAPE), generator=torch.Generator().manual_seed(1)) / 255.0
    onnx = tmp_path / "model.onnx"
    export_model(model, IN_SHAPE, onnx, images)
    zcu = build(onnx, tmp_path / "zcu104", "zcu104", stream=io.StringIO())
    shutil.copytree(tmp_path / "zcu104", tmp_path / "kv260")
    kv = build(onnx, tmp_path / "kv260", "kv260", from_step="specialize_layers", stream=io.StringIO())
    assert kv.steps_run[0] == "specialize_layers"
    with torch.no_grad():
        want = model(images).argmax(1).numpy()
    for res, board in ((zcu, "zcu104"), (kv, "kv260")):
        rep = res.report
        assert rep["board"]["name"] == board
        assert rep["fps"] == pytest.approx(rep["clock_mhz"] * 1e6 / rep["bottleneck"]["cycles"])
        folded = ModelWrapper(str(res.model_path))
        ops = {n.op_type.removesuffix("_hls").removesuffix("_rtl") for n in folded.graph.node}
        assert {"MVAU", "DuplicateStreams", "ElementwiseAdd", "GlobalAccPool", "FMPadding"} <= ops
        levels = [torch_level(model), qonnx_level(onnx), finn_level(folded),
                  sim_level(folded, build_dir=res.out_dir)]
        results = run_ladder(levels, images.numpy(), None)
        assert [r.name for r in results][2:] == ["FINN graph", "bit-exact sim"]
        for r in results[1:]:
            assert r.mismatches == [], f"{board} {r.name}: {r.detail}"
        np.testing.assert_array_equal(results[0].labels, want)
        np.testing.assert_array_equal(results[2].raw, results[3].raw)  # FINN ≡ simulator, raw scores
