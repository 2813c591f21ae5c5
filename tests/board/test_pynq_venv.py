"""The board-side code under the real `pynq` package (its own venv, numpy 1.26): the shipped driver copy
imports and runs there, and pynq's own Overlay / allocate / MMIO / AXI DMA driver run the deployment's
verify_on_board.py, unchanged, against the simulated PL (pcnn_hw.board.pynq_sim). Slow: the first run
installs the venv (`make pynq-venv`)."""

from __future__ import annotations

import os
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

from pcnn_hw.board.deploy import deploy

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def pynq_python() -> Path:
    """build/.pynq-venv/bin/python (installed by `make pynq-venv` on first use)."""
    py = REPO / "build" / ".pynq-venv" / "bin" / "python"
    if not (REPO / "build" / ".pynq-venv" / ".installed").is_file():
        res = subprocess.run(["make", "pynq-venv"], cwd=REPO, capture_output=True, text=True, check=False)
        if res.returncode != 0:
            pytest.skip(f"could not install the pynq venv: {res.stderr[-500:]}")
    return py


@pytest.fixture(scope="module")
def package(mlp_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The unpacked deployment package of the mini MLP."""
    work = tmp_path_factory.mktemp("pynq_pkg")
    z = deploy(mlp_build, work / "mlp.zip", bitstreams_dir=work, count=30)
    with zipfile.ZipFile(z) as f:
        f.extractall(work)
    return work / "mlp"


def _env(with_repo: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PCNN_HW_PYNQ_SIM")}
    if with_repo:
        env["PYTHONPATH"] = str(REPO)
    return env


def test_shipped_driver_runs_under_pynq_venv(pynq_python: Path, package: Path) -> None:
    """From the package directory only (no repo on the path): the driver copy imports next to pynq
    4.0 / numpy 1.26, loads nothing heavy, and executes through a backend."""
    code = """
import sys, numpy as np, pynq
import pcnn_hw.driver as b
assert b.__file__.startswith(sys.argv[1]), b.__file__
from pcnn_hw.driver.driver import Accelerator
from pcnn_hw.driver.spec import load_spec
from pcnn_hw.driver.packing import pack_stream
spec = load_spec('accelerator.json')
class Echo(b.Backend):
    def allocate(self, n): return np.zeros(n, np.uint8)
    def start(self, i, ni, o, no, k): o[:k] = i[:ni].reshape(k, -1)[:, 0] % 10; self.k = k
    def poll(self): return self.k
    def abort(self): pass
acc = Accelerator(spec=spec, backend=Echo(), batch_size=7)
x = np.arange(20 * 64, dtype=np.uint8).reshape(20, 64)
assert (acc.execute(x) == x[:, 0] % 10).all()
heavy = [m for m in sys.modules if m.split('.')[0] in ('torch', 'onnx', 'finn', 'qonnx', 'brevitas')]
assert not heavy, heavy
print('numpy', np.__version__, 'pynq', pynq.__version__)
"""
    res = subprocess.run(
        [str(pynq_python), "-c", code, str(package)],
        cwd=package,
        env=_env(False),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    assert "numpy 1.26" in res.stdout and "pynq 4.0.0" in res.stdout


def test_verify_on_board_through_real_pynq(
    pynq_python: Path, package: Path, mlp_build: Path, tmp_path: Path
) -> None:
    """pynq's Overlay + DMA driver against the simulated PL: every image matches, exit 0."""
    bdir = tmp_path / "mlp"
    import shutil

    shutil.copytree(mlp_build, bdir)
    res = subprocess.run(
        [
            str(pynq_python),
            "-m",
            "pcnn_hw.board.pynq_sim",
            str(bdir),
            str(package / "verify_on_board.py"),
            "--bitfile",
            str(bdir / "pynq_sim" / "mlp.bit"),
            "--batch-size",
            "8",
        ],
        env=_env(True),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-3000:]
    assert "30/30 outputs match" in res.stdout and "(batch 8, pynq)" in res.stdout


def test_stall_through_real_pynq(pynq_python: Path, package: Path, mlp_build: Path, tmp_path: Path) -> None:
    """A stalled accelerator behind pynq's DMA driver -> the driver's timeout, DMA reset, exit 2."""
    import shutil

    bdir = tmp_path / "mlp"
    shutil.copytree(mlp_build, bdir)
    t0 = time.monotonic()
    res = subprocess.run(
        [
            str(pynq_python),
            "-m",
            "pcnn_hw.board.pynq_sim",
            str(bdir),
            str(package / "verify_on_board.py"),
            "--bitfile",
            str(bdir / "pynq_sim" / "mlp.bit"),
            "--timeout",
            "0.5",
            "--stalled",
        ],
        env=_env(True),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert res.returncode == 2, res.stderr[-3000:]
    assert "did not answer within 0.5 s" in res.stderr
    assert time.monotonic() - t0 < 120


def test_ps8_board_through_real_pynq(
    pynq_python: Path, package: Path, mlp_build: Path, tmp_path: Path
) -> None:
    """A KV260 (PS8) build: the simulated .hwh has the zynq_ultra_ps_e PS and its HPM0_FPD addresses,
    pynq's Overlay parses it and its DMA driver runs verify_on_board.py to every image matching."""
    import json
    import shutil

    bdir = tmp_path / "mlp"
    shutil.copytree(mlp_build, bdir)
    rep = json.loads((bdir / "report.json").read_text())
    rep["board"]["name"] = "kv260"
    (bdir / "report.json").write_text(json.dumps(rep))
    res = subprocess.run(
        [str(pynq_python), "-m", "pcnn_hw.board.pynq_sim", str(bdir), str(package / "verify_on_board.py"),
         "--bitfile", str(bdir / "pynq_sim" / "mlp.bit"), "--batch-size", "8"],
        env=_env(True), capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-3000:]
    assert "30/30 outputs match" in res.stdout
    hwh = (bdir / "pynq_sim" / "mlp.hwh").read_text()
    assert 'MODTYPE="zynq_ultra_ps_e"' in hwh and 'BASEVALUE="0xA0000000"' in hwh
