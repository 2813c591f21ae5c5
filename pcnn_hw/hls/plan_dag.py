"""Kernels of the residual-network layer kinds (FMPadding, DuplicateStreams, ElementwiseAdd,
GlobalAccPool): each now lives in its kind's ``pcnn_hw/layers/<kind>/hls.py``; re-exported here for
the kernel testbenches and outside callers."""

from __future__ import annotations

from pcnn_hw.core.hlsspec import range_format
from pcnn_hw.layers.addstreams.hls import plan_add
from pcnn_hw.layers.duplicate.hls import plan_duplicate
from pcnn_hw.layers.fmpadding.hls import plan_fmpadding
from pcnn_hw.layers.globalpool.hls import plan_globalpool

__all__ = ["plan_add", "plan_duplicate", "plan_fmpadding", "plan_globalpool", "range_format"]
