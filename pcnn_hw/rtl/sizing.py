"""FIFO sizing from simulation, for chains and for graphs with forks and joins (method: rtl/README.md).

1. Stitch every FIFO one frame deep (:func:`deep_depths`) and simulate a few frames unthrottled: the
   steady-state period T, and each FIFO's occupancy at full speed.
2. Simulate again with the input throttled to one frame per T cycles and record each FIFO's maximum
   occupancy; depth = max(2, occupancy + 1).
3. Graphs with a join: the skip FIFO of a fork/join must hold everything the fork writes while the long
   branch fills, and at full speed (a burst into the long branch's buffers) that can exceed the throttled
   figure. The sized design is therefore simulated unthrottled; a deadlock names the full FIFO, whose depth
   is raised to its full-speed occupancy from step 1 + 1 (at least doubled), and the check repeats (bounded).

Everything is deterministic (data-independent module timing, fixed seeds), so the depths are too.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from pcnn_hw.errors import SimulationError
from pcnn_hw.rtl.edges import Edge, fifo_width_elems
from pcnn_hw.rtl.monitor import DeadlockError
from pcnn_hw.rtl.spec import RtlLayer
from pcnn_hw.rtl.stitch import stitch_graph
from pcnn_hw.rtl.verilate import build_model, run_model

MAX_ROUNDS = 4


def deep_depths(layers: list[RtlLayer], edges: list[Edge]) -> list[int]:
    """One frame (+2) of beats per FIFO (at the FIFO's width, `fifo_width_elems`): an upper bound no FIFO
    of a chain needs to exceed for full throughput (a skip edge holds at most the frame its long branch
    spans)."""
    return [g.elems_per_frame // fifo_width_elems(layers, g)[1] + 2 for g in edges]


def has_join(layers: list[RtlLayer]) -> bool:
    """True when some layer has more than one input stream."""
    return any(len(r.inputs) > 1 for r in layers)


def size_depths(
    layers: list[RtlLayer],
    edges: list[Edge],
    x: np.ndarray,
    work: Path,
    timeout_s: float = 1800.0,
    check_dirs: tuple[Path, Path] | None = None,
) -> tuple[list[int], dict]:
    """FIFO depths (edge order) for ``layers``/``edges`` from simulating frames ``x``; (depths, info).

    ``check_dirs`` = (rtl_dir, sim_dir) of the full-speed check of a graph with joins (default under
    ``work``): pass the final design's directories and its Verilator build is reused (cache hit).
    """
    t0 = time.perf_counter()
    work = Path(work)
    deep = stitch_graph(layers, edges, deep_depths(layers, edges))
    exe = build_model(deep, work / "rtl", work, timeout_s)
    free = run_model(exe, deep, work / "rtl", x)
    period = free.cycles_per_frame
    thr = run_model(exe, deep, work / "rtl", x, throttle=period)
    depths = [max(2, int(m) + 1) for m in thr.fifo_max]
    info: dict = {
        "method": "simulated occupancy at the steady-state period (throttled input)",
        "deep_cycles_per_frame": period,
        "throttled_cycles_per_frame": thr.cycles_per_frame,
        "throttled_depths": list(depths),
        "raised": [],
    }
    if has_join(layers):
        info["method"] += "; skip FIFOs checked at full speed (raised where the sized design deadlocked)"
        dirs = check_dirs or (work / "check" / "rtl", work / "check")
        depths = _raise_until_free(layers, edges, depths, free.fifo_max, x, dirs, timeout_s, info)
    info["depths"] = depths
    info["seconds"] = round(time.perf_counter() - t0, 1)
    return depths, info


def _raise_until_free(
    layers: list[RtlLayer],
    edges: list[Edge],
    depths: list[int],
    full_speed: list[int],
    x: np.ndarray,
    dirs: tuple[Path, Path],
    timeout_s: float,
    info: dict,
) -> list[int]:
    depths = list(depths)
    for _ in range(MAX_ROUNDS):
        d = stitch_graph(layers, edges, depths)
        exe = build_model(d, dirs[0], dirs[1], timeout_s)
        try:
            run_model(exe, d, dirs[0], x)
            return depths
        except DeadlockError as exc:
            if exc.fifo is None:
                raise
            q = next(i for i, f in enumerate(d.fifos()) if f.name == exc.fifo)
            new = max(2 * depths[q], int(full_speed[q]) + 1)
            info["raised"].append({"fifo": exc.fifo, "edge": exc.edge, "from": depths[q], "to": new})
            depths[q] = new
    raise SimulationError(
        f"FIFO sizing: the design still deadlocks after {MAX_ROUNDS} rounds of raising FIFO depths "
        f"({info['raised']})"
    )
