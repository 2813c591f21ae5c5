"""The HLS compile step (``pcnn-hw build ... --backends hls``): writes ``hls/`` into the build directory —
the C++ dataflow top over the graph, its kernels, testbench, test vectors and ``run_hls.tcl`` for Vitis HLS.

The compiler runs the backends as build steps (as for the RTL, :mod:`pcnn_hw.compile.rtl_step`); the HLS
backend does not import the compiler. C-simulation stays a level of ``pcnn-hw verify`` (g++, in the user
cache), so a build does not need a C++ compiler.
"""

from __future__ import annotations

from typing import Any

from pcnn_hw.compile.context import BuildContext
from pcnn_hw.compile.steps import Step


def step_hls(model: Any, ctx: BuildContext) -> Any:
    """Generate the HLS project of the folded graph into ``<build>/hls``."""
    from pcnn_hw.hls.generate import generate_hls
    from pcnn_hw.sim import Simulator
    from pcnn_hw.sim.builddir import BuildDir

    # the graph in hand (folded.onnx is written after the last step), the memory images of the build
    sim = Simulator(model, memory=BuildDir(ctx.work_dir).weights)
    d = generate_hls(ctx.work_dir, sim=sim, target=(ctx.fpga_part, ctx.clock_mhz))
    ctx.log(f"        hls: {len(d.kernels)} kernels, AP_INT_MAX_W {d.ap_int_max_w}; Vitis HLS: "
            "make hls-ip BUILD=<build dir>")
    return model


HLS_STEP = Step("hls", step_hls, "HLS C++ project (Vitis HLS)")
BACKEND_NAMES = ("rtl", "hls")
