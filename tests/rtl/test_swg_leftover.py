"""Sliding windows whose last input rows/columns no window covers (found by the fuzzer, seed 213).

With 9x9 inputs, K=2, S=2 the windows end at row/column 7: row and column 8 are read and dropped, so the
next frame's first window starts past the last beat the writer has buffered. The generator must keep
accepting input then (it used to stop and deadlock at the second frame).
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import make_layer, run_chain

from pcnn_hw.rtl.spec import Fmt

COMMON = dict(inputDataType="UINT8", outputDataType="UINT8")


def _swg(name: str, c: int, ih: int, k: int, s: int, simd: int, depthwise: int):
    oh = (ih - k) // s + 1
    return make_layer("ConvolutionInputGenerator_rtl", name=name, ConvKernelDim=[k, k], IFMChannels=c,
                      IFMDim=[ih, ih], OFMDim=[oh, oh], SIMD=simd, Stride=[s, s], Dilation=[1, 1],
                      depthwise=depthwise, parallel_window=0, **COMMON), oh


@pytest.mark.parametrize(("c", "ih", "k", "s", "simd"), [
    (4, 9, 2, 2, 1),
    pytest.param(24, 9, 2, 2, 24, marks=pytest.mark.slow),  # seed 213's layer
    pytest.param(3, 8, 3, 2, 3, marks=pytest.mark.slow),
])
def test_depthwise_window_with_uncovered_rows_runs_every_frame(rtl_work, c, ih, k, s, simd):
    swg, oh = _swg("sd", c, ih, k, s, simd, 1)
    pool = make_layer("Pool_hls", name="pl", Channels=c, PE=simd, KernelSize=[k, k], Function="MaxPool",
                      OutImgDims=[oh, oh], InputDataType="UINT8", OutputDataType="UINT8", BatchSize=1)
    x = np.random.default_rng(ih + k).integers(0, 256, size=(3, ih, ih, c))
    work = rtl_work / f"left_d{c}_{ih}_{k}_{simd}"
    out, ref, _, _ = run_chain([swg, pool], Fmt(8), x, work, backpressure=0.3)
    np.testing.assert_array_equal(out, ref)


@pytest.mark.slow
def test_standard_window_with_uncovered_rows_runs_every_frame(rtl_work):
    swg, _ = _swg("ss", 6, 9, 2, 2, 2, 0)
    x = np.random.default_rng(7).integers(0, 256, size=(3, 9, 9, 6))
    out, ref, _, _ = run_chain([swg], Fmt(8), x, rtl_work / "left_s", backpressure=0.3)
    np.testing.assert_array_equal(out, ref)
