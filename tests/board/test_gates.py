"""`pcnn-hw bitstream` refusals (docs/CONTRACTS.md timing contract) on hand-written report.json files:
no RTL, estimated fmax below the clock (unless --allow-timing-risk), malformed timing; missing Vivado
stays a ToolMissingError."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pcnn_hw.board import vivado
from pcnn_hw.board.gates import check_build
from pcnn_hw.cli import main
from pcnn_hw.errors import BoardError
from tests.board.conftest import add_fake_rtl


def _timing(fmax: float, target: float = 100.0) -> dict:
    """A timing section as the RTL timing level writes it (contract in OWNERS/CONTRACTS)."""
    return {
        "family": "xc7-1",
        "delay_model": {"lut_ns": 0.5, "route_ns": 0.4, "carry4_ns": 0.1, "source": "test"},
        "target_mhz": target,
        "fmax_mhz": fmax,
        "meets_target": fmax >= target,
        "worst": {"instance": "mvau_1", "layer": "MVAU_hls_1", "lut_levels": 13, "carry_cells": 4,
                  "ns": 1000.0 / fmax, "from": "acc_reg[3]", "to": "out_reg[0]"},  # fmt: skip
        "instances": {},
        "flattened": None,
    }


def _with_report(build: Path, dest: Path, **updates: object) -> Path:
    bdir = add_fake_rtl(build, dest)
    rep = json.loads((bdir / "report.json").read_text())
    for k, v in updates.items():
        if v is None:
            rep.pop(k, None)
        else:
            rep[k] = v
    (bdir / "report.json").write_text(json.dumps(rep))
    return bdir


def test_no_rtl_section_refused(cnn_build: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """report.json without "rtl" (even with an rtl/ directory): refused, says build --rtl; CLI exit 1."""
    bdir = _with_report(cnn_build, tmp_path / "cnn", rtl=None)
    with pytest.raises(BoardError, match=r"no RTL; run `pcnn-hw build MODEL.onnx --rtl"):
        check_build(bdir, 100.0)
    assert main(["bitstream", str(bdir), "--scripts-only", "--out", str(tmp_path / "o")]) == 1
    assert "--rtl" in capsys.readouterr().err
    assert not (bdir / "vivado").exists()


def test_timing_risk_refused_unless_allowed(
    cnn_build: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """fmax 87 MHz < 100 MHz: refused naming the layer, instance and path; --allow-timing-risk builds
    the scripts with a warning line."""
    bdir = _with_report(cnn_build, tmp_path / "cnn", timing=_timing(87.0))
    out = ["--scripts-only", "--out", str(tmp_path / "o")]
    assert main(["bitstream", str(bdir), *out]) == 1
    err = capsys.readouterr().err
    assert "layer MVAU_hls_1" in err and "acc_reg[3] -> out_reg[0]" in err and "87.0 MHz < 100 MHz" in err
    assert "--allow-timing-risk" in err and not (bdir / "vivado").exists()
    assert main(["bitstream", str(bdir), *out, "--allow-timing-risk"]) == 0
    assert "WARNING" in capsys.readouterr().err
    assert (bdir / "vivado" / vivado.TCL_FILE).is_file()


def test_timing_ok_and_board_clock(cnn_build: Path, tmp_path: Path) -> None:
    """fmax 130 MHz passes at 100 MHz; the gate uses the larger of the report's target and the clock."""
    bdir = _with_report(cnn_build, tmp_path / "cnn", timing=_timing(130.0))
    check_build(bdir, 100.0)
    with pytest.raises(BoardError, match="130.0 MHz < 200 MHz"):
        check_build(bdir, 200.0)


def test_unverified_instance_refused(cnn_build: Path, tmp_path: Path) -> None:
    """A layer with no timing estimate (Yosys did not finish, no flattened run) is refused by name even
    when the others are fast; --allow-timing-risk lets it through."""
    bdir = _with_report(cnn_build, tmp_path / "cnn", timing={**_timing(180.0), "unverified": ["MVAU_hls_0"]})
    with pytest.raises(BoardError, match=r"no timing estimate for MVAU_hls_0 .* reach 180.0 MHz"):
        check_build(bdir, 100.0)
    check_build(bdir, 100.0, allow_timing_risk=True)


def test_malformed_timing_and_report(cnn_build: Path, tmp_path: Path) -> None:
    """A timing section without fmax, or an unreadable report -> BoardError naming report.json."""
    bad = _timing(90.0)
    del bad["fmax_mhz"]
    bdir = _with_report(cnn_build, tmp_path / "cnn", timing=bad)
    with pytest.raises(BoardError, match=r"report.json: malformed timing section .*fmax_mhz"):
        check_build(bdir, 100.0)
    (bdir / "report.json").write_text("{not json")
    with pytest.raises(BoardError, match="report.json: unreadable build report"):
        check_build(bdir, 100.0)


def test_missing_vivado_after_gates(
    cnn_build: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build that passes the gates, no Vivado: ToolMissingError from run() (scripts ready)."""
    from pcnn_hw.errors import ToolMissingError

    bdir = _with_report(cnn_build, tmp_path / "cnn", timing=_timing(150.0))
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None if name == "vivado" else "/bin/" + name)
    with pytest.raises(ToolMissingError, match="vivado is not on PATH"):
        vivado.run(bdir, "pynq-z2", tmp_path / "o")
