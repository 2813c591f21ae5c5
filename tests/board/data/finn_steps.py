"""Run FINN+'s own build steps on a `pcnn-hw finn-config` directory, up to the first step that needs
Xilinx tools (tests/board/test_finn_config.py runs this in a subprocess).

Usage: python finn_steps.py FINN_CONFIG_DIR. Prints one JSON line: the steps run, the error of
`step_hw_ipgen` (Vitis HLS) and PE/SIMD/inFIFODepths per MVAU after FINN's folding step.

`finn.builder.build_dataflow_steps` imports `finn.builder.passes`, which needs `onnx_passes` (not
declared by finn-plus, not installed here; only FINN's optional ONNX-passes frontend step uses it). A
stand-in module takes its place in this subprocess only, so the test process keeps the real import
behaviour that tests/compile/test_finn_compat.py checks.
"""

import json
import os
import sys
import types
from pathlib import Path

from pcnn_hw.compile.finn_compat import prepare_finn

out = Path(sys.argv[1]).resolve()
prepare_finn(out / "finn_work")
stand_in = types.ModuleType("finn.builder.passes")


def step_passes_frontend(*args: object, **kwargs: object) -> None:
    """Not used by the default steps."""
    raise RuntimeError("onnx_passes frontend is not installed")


stand_in.step_passes_frontend = step_passes_frontend
sys.modules["finn.builder.passes"] = stand_in
os.chdir(out)
import finn.builder.build_dataflow_steps as steps  # noqa: E402
from finn.builder.build_dataflow_config import DataflowBuildConfig  # noqa: E402
from qonnx.core.modelwrapper import ModelWrapper  # noqa: E402
from qonnx.custom_op.registry import getCustomOp  # noqa: E402

cfg = DataflowBuildConfig.from_json((out / "dataflow_build_config.json").read_text())
model = ModelWrapper(str(out / "model.onnx"))
ran, ipgen_error = [], None
for name in cfg.steps:
    if name == "step_generate_hardware":  # = hw_codegen, then hw_ipgen (Vitis HLS), fifo depths
        model = steps.step_hw_codegen(model, cfg)
        ran.append("step_hw_codegen")
        try:
            steps.step_hw_ipgen(model, cfg)
        except Exception as exc:  # FINN raises FINNUserError when XILINX_VIVADO is not set
            ipgen_error = f"{type(exc).__name__}: {exc}"
        break
    model = getattr(steps, name)(model, cfg)
    ran.append(name)
mvau = {
    n.name: [getCustomOp(n).get_nodeattr(a) for a in ("PE", "SIMD", "inFIFODepths")]
    for n in model.graph.node
    if n.op_type.startswith("MVAU")
}
print(json.dumps({"ran": ran, "ipgen_error": ipgen_error, "mvau": mvau}))
