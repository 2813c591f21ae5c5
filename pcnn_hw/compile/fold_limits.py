"""Limits of the folding optimizer (:mod:`pcnn_hw.compile.fold_opt`): LUT / BRAM36 / DSP budgets, the
least estimated fmax, and the width converters between units charged where the picks are summed.

A DWC sits on an edge whose producer writes another width (bits per beat) than its consumer reads; its
cost depends on two units' foldings, so :class:`Limits` adds it when it checks a whole set of picks
(:meth:`Limits.fits`), from the stream widths each :class:`Choice` records at its nodes' ends. So does the
FIFO's width on a down-converting edge: each node's evaluation charges its input FIFO at its own width
(`fold_eval.node_eval`), but the stitcher buffers a narrowing edge at the producer's width, before the
converter (`rtl.edges.fifo_width_elems`); :func:`edge_fifo_extra` is the difference.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from pcnn_hw.compile.folding import Option
from pcnn_hw.resources import Resources, estimate_parts


@dataclass
class Choice(Option):
    """An :class:`~pcnn_hw.compile.folding.Option` with its estimated fmax (MHz) and its nodes' stream
    ends for the DWC charge: {node: (input elements per beat, output elements per beat, output bits)}."""

    fmax: float = math.inf
    ends: dict[str, tuple[int, int, int]] = field(default_factory=dict)


@lru_cache(maxsize=4096)
def dwc_cost(pw: int, cw: int) -> Resources:
    """Our model's resources of the width converter(s) the stitcher puts between widths ``pw`` -> ``cw``
    (rtl/stitch.py ``_dwc_chain``)."""
    if pw == cw:
        return Resources()
    if pw % cw == 0 or cw % pw == 0:
        return estimate_parts("pcnn_dwc", {"IW": pw, "OW": cw}, [])
    mid = math.lcm(pw, cw)
    return (estimate_parts("pcnn_dwc", {"IW": pw, "OW": mid}, [])
            + estimate_parts("pcnn_dwc", {"IW": mid, "OW": cw}, []))


@lru_cache(maxsize=4096)
def edge_fifo_extra(pw: int, cw: int) -> Resources:
    """What the stitcher's FIFO on a ``pw`` -> ``cw`` edge costs beyond the depth-2 FIFO at the consumer's
    width ``cw`` already charged with the consumer: on a down-converting edge (``pw > cw``) the FIFO is
    ``pw`` wide. Depth 2 = the stitcher's default before the RTL step sizes FIFOs (our fitted FIFO model
    is about W + 11 LUT and 2W + 7 FF at depth 2, so a 144 -> 36 bit edge adds about 108 LUT)."""
    if pw <= cw:
        return Resources()
    wide = estimate_parts("pcnn_fifo", {"WIDTH": pw, "DEPTH": 2}, [])
    narrow = estimate_parts("pcnn_fifo", {"WIDTH": cw, "DEPTH": 2}, [])
    return Resources(wide.lut - narrow.lut, wide.ff - narrow.ff, wide.ramb18 - narrow.ramb18,
                     wide.ramb36 - narrow.ramb36, wide.dsp - narrow.dsp)


class Limits:
    """Resource limits of the optimizer: LUT, BRAM36 and DSP (absolute counts), the least estimated
    fmax (MHz, 0 = none) and the graph's node-to-node edges (producer, consumer) for the DWC charge."""

    def __init__(self, lut: float, bram36: float, dsp: float = math.inf, min_fmax: float = 0.0,
                 links: tuple[tuple[str, str], ...] = ()) -> None:
        self.lut, self.bram36, self.dsp = float(lut), float(bram36), float(dsp)
        self.min_fmax, self.links = float(min_fmax), tuple(links)

    def extra(self, picks: list[Option]) -> Resources:
        """The width converters between the picks, and the wider FIFO of each down-converting edge: on every
        edge with both ends known, producer's output elements x its element bits -> consumer's input
        elements x the same bits (the stitcher's rule)."""
        ends: dict[str, tuple[int, int, int]] = {}
        for o in picks:
            ends.update(getattr(o, "ends", {}))
        tot = Resources()
        for a, b in self.links:
            if a in ends and b in ends and ends[a][2]:
                bits = ends[a][2]
                pw, cw = ends[a][1] * bits, ends[b][0] * bits
                tot = tot + dwc_cost(pw, cw) + edge_fifo_extra(pw, cw)
        return tot

    def used(self, picks: list[Option]) -> tuple[float, float, float]:
        """(LUT, BRAM36, DSP) of ``picks`` including :meth:`extra`."""
        x = self.extra(picks) if self.links else Resources()
        return (sum(o.lut for o in picks) + x.lut, sum(o.bram for o in picks) + x.bram36,
                sum(o.dsp for o in picks) + x.dsp)

    def fits(self, picks: list[Option]) -> bool:
        """Whether the sum of ``picks`` (and their DWCs) is within every limit."""
        lut, bram, dsp = self.used(picks)
        return lut <= self.lut and bram <= self.bram36 and dsp <= self.dsp

    def over(self, picks: list[Option]) -> float:
        """Largest used/limit ratio of ``picks``."""
        used = zip(self.used(picks), (self.lut, self.bram36, self.dsp), strict=True)
        return max(u / max(lim, 1e-9) if u else 0.0 for u, lim in used)


def links(model: Any) -> tuple[tuple[str, str], ...]:
    """(producer, consumer) node names of every tensor between two nodes of ``model``."""
    prod = {t: n.name for n in model.graph.node for t in n.output}
    return tuple((prod[t], n.name) for n in model.graph.node for t in n.input if t in prod)
