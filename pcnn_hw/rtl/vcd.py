"""A VCD waveform of one frame through the stitched top, for GTKWave (``pcnn-hw rtl-vcd build/NAME``).

The design of ``build/NAME/rtl`` (its FIFO depths, checked by :func:`check_rtl_dir`) is verilated a second
time with ``--trace --trace-depth 2`` (the top's ports and every stream wire ``s<k>_t*``, plus the
instances' ports; no module internals), cached in ``build/NAME/sim/vcd/obj_<hash>/`` beside the plain
model. One frame of random input (``seed``) is simulated and checked bit-exact against the simulator, and
the first ``max_cycles`` cycles are dumped into ``build/NAME/sim/frame.vcd`` (two time units per cycle,
``ap_clk`` toggling), which bounds the file size. Stream ``s<k>`` names are listed in rtl/design.json
(``streams``: producer and consumer instance and port of each).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pcnn_hw.errors import VerificationError

VCD_NAME = "frame.vcd"
DEFAULT_MAX_CYCLES = 200_000


def write_vcd(build_dir: str | Path, seed: int = 0, max_cycles: int = DEFAULT_MAX_CYCLES) -> Path:
    """Simulate one frame with tracing on; returns the path of ``build_dir/sim/frame.vcd``."""
    from pcnn_hw.rtl.flow import load_design, random_inputs
    from pcnn_hw.rtl.stitch import check_rtl_dir
    from pcnn_hw.rtl.verilate import build_model, run_model

    rd = load_design(build_dir)
    check_rtl_dir(rd.rtl_dir)  # a missing/edited file: ModelFileError naming it
    d = rd.stitch()
    exe = build_model(d, rd.rtl_dir, rd.sim_dir, trace=True)
    x = random_inputs(rd, 1, seed=seed)
    out = rd.sim_dir / VCD_NAME
    tmp = out.with_suffix(".vcd.tmp")
    res = run_model(exe, d, rd.rtl_dir, x.reshape(1, -1), vcd=tmp, vcd_max_cycles=max_cycles)
    ref = rd.reference(x)
    if not np.array_equal(ref.reshape(res.outputs.shape), res.outputs):
        tmp.unlink(missing_ok=True)
        raise VerificationError("the traced RTL frame disagrees with the bit-exact simulator")
    tmp.replace(out)
    return out


def vcd_signals(path: str | Path) -> dict[str, list[tuple[int, str]]]:
    """Parse a VCD into {hierarchical signal name: [(time, value), ...]} (scalar and vector values).

    A small reader for tests and notebooks (GTKWave is the viewer); names that alias one identifier code
    (a port and the wire it drives) share one change list.
    """
    codes: dict[str, list[tuple[int, str]]] = {}
    scope: list[str] = []
    changes: dict[str, list[tuple[int, str]]] = {}
    t = 0
    with open(path) as f:
        body = False
        for line in f:
            p = line.split()
            if not p:
                continue
            if not body:
                if p[0] == "$scope":
                    scope.append(p[2])
                elif p[0] == "$upscope":
                    scope.pop()
                elif p[0] == "$var":
                    changes[".".join([*scope, p[4]])] = codes.setdefault(p[3], [])
                elif p[0] == "$enddefinitions":
                    body = True
                continue
            c = p[0][0]
            if c == "#":
                t = int(p[0][1:])
            elif c in "01xzXZ" and len(p) == 1:
                codes[p[0][1:]].append((t, c))
            elif c in "bB" and len(p) == 2:
                codes[p[1]].append((t, p[0][1:]))
    return changes
