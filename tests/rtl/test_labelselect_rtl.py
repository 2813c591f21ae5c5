"""pcnn_labelselect (pipelined tournament tree, #10) against the bit-exact LabelSelect: lane counts that
are and are not powers of two, many ties (few distinct scores), negative scores, output backpressure."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import make_layer, run_chain

from pcnn_hw.rtl.spec import Fmt


@pytest.mark.parametrize("labels,pe,bits,bp", [(10, 10, 8, 0.0), (10, 5, 8, 0.6), (12, 3, 4, 0.3),
                                               (16, 16, 6, 0.0), (7, 1, 8, 0.5), (12, 6, 8, 0.0)])
def test_labelselect_bit_exact(rtl_work, labels, pe, bits, bp):
    """Top-1 index with ties to the lower index equals LabelSelect.execute on every frame."""
    rng = np.random.default_rng(labels * 100 + pe)
    ls = make_layer("LabelSelect_hls", name="ls", Labels=labels, PE=pe, K=1,
                    inputDataType=f"INT{bits}", outputDataType="UINT8")
    hi = 2 ** (bits - 1)
    x = rng.integers(-hi, hi, size=(40, labels))
    x[:20] = rng.integers(-2, 2, size=(20, labels))  # few distinct values: ties everywhere
    x[20] = -hi  # all equal (minimum): label 0
    out, ref, _res, _d = run_chain([ls], Fmt(bits, True), x, rtl_work / f"ls_{labels}_{pe}_{bits}",
                                   backpressure=bp, seed=2)
    np.testing.assert_array_equal(out, ref)
    assert ref[20, 0] == 0 and len(set(ref[:20, 0])) > 1
