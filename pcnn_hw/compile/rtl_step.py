"""The RTL compile step (``pcnn-hw build ... --rtl``): appended to the step list, it writes
``rtl/`` and ``sim/`` into the build directory and an ``rtl`` section into report.json.

It lives in the compiler (moved from `pcnn_hw.rtl.step`, #11): the compiler runs the backends as
build steps, and the RTL backend does not import the compiler."""

from __future__ import annotations

from typing import Any

from pcnn_hw.compile.context import BuildContext
from pcnn_hw.compile.steps import DEFAULT_STEPS, Step


def step_rtl(model: Any, ctx: BuildContext, flat_timing: bool = True) -> Any:
    """Generate the stitched Verilog, size FIFOs, simulate with Verilator (bit-exact check), run Yosys
    (and, with ``flat_timing``, the flattened-top timing run; ``build --no-flat-timing`` skips it)."""
    from pcnn_hw.rtl.flow import run_rtl

    rep = run_rtl(
        ctx.work_dir, folded=model, clock_mhz=ctx.clock_mhz, stream=ctx.stream, flat_timing=flat_timing
    )
    ctx.info["rtl_cycles_per_frame"] = rep["cycles_per_frame"]
    if rep.get("timing"):
        from pcnn_hw.rtl.timing_report import timing_warning

        warn = timing_warning(rep["timing"])
        if warn:
            ctx.warn(warn)
    return model


RTL_STEP = Step("rtl", step_rtl, "Verilog + Verilator + Yosys")
RTL_STEPS: tuple[Step, ...] = (*DEFAULT_STEPS, RTL_STEP)
