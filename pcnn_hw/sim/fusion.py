"""Fusion of consecutive native XNOR MVAUs into one kernel call, for the executor's chain runner.

Between two XNOR MVAUs with one binary threshold step the packed output bits of one are exactly the
packed input rows of the next, so the native kernels run them back to back without returning to
Python (`xnor_chain` in `pcnn_hw/sim/native/kernels.c`): an MLP's hidden layers, or cnv's
fully-connected tail, become one call. A group is a run of consecutive steps (in the graph's topological
order) where each reads exactly the previous one's single output; graph streams are point-to-point, so
the interior tensors have no other reader and forks/joins simply end a group. `run(keep=True)` and
captures go layer by layer. If an accumulator leaves a layer's hardware type (rare),
the group is rerun layer by layer, so the overflow is recorded exactly as without fusion.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from pcnn_hw.core.bits import PackedBits


def _chains(a: Any, b: Any) -> bool:
    """True if MVAU b can take MVAU a's packed output bits as its input rows inside one fused call."""
    if not hasattr(a, "chain_role") or not hasattr(b, "chain_role"):
        return False
    return (
        a.chain_role() == "bits" and b.chain_role() is not None and b.mw == a.mh
        and np.prod(a.num_input_vectors) == np.prod(b.num_input_vectors)
    )


def _feeds(a: Any, b: Any) -> bool:
    """Step b reads step a's only output as its only input (and both are chainable MVAUs)."""
    single = not getattr(a, "more_outputs", ()) and not getattr(b, "more_inputs", ())
    return single and b.inp == a.out and _chains(a.layer, b.layer)


def fuse_groups(steps: Sequence[Any]) -> list[list[Any]]:
    """The steps split into maximal groups of consecutive chainable MVAUs (singletons elsewhere)."""
    groups: list[list[Any]] = []
    for s in steps:
        if groups and _feeds(groups[-1][-1], s):
            groups[-1].append(s)
        else:
            groups.append([s])
    return groups


def fuse_steps(steps: Sequence[Any]) -> list[Callable[[Any], Any]]:
    """The run callables of a chain of steps, with each maximal group of chainable MVAUs as one."""
    return [FusedXnorChain(g) if len(g) > 1 else g[0].run for g in fuse_groups(steps)]


class FusedXnorChain:
    """A callable running a group of chainable MVAU steps in one `xnor_chain` call."""

    def __init__(self, steps: Sequence[Any]) -> None:
        self.steps = list(steps)
        self.layers = [s.layer for s in self.steps]
        self._stages: dict[int, tuple[tuple, Any]] = {}  # by the first layer's input segment size

    def _stage_tuples(self, seg_bits: int) -> tuple[tuple, Any]:
        if seg_bits not in self._stages:
            stages, seg, first = [], seg_bits, None
            for layer in self.layers:
                kernel, thr = layer.chain_stage(seg)
                first = first or kernel
                stages.append((kernel.blocked, thr, kernel.n_in, kernel.h, kernel.k_bits))
                seg = layer.mh
            self._stages[seg_bits] = (tuple(stages), first)
        return self._stages[seg_bits]

    def __call__(self, x: Any) -> Any:
        first, last = self.layers[0], self.layers[-1]
        xp = first.packed_input(x)
        stages, kernel = self._stage_tuples(xp.seg_bits)
        words = xp.words
        lead = words.shape[:-1]
        rows = np.ascontiguousarray(words.reshape(-1, words.shape[-1]), np.uint64)
        m = rows.shape[0]
        fused_out = stages[-1][1] is not None
        if fused_out:
            out = np.empty((m, -(-last.mh // 64)), np.uint64)
        else:
            out = np.empty((m, last.mh), np.int32)
        stats = kernel.kernels.xnor_chain(rows, stages, out, m, kernel.threads)
        for layer, (p_min, p_max) in zip(self.layers, stats, strict=True):
            if m and not layer.holds_accumulators(p_min, p_max):
                for step in self.steps:  # rare: layer by layer, recording the overflow exactly
                    x = step.run(x)
                return x
        if fused_out:
            return PackedBits(out.reshape(lead + out.shape[-1:]), last.mh)
        return out.reshape(lead + (last.mh,)).astype(np.int64)
