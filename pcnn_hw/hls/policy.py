"""The threshold and width policy of the HLS kernels: the one of the RTL backend, written once per kind
(:mod:`pcnn_hw.layers.thresholds`, :mod:`pcnn_hw.layers.mvau.policy`, `pcnn_hw.layers.labelselect`)
and used by both backends' views in ``pcnn_hw/layers/<kind>/``; re-exported here.
``tests/hls/test_policy.py`` checks that both give the same formats on every layer of real builds.
"""

from __future__ import annotations

from pcnn_hw.layers.labelselect import label_bits
from pcnn_hw.layers.mvau.policy import acc_floor, mvau_acc_bits
from pcnn_hw.layers.thresholds import full_range, int_thresholds

__all__ = ["acc_floor", "full_range", "int_thresholds", "label_bits", "mvau_acc_bits"]
