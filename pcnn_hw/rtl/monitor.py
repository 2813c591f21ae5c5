"""What the Verilator harness observed: per-stream/instance statistics, FIFO occupancy, the binned per-layer
timeline, and the deadlock diagnosis (which FIFO on which edge is full, which join waits on which empty one).

The harness (pcnn_hw/rtl/harness/tb.cpp) writes ``stats.txt`` (one line per stream, instance and FIFO)
and, when asked, ``timeline.bin`` (uint32 busy/stall/starve cycles per bin and layer); this module turns
them into :class:`SimResult` fields. Per cycle a layer is *busy* (a beat moved on one of its ports), else
*stalled* (an output holds a beat its consumer does not take), else *starved* (an input is ready but has no
beat), else idle (computing or waiting for nothing visible on its ports).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pcnn_hw.errors import SimulationError
from pcnn_hw.rtl.stitch import Design

STATES = ("busy", "stall", "starve")
MAX_BINS = 1000  # timelines longer than this are re-binned (bounded rtl_report.json)


class DeadlockError(SimulationError):
    """The design stopped moving: ``fifo`` (instance name) on ``edge`` ('producer:port -> consumer:port
    (tensor T)') is full with ``occupancy`` of ``depth`` entries; None fields when no FIFO is full."""

    def __init__(self, message: str, fifo: str | None = None, edge: str | None = None,
                 occupancy: int | None = None, depth: int | None = None) -> None:
        super().__init__(message)
        self.fifo, self.edge, self.occupancy, self.depth = fifo, edge, occupancy, depth


@dataclass
class StreamStats:
    """Handshake statistics of one instance: beats out, cycles blocked by the consumer, starved cycles."""

    name: str
    kind: str
    layer: str | None
    in_beats: int
    out_beats: int
    out_stall: int
    in_starve: int
    busy: int  # cycles with an input or an output transfer


@dataclass
class SimResult:
    """Outcome of one Verilator run."""

    outputs: np.ndarray  # (frames, output elements per frame)
    cycles: int
    frames: int
    frame_in: list[int]
    frame_out: list[int]
    stats: list[StreamStats] = field(default_factory=list)
    fifo_max: list[int] = field(default_factory=list)  # per FIFO (edge order), max occupancy
    wall_s: float = 0.0
    timeline: dict | None = None  # see timeline_runs

    @property
    def first_latency(self) -> int:
        """Cycles from the first input beat of frame 0 to its last output beat."""
        return self.frame_out[0] - self.frame_in[0] + 1

    @property
    def frame_spacings(self) -> list[int]:
        """Cycles between consecutive frames' completions."""
        return [b - a for a, b in zip(self.frame_out, self.frame_out[1:], strict=False)]

    @property
    def steady_from(self) -> int | None:
        """The first frame from which every completion spacing equals the last one, when the last three
        are equal (the design has reached its steady state); None when the run is too short to tell
        (e.g. deep FIFOs still filling: upstream layers run ahead and the spacing falls frame by frame)."""
        gaps = self.frame_spacings
        if len(gaps) < 3 or len(set(gaps[-3:])) != 1:
            return None
        k = len(gaps) - 1
        while k > 0 and gaps[k - 1] == gaps[-1]:
            k -= 1
        return k + 1

    @property
    def cycles_per_frame(self) -> float:
        """Cycles per frame: spacing of the last frames' completions (second half). The steady state's
        only when :attr:`steady_from` is not None; before, it includes the FIFOs' fill transient."""
        n = self.frames
        if n < 2:
            return float(self.first_latency)
        k = n // 2 if n >= 4 else n - 2
        return (self.frame_out[-1] - self.frame_out[k]) / (n - 1 - k)

    def layer_table(self) -> list[dict]:
        """Per-layer busy/stall/starve counts (layers only)."""
        return [
            {
                "layer": s.name,
                "busy": s.busy,
                "in_beats": s.in_beats,
                "out_beats": s.out_beats,
                "out_stall": s.out_stall,
                "in_starve": s.in_starve,
            }
            for s in self.stats
            if s.kind == "layer"
        ]


def parse_stats(text: str) -> dict:
    """stats.txt -> {status, cycles, in_beats, out_beats, frames, streams, insts, fifos}."""
    out: dict = {"frames": [], "streams": [], "insts": [], "fifos": []}
    for line in text.splitlines():
        p = line.split()
        if not p:
            continue
        if p[0] in ("status", "cycles", "in_beats", "out_beats"):
            out[p[0]] = int(p[1])
        elif p[0] == "frame":
            out["frames"].append((int(p[2]), int(p[3])))
        elif p[0] == "stream":
            out["streams"].append(tuple(int(v) for v in p[2:]))
        elif p[0] == "inst":
            out["insts"].append(int(p[2]))
        elif p[0] == "fifo":
            out["fifos"].append((int(p[2]), int(p[3])))
    return out


def instance_stats(d: Design, st: dict) -> list[StreamStats]:
    """Per-instance statistics (port-0 streams for beats/stall/starve, all ports for busy)."""
    streams = st["streams"]
    return [
        StreamStats(x.name, x.kind, x.layer, streams[x.ins[0]][0], streams[x.outs[0]][0],
                    streams[x.outs[0]][1], streams[x.ins[0]][2], busy)
        for x, busy in zip(d.instances, st["insts"], strict=True)
    ]


def timeline_runs(counts: np.ndarray, names: list[str], bin_cycles: int, cycles: int) -> dict:
    """Binned per-layer counts (bins, layers, 3) -> compact intervals for the report's timeline.

    Each bin takes the state with most cycles (busy, stall, starve or idle); consecutive bins of one
    state merge into an interval ``[start_cycle, length]``. More than ``MAX_BINS`` bins are first summed
    into coarser bins, so the JSON stays small for any run length.
    """
    c = np.asarray(counts, dtype=np.int64).reshape(-1, len(names), 3)
    k = max(1, -(-c.shape[0] // MAX_BINS))
    if k > 1:
        pad = (-c.shape[0]) % k
        c = np.pad(c, ((0, pad), (0, 0), (0, 0))).reshape(-1, k, len(names), 3).sum(1)
        bin_cycles *= k
    nb = c.shape[0]
    span = np.minimum(bin_cycles, np.maximum(cycles - np.arange(nb) * bin_cycles, 0))
    idle = span[:, None] - c.sum(2)
    state = np.argmax(np.concatenate([c, idle[:, :, None]], axis=2), axis=2)  # ties: busy first
    layers = []
    for j, name in enumerate(names):
        row: dict = {"layer": name, **{s: [] for s in STATES}}
        b = 0
        while b < nb:
            e = b
            while e + 1 < nb and state[e + 1, j] == state[b, j]:
                e += 1
            if state[b, j] < len(STATES):
                start = b * bin_cycles
                row[STATES[state[b, j]]].append([start, min((e + 1) * bin_cycles, cycles) - start])
            b = e + 1
        layers.append(row)
    return {"bin_cycles": bin_cycles, "cycles": cycles, "states": list(STATES), "layers": layers}


def diagnose_deadlock(d: Design, st: dict, window: int) -> DeadlockError:
    """The error for a stuck design, from the final valid/ready state of every stream and FIFO fill."""
    streams, cycle = st["streams"], st["cycles"]
    head = f"deadlock at cycle {cycle}: no stream moved for {window} cycles"
    out = streams[d.output_stream]
    if out[3] and not out[4]:
        return DeadlockError(
            f"{head}; the output sink is not ready (stalled sink) behind {d.instances[-1].name}"
        )
    fifos = d.fifos()
    occ = [cur for _, cur in st["fifos"]]
    full = [(q, x) for q, x in enumerate(fifos) if streams[x.ins[0]][3] and not streams[x.ins[0]][4]]
    order = {x.name: i for i, x in enumerate(d.instances)}
    if not full:
        blocked = [x for x in d.instances if any(streams[k][3] and not streams[k][4] for k in x.ins)]
        if blocked:
            return DeadlockError(f"{head}; {blocked[-1].kind} {blocked[-1].name} does not accept input")
        return DeadlockError(
            f"{head} and no stream holds data (a layer consumed input but produced nothing)"
        )
    q, x = max(full, key=lambda qx: order[qx[1].name])
    label = d.edge_label(x.edge)
    depth = int(x.params["DEPTH"])
    msg = (f"{head}; FIFO {x.name} on edge {label} (in front of layer {x.layer or 'output'}) is full "
           f"({occ[q]} of {depth} entries)")
    waits = []
    for y in d.instances:  # a join holding data on one input while another input's FIFO is empty
        if y.kind != "layer" or len(y.ins) < 2:
            continue
        feeders = {f.outs[0]: (p, f) for p, f in enumerate(fifos)}
        for k in y.ins:
            if k in feeders and not streams[k][3]:
                _, f = feeders[k]
                waits.append(f"{y.name} waits on FIFO {f.name} (edge {d.edge_label(f.edge)}, empty)")
    if waits:
        msg += "; " + "; ".join(waits)
    others = [f.name for _, f in full if f is not x]
    if others:
        msg += f"; also full: {', '.join(others)}"
    return DeadlockError(msg, x.name, label, occ[q], depth)
