"""Compile stage: QONNX → folded FINN+ streaming dataflow graph for a board, with report and weights.

Python API (what the simulator and later RTL/HLS/bitstream stages use)::

    from pcnn_hw.compile import build, BuildResult, load_weights, get_board, DEFAULT_STEPS, Step
    res = build("model.onnx", "build/NAME", "pynq-z2", folding="auto")   # or target_fps=..., "max", FILE.json
    res.model_path    # build/NAME/folded.onnx: final graph (*_hls / *_rtl nodes, PE/SIMD set)
    res.report        # the dict in build/NAME/report.json
    load_weights("build/NAME")  # {layer: {"weights": (PE, WMEM, SIMD), "thresholds": (PE, TMEM, steps)}}

Build directory: ``steps/NN_<step>.onnx`` (after every step), ``folded.onnx``, ``folding_config.json``
(FINN folding-config format), ``report.json``/``report.md``, ``weights/`` (``<layer>.weights.npy``,
``<layer>.thresholds.npy``, ``index.json``), ``build.json`` (arguments, steps done, facts such as the
input layout). Hardware input: uint8 pixels, NHWC for CNNs, flat (C-order flatten) for MLPs; output:
the top-1 label. Later stages extend the pipeline with ``steps=(*DEFAULT_STEPS, Step("rtl", fn))``.

Modules: finn_compat (FINN+ workarounds), boards, context, steps, transforms (our own passes), checks
(typed errors), folding (rules, optimizer), report, weights, build, cli, testmodels (test QONNX files).
FINN itself is imported lazily, inside the steps, after ``finn_compat.prepare_finn``.
"""

from pcnn_hw.compile.build import BuildResult, build, load_model, step_path
from pcnn_hw.compile.steps import DEFAULT_STEPS, Step, step_names
from pcnn_hw.compile.weights import load_weights
from pcnn_hw.core.boards import BOARDS, Board, get_board

__all__ = [
    "BOARDS", "Board", "BuildResult", "DEFAULT_STEPS", "Step", "build", "get_board", "load_model",
    "load_weights", "step_names", "step_path",
]
