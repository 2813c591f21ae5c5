"""`pcnn-hw verify`'s board level: the simulated board off-board, agreeing with the bit-exact simulator."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pcnn_hw.board.level import SIMULATED, board_level


def test_board_level_simulated_agrees_with_sim(cnn_build: Path) -> None:
    """Off a board the level is labelled simulated and matches the simulator level image by image."""
    from pcnn_hw.verify.ladder import run_ladder, sim_level

    lv = board_level(cnn_build)
    assert lv.name == SIMULATED
    rng = np.random.default_rng(3)
    x = rng.integers(0, 256, size=(30, 1, 12, 12)).astype(np.float32) / 255.0
    res = run_ladder([sim_level(str(cnn_build / "folded.onnx"), build_dir=cnn_build), lv], x, None)
    assert res[1].name == SIMULATED and res[1].mismatches == [] and res[1].agreement == 1.0


def test_verify_cli_has_board_level(mlp_build: Path, capsys: object) -> None:
    """`pcnn-hw verify` prints the board (simulated) row."""
    from pcnn_hw.cli import main

    onnx = mlp_build.parent / "mlp.onnx"
    rc = main(["verify", str(onnx), str(mlp_build), "--data", "digits", "--limit", "40"])
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    assert "board (simulated)" in out, out
    assert rc == 0
