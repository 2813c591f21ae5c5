"""A graph FINN+ refuses (FINNUserError inside a step) is a typed error naming the step (residual fuzzer:
a projection shortcut on the stem's bipolar output made FINN's MVAU conversion raise a raw FINNUserError)."""

from __future__ import annotations

import pytest

from pcnn_hw.compile.steps import Step
from pcnn_hw.errors import UnsupportedOpError


def test_finn_user_error_in_a_step_becomes_unsupported_op_error(tmp_path) -> None:
    from pcnn_hw.compile import finn_compat

    finn_compat.prepare_finn(tmp_path / "finn")
    from finn.util.exception import FINNUserError

    def refuse(model, ctx):
        raise FINNUserError("MultiThreshold_1: Signed output requires actval < 0")

    with pytest.raises(UnsupportedOpError, match="step convert_to_hw: FINN\\+ cannot map this"):
        Step("convert_to_hw", refuse, "").run(None, None)  # type: ignore[arg-type]


def test_other_errors_pass_through() -> None:
    def broken(model, ctx):
        raise KeyError("a bug")

    with pytest.raises(KeyError):
        Step("tidy_up", broken, "").run(None, None)  # type: ignore[arg-type]
