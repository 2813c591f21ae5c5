"""`pcnn-hw finn-config build/NAME`: the same network through FINN+'s own HLS/Vivado flow (a fallback for
users with Vivado and Vitis HLS).

Writes `build/NAME/finn_config/`:
* `model.onnx` — the graph FINN+'s `build_dataflow` starts from: our build's model after QONNX→FINN
  conversion, tidy-up and the uint8-input /255 + top-1 output nodes (`steps/03_pre_post.onnx`, the
  same FINN+ custom steps FINN's examples use), weights embedded;
* `folding_config.json` — our folding (PE/SIMD/ram_style per node) plus, when the RTL backend wrote
  `rtl/design.json`, its FIFO depths as FINN's `inFIFODepths`/`outFIFODepths` node attributes (then
  `auto_fifo_depths` is off so FINN keeps them);
* `dataflow_build_config.json` — a `finn.builder.build_dataflow_config.DataflowBuildConfig` (checked
  by loading it with FINN+'s own loader before this returns): board, part, the build's clock,
  `vivado_zynq` shell, FINN's default step list, outputs up to the bitfile and PYNQ driver;
* `README.md` — how to run it (`python -m finn.builder.build_dataflow` or `build_dataflow_cfg`).

The first FINN+ step that needs Xilinx tools is `step_generate_hardware` (its `step_hw_ipgen` runs
Vitis HLS); everything before it, `step_hw_codegen` included, runs here (tests/board/test_finn_config.py).
"""

from __future__ import annotations

import json
from pathlib import Path

from pcnn_hw.board.render import fill
from pcnn_hw.core.boards import get_board
from pcnn_hw.errors import BoardError

OUT_DIR = "finn_config"
CONFIG_FILE = "dataflow_build_config.json"
MODEL_STEP = "03_pre_post.onnx"
FINN_BOARDS = {  # our board -> FINN+'s board name (finn.util.basic.pynq_part_map / make_zynq_proj)
    "pynq-z1": "Pynq-Z1",
    "pynq-z2": "Pynq-Z2",
    "ultra96-v2": "Ultra96-V2",
    "zcu104": "ZCU104",
    "kv260": "KV260_SOM",
}
FIRST_TOOL_STEP = "step_generate_hardware"  # step_hw_ipgen inside it calls Vitis HLS


def _read_json(path: Path, what: str) -> dict:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise BoardError(f"{path}: no {what}; is this a directory written by `pcnn-hw build`?") from None
    except (OSError, ValueError) as exc:
        raise BoardError(f"{path}: unreadable {what} ({exc})") from None
    if not isinstance(data, dict):
        raise BoardError(f"{path}: {what} is not a JSON object")
    return data


def fifo_depths(build_dir: Path) -> dict[str, dict[str, list[int]]]:
    """Per node FINN's in/outFIFODepths from rtl/design.json (empty when the RTL was not built).

    A FIFO instance tagged with layer L sits in front of L (a layer with several input streams has one
    per port, stitched in port order); the untagged last one behind the last layer.
    """
    man = build_dir / "rtl" / "design.json"
    if not man.is_file():
        return {}
    insts = _read_json(man, "RTL design description").get("instances", [])
    out: dict[str, dict[str, list[int]]] = {}
    last_layer = ""
    for inst in insts:
        if not isinstance(inst, dict):
            continue
        if inst.get("kind") == "layer":
            last_layer = str(inst.get("layer", ""))
        if inst.get("kind") != "fifo":
            continue
        depth = int(inst.get("params", {}).get("DEPTH", 2))
        if inst.get("layer"):  # a join (ElementwiseAdd) has one FIFO per input, in port order
            out.setdefault(str(inst["layer"]), {}).setdefault("inFIFODepths", []).append(depth)
        elif last_layer:
            out.setdefault(last_layer, {})["outFIFODepths"] = [depth]
    return out


def finn_config(build_dir: Path, out: Path, has_fifos: bool) -> dict:
    """The DataflowBuildConfig fields (as JSON) for the build."""
    info = _read_json(build_dir / "build.json", "build record")
    board = get_board(str(info.get("board", "pynq-z2")))
    clock = float(info.get("clock_mhz", board.clock_mhz))
    if board.name not in FINN_BOARDS:
        raise BoardError(f"board {board.name}: FINN+ has no Zynq shell for it ({', '.join(FINN_BOARDS)})")
    from finn.builder.build_dataflow_config import default_build_dataflow_steps

    return {
        "output_dir": "output",
        "synth_clk_period_ns": round(1000.0 / clock, 6),
        "board": FINN_BOARDS[board.name],
        "fpga_part": board.part,
        "shell_flow_type": "vivado_zynq",
        "folding_config_file": "folding_config.json",
        "auto_fifo_depths": not has_fifos,
        "generate_outputs": [
            "estimate_reports",
            "stitched_ip",
            "bitfile",
            "pynq_driver",
            "deployment_package",
        ],
        "steps": list(default_build_dataflow_steps),
        "save_intermediate_models": True,
    }


def write_finn_config(build_dir: str | Path) -> Path:
    """Write `build_dir/finn_config/` (see the module docstring); returns the config file's path."""
    import onnx

    from pcnn_hw.compile.finn_compat import prepare_finn

    build_dir = Path(build_dir).resolve()
    model_src = build_dir / "steps" / MODEL_STEP
    if not model_src.is_file():
        raise BoardError(f"{model_src}: missing; the build did not get past its pre/post step (rebuild it)")
    folding = _read_json(build_dir / "folding_config.json", "folding configuration")
    depths = fifo_depths(build_dir)
    for node, attrs in depths.items():
        if node in folding:
            folding[node] = {**folding[node], **attrs}
    out = build_dir / OUT_DIR
    out.mkdir(exist_ok=True)
    prepare_finn(build_dir / "finn")
    cfg = finn_config(build_dir, out, bool(depths))
    onnx.save(onnx.load(str(model_src)), str(out / "model.onnx"))
    (out / "folding_config.json").write_text(json.dumps(folding, indent=2, sort_keys=True) + "\n")
    cfg_path = out / CONFIG_FILE
    cfg_path.write_text(json.dumps(cfg, indent=2, sort_keys=True) + "\n")
    from finn.builder.build_dataflow_config import DataflowBuildConfig

    try:
        DataflowBuildConfig.from_json(cfg_path.read_text())
    except Exception as exc:  # FINN+'s loader (mashumaro) raises its own error types
        raise BoardError(
            f"{cfg_path}: FINN+ rejects the configuration ({type(exc).__name__}: {exc})"
        ) from exc
    (out / "README.md").write_text(
        fill(
            "finn_readme.md",
            BOARD=cfg["board"],
            PART=cfg["fpga_part"],
            CLOCK=f"{1000.0 / cfg['synth_clk_period_ns']:g}",
            CONFIG=CONFIG_FILE,
            FIFOS="from the RTL backend (rtl/design.json)" if depths else "sized by FINN+ (auto_fifo_depths)",
            FIRST_TOOL_STEP=FIRST_TOOL_STEP,
        )  # fmt: skip
    )
    return cfg_path
