"""Deployment package: contents, determinism, and verify_on_board.py run unchanged on the simulated board."""

from __future__ import annotations

import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from pcnn_hw.board.deploy import BOARD_SIDE_DIR, BOARD_SIDE_MODULES, deploy
from pcnn_hw.errors import BoardError

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def mlp_zip(mlp_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mini MLP's package (digits vectors), unpacked; returns the package directory."""
    work = tmp_path_factory.mktemp("deploy")
    z = deploy(mlp_build, work / "mlp.zip", bitstreams_dir=work / "no-bitstreams", count=40)
    with zipfile.ZipFile(z) as f:
        f.extractall(work / "unpacked")
    return work / "unpacked" / "mlp"


def _verify(pkg: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(pkg / "verify_on_board.py"), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
        cwd=REPO,
    )


def test_contents(mlp_zip: Path, mlp_build: Path) -> None:
    """Driver copy (identical to the repo's), spec, vectors, script, README; no bitstream when none built."""
    names = {str(p.relative_to(mlp_zip)) for p in mlp_zip.rglob("*") if p.is_file()}
    want = {
        "verify_on_board.py",
        "accelerator.json",
        "vectors.npz",
        "README.md",
        "pcnn_hw/__init__.py",
        "pcnn_hw/errors.py",
    } | {f"{BOARD_SIDE_DIR}/{m}" for m in BOARD_SIDE_MODULES}
    assert names == want
    for m in BOARD_SIDE_MODULES:
        assert (mlp_zip / BOARD_SIDE_DIR / m).read_bytes() == (REPO / BOARD_SIDE_DIR / m).read_bytes()
    assert "No bitstream was built yet" in (mlp_zip / "README.md").read_text()
    with np.load(mlp_zip / "vectors.npz") as v:
        assert v["images"].dtype == np.uint8 and v["images"].shape == (40, 1, 8, 8)  # digits, NCHW
        assert v["expected"].shape == (40, 1) and (v["labels"] >= 0).all()
        assert np.array_equal(v["expected_labels"], v["expected"][:, 0])


def test_deterministic(mlp_build: Path, tmp_path: Path) -> None:
    """Two packages of the same build are byte-identical."""
    a = deploy(mlp_build, tmp_path / "a.zip", bitstreams_dir=tmp_path, count=8)
    b = deploy(mlp_build, tmp_path / "b.zip", bitstreams_dir=tmp_path, count=8)
    assert a.read_bytes() == b.read_bytes()


def test_bitstream_included_and_hwh_required(mlp_build: Path, tmp_path: Path) -> None:
    """NAME.bit + NAME.hwh are packaged when present; a .bit without .hwh is an error."""
    bdir = tmp_path / "bitstreams"
    bdir.mkdir()
    (bdir / "mlp.bit").write_bytes(b"test input, not a bitstream")
    with pytest.raises(BoardError, match="mlp.hwh"):
        deploy(mlp_build, tmp_path / "x.zip", bitstreams_dir=bdir, count=4)
    (bdir / "mlp.hwh").write_text("<EDKSYSTEM/>")
    z = deploy(mlp_build, tmp_path / "x.zip", bitstreams_dir=bdir, count=4)
    names = zipfile.ZipFile(z).namelist()
    assert "mlp/mlp.bit" in names and "mlp/mlp.hwh" in names


def test_verify_on_board_simulated_pass(mlp_zip: Path, mlp_build: Path) -> None:
    """The shipped script, unchanged, on the simulated board: every image PASS, accuracy, FPS, exit 0."""
    res = _verify(
        mlp_zip,
        "--backend",
        "pcnn_hw.board.simboard:bitexact",
        "--backend-arg",
        str(mlp_build),
        "--batch-size",
        "16",
    )
    assert res.returncode == 0, res.stdout + res.stderr
    lines = res.stdout.splitlines()
    assert sum(" PASS " in ln for ln in lines) == 40
    assert "40/40 outputs match" in lines[-1] and "accuracy" in lines[-1] and "images/s" in lines[-1]


def test_verify_on_board_mismatch_exit_1(mlp_zip: Path, mlp_build: Path, tmp_path: Path) -> None:
    """A wrong expected output -> FAIL line for that image and exit status 1."""
    with np.load(mlp_zip / "vectors.npz") as v:
        d = {k: v[k] for k in v.files}
    d["expected"][3, 0] = (d["expected"][3, 0] + 1) % 10
    np.savez(tmp_path / "bad.npz", **d)
    res = _verify(
        mlp_zip,
        "--backend",
        "pcnn_hw.board.simboard:bitexact",
        "--backend-arg",
        str(mlp_build),
        "--vectors",
        str(tmp_path / "bad.npz"),
        "--quiet",
    )
    assert res.returncode == 1
    assert "image     3: FAIL" in res.stdout and "39/40 outputs match" in res.stdout


def test_verify_on_board_stall_exit_2(mlp_zip: Path) -> None:
    """A stalled accelerator -> clear error within the timeout, exit status 2."""
    t0 = time.monotonic()
    res = _verify(mlp_zip, "--backend", "pcnn_hw.board.simboard:stalled", "--timeout", "0.5")
    assert res.returncode == 2 and "did not answer within 0.5 s" in res.stderr
    assert time.monotonic() - t0 < 30


def test_verify_on_board_without_bitstream(mlp_zip: Path) -> None:
    """Default (pynq) backend in a package without a bitstream -> clear error, exit 2."""
    res = _verify(mlp_zip)
    assert res.returncode == 2 and "no .bit file" in res.stderr


def test_cli_deploy(cnn_build: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """`pcnn-hw deploy` on an NHWC design with no matching dataset: random vectors without ground truth,
    said on the terminal; the README's `make bitstream` names the build directory as given."""
    from pcnn_hw.cli import main

    out = tmp_path / "cnn.zip"
    assert (
        main(["deploy", str(cnn_build), "-o", str(out), "--count", "12", "--bitstreams", str(tmp_path)]) == 0
    )
    assert "random test vectors" in capsys.readouterr().err
    with zipfile.ZipFile(out) as z:
        z.extractall(tmp_path)
    readme = (tmp_path / "cnn" / "README.md").read_text()
    assert f"make bitstream BUILD={cnn_build.as_posix()} BOARD=" in readme
    with np.load(tmp_path / "cnn" / "vectors.npz") as v:
        assert v["images"].shape == (12, 1, 12, 12) and (v["labels"] == -1).all()
    res = _verify(
        tmp_path / "cnn", "--backend", "pcnn_hw.board.simboard:bitexact", "--backend-arg", str(cnn_build)
    )
    assert res.returncode == 0 and "n/a (random images)" in res.stdout
    assert main(["deploy", str(tmp_path / "nope"), "-o", str(out)]) == 1
