"""SimResult's frame spacings (rtl/monitor.py): a run whose deep FIFOs are still filling is not a steady
state, and `steady_from` says so instead of a throughput that is only the fill transient's."""

from __future__ import annotations

import numpy as np

from pcnn_hw.rtl.monitor import SimResult


def _res(out: list[int]) -> SimResult:
    n = len(out)
    return SimResult(np.zeros((n, 1)), out[-1] + 1, n, [0] * n, out)


def test_fill_transient_then_steady() -> None:
    """Spacings falling 13248 -> 12720 -> 12288 (wrn22 full, one-frame FIFOs): steady from the first
    12288 spacing; the 3-frame window used before (13,248) is not."""
    gaps = [13248] * 3 + [12720] * 2 + [12288] * 4
    out = list(np.cumsum([20000, *gaps]))
    r = _res(out)
    assert r.frame_spacings == gaps
    assert r.steady_from == 6  # frame 6 completes 12288 after frame 5
    assert _res(out[:4]).steady_from is not None  # three equal (transient) spacings look steady ...
    assert _res(out[:5]).steady_from is None  # ... until one differs
    assert _res(out[:3]).steady_from is None  # two spacings: too short to tell


def test_constant_spacing_is_steady_from_the_second_frame() -> None:
    r = _res([500, 644, 788, 932, 1076])
    assert r.steady_from == 1 and r.cycles_per_frame == 144.0
