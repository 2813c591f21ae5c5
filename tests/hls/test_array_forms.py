"""The two forms of a kernel's constant array (hls/arrays.py `array_text`): the exact ``ap_*``
constants Vitis HLS synthesises (``__SYNTHESIS__``) and the 64-bit-limb form g++ compiles cheaply; both
must hold the same words (the C-sim network tests check the limb form bit-exact end to end)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from pcnn_hw.core.hlsspec import threshold_array, word_array
from pcnn_hw.hls.arrays import array_text as _array_text


def _branches(text: str) -> tuple[str, str]:
    assert text.startswith("#ifdef __SYNTHESIS__\n") and text.endswith("\n#endif")
    synth, csim = text.removeprefix("#ifdef __SYNTHESIS__\n").removesuffix("\n#endif").split("\n#else\n")
    return synth, csim


@pytest.mark.parametrize(("lanes", "bits"), [(5, 1), (64, 1), (70, 1), (36, 4), (130, 1)])
def test_word_array_limbs_hold_the_exact_words(lanes: int, bits: int) -> None:
    """Every word of the synthesis form equals its limbs (least significant first) in the C-sim form;
    the synthesis form keeps the exact word type and the partition pragma."""
    rng = np.random.default_rng(lanes)
    mem = rng.integers(-(2 ** (bits - 1)) if bits > 1 else 0, 2 ** (bits - 1) if bits > 1 else 2,
                       size=(3, 4, lanes))
    synth, csim = _branches("\n".join(_array_text(word_array("weights", mem, bits, [3, 4], [1]))))
    w = lanes * bits
    assert f"static const ap_uint<{w}> weights[3][4] = " in synth
    assert "#pragma HLS ARRAY_PARTITION variable=weights complete dim=1" in synth
    exact = [int(v, 16) for v in re.findall(r"0x([0-9a-f]+)", synth)]
    limbs = [int(v, 16) for v in re.findall(r"0x([0-9a-f]+)ULL", csim)]
    per = -(-w // 64)
    assert len(exact) == 12 and len(limbs) == 12 * per
    got = [sum(limbs[k * per + i] << (64 * i) for i in range(per)) for k in range(12)]
    assert got == exact
    # element 0 of word 0 is lane LANES-1 of the image, in the least significant bits
    assert exact[0] & ((1 << bits) - 1) == int(mem[0, 0, -1]) & ((1 << bits) - 1)
    assert f"pcnn::unpack_words<{w}>(&weights[0][0], weights_limbs, 12)" in csim


def test_threshold_array_ints_are_the_literals() -> None:
    """Thresholds: the C-sim form lists the same signed values as int64; a wider-than-64-bit signed
    array keeps only the exact form."""
    t = np.array([[[-(2**40), 3]], [[7, 2**35]]])
    synth, csim = _branches("\n".join(_array_text(threshold_array(t, 44))))
    assert "static const ap_int<44> thresholds[2][1][2] = {{{-1099511627776LL, 3}}," in synth
    assert "static const int64_t thresholds_ints[4] = {-1099511627776LL, 3LL, 7LL, 34359738368LL};" in csim
    assert "__SYNTHESIS__" not in "\n".join(_array_text(threshold_array(t, 70)))
