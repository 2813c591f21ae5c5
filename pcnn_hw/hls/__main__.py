"""``python -m pcnn_hw.hls {generate,csim,ip} BUILD``: HLS project, g++ C-simulation, Vitis HLS IP.

``ip`` (what ``make hls-ip BUILD=...`` runs) generates BUILD/hls and runs ``run_hls.tcl`` with
``vitis_hls`` (or ``vivado_hls``); without either it fails with one clear line and exit status 1.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from pcnn_hw.errors import PcnnHwError, SimulationError, ToolMissingError

HLS_TOOLS = ("vitis_hls", "vivado_hls")
IP_TIMEOUT_S = 6 * 3600.0


def find_hls_tool() -> Path:
    """vitis_hls or vivado_hls on PATH; ToolMissingError naming both otherwise."""
    for tool in HLS_TOOLS:
        found = shutil.which(tool)
        if found:
            return Path(found)
    raise ToolMissingError(
        "neither vitis_hls nor vivado_hls is on PATH: synthesis and IP export need AMD/Xilinx Vitis HLS "
        "(source its settings64.sh); the generated sources and run_hls.tcl are usable on such a machine"
    )


def run_ip(build_dir: Path, timeout: float = IP_TIMEOUT_S) -> Path:
    """Generate BUILD/hls and run its TCL script (C-sim, csynth, IP export); returns the hls directory."""
    from pcnn_hw.hls.generate import generate_hls

    d = generate_hls(build_dir)
    try:
        tool = find_hls_tool()
    except ToolMissingError as exc:
        raise ToolMissingError(f"{exc} (sources generated in {d.out_dir})") from None
    try:
        res = subprocess.run([str(tool), "-f", "run_hls.tcl"], cwd=d.out_dir, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise SimulationError(f"{tool.name} timed out after {timeout:.0f} s in {d.out_dir}") from exc
    if res.returncode != 0:
        raise SimulationError(f"{tool.name} failed (exit {res.returncode}); see {d.out_dir}/vitis_hls.log")
    return d.out_dir


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; typed errors become one line on stderr and exit status 1."""
    p = argparse.ArgumentParser(prog="python -m pcnn_hw.hls", description=__doc__.splitlines()[0])
    p.add_argument("command", choices=("generate", "csim", "ip"))
    p.add_argument("build", nargs="?", default="", help="build directory written by `pcnn-hw build`")
    p.add_argument("--images", type=int, default=64, help="csim: random test images (default 64)")
    args = p.parse_args(argv)
    try:
        if not args.build:
            raise PcnnHwError("no build directory given (make hls-ip BUILD=build/NAME)")
        args.build = Path(args.build)
        if not args.build.is_dir():
            raise PcnnHwError(f"{args.build}: no such build directory (run `pcnn-hw build` first)")
        if args.command == "generate":
            from pcnn_hw.hls.generate import generate_hls

            d = generate_hls(args.build)
            print(f"wrote {d.out_dir} ({len(d.kernels)} kernels)")
        elif args.command == "csim":
            import numpy as np

            from pcnn_hw.hls.csim import CSim

            cs = CSim(args.build)
            fmt = cs.design.inp.fmt
            x = np.random.default_rng(0).integers(fmt.lo, fmt.hi + 1, size=[args.images] + cs.input_shape[1:])
            y, ref = cs.run(x), np.asarray(cs.sim.run(x))  # type: ignore[attr-defined]
            if not np.array_equal(y.reshape(ref.shape), ref):
                raise SimulationError(f"C-sim differs from the bit-exact simulator: {cs.first_difference(x)}")
            print(f"C-sim == bit-exact simulator on {args.images} random inputs ({cs.exe})")
        else:
            out = run_ip(args.build)
            print(f"IP exported under {out}")
    except PcnnHwError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
