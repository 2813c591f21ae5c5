"""`pcnn-hw verify` and the fidelity ladder API."""

from __future__ import annotations

import shutil

import numpy as np

from pcnn_hw.cli import main
from pcnn_hw.verify.ladder import finn_level, format_ladder, qonnx_level, run_ladder, sim_level, torch_level


def test_verify_cli_agrees(folded_cases, capsys) -> None:
    case = folded_cases("tfc")
    rc = main(["verify", str(case.onnx_path), str(case.build_dir), "--data", "mnist5k", "--limit", "6"])
    out = capsys.readouterr().out
    assert rc == 0, out
    for level in ("QONNX", "FINN graph", "bit-exact sim"):
        assert level in out
    assert "100.00 %" in out
    assert "bit-exact sim: native C kernels" in out


def test_verify_cli_numpy_backend(folded_cases, capsys) -> None:
    case = folded_cases("tfc")
    rc = main(["verify", str(case.onnx_path), str(case.build_dir), "--data", "mnist5k", "--limit", "6",
               "--no-csim", "--sim-backend", "numpy"])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "bit-exact sim: numpy" in out and "100.00 %" in out


def test_verify_cli_reports_disagreement(folded_cases, tmp_path, capsys) -> None:
    """A corrupted memory image in the build dir makes the simulator disagree: exit 1, layer named."""
    case = folded_cases("tfc")
    bad = tmp_path / "bad_build"
    shutil.copytree(case.build_dir, bad)
    wfile = sorted((bad / "weights").glob("MVAU_*.weights.npy"))[0]
    w = np.load(wfile)
    np.save(wfile, 1 - w if w.min() >= 0 else -w)  # invert every weight bit
    rc = main(["verify", str(case.onnx_path), str(bad), "--data", "mnist5k", "--limit", "20"])
    err = capsys.readouterr().err
    assert rc == 1
    assert "bit-exact sim" in err and "image" in err and "layer MVAU" in err, err


def test_ladder_with_pytorch_level(folded_cases) -> None:
    from pcnn_hw.data import load_dataset

    case = folded_cases("tfc")
    ds = load_dataset("mnist5k")
    x, y = ds.test_x[:8].numpy(), ds.test_y[:8].numpy()
    levels = [
        torch_level(case.torch_model),
        qonnx_level(case.onnx_path),
        finn_level(case.folded),
        sim_level(case.folded, build_dir=case.build_dir),
    ]
    res = run_ladder(levels, x, y)
    assert [r.name for r in res] == ["PyTorch", "QONNX", "FINN graph", "bit-exact sim"]
    assert all(r.agreement == 1.0 for r in res[1:]), format_ladder(res, len(x))
    assert all(r.mismatches == [] for r in res)
