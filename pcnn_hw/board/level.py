"""The board rung of the fidelity ladder (`pcnn-hw verify`).

On a PYNQ board with the bitstream it runs the images on the hardware ("board"); elsewhere it runs the
same driver against the simulated board ("board (simulated)": bit-exact backend behind the driver's
packing, DMA batching and unpacking).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pcnn_hw.core.levels import Level
from pcnn_hw.driver.driver import Accelerator

SIMULATED = "board (simulated)"
HARDWARE = "board"


def _pynq_available() -> bool:
    try:
        import pynq  # noqa: F401
    except ImportError:
        return False
    return True


def default_bitfile(build_dir: str | Path) -> Path | None:
    """bitstreams/<board>/<name>.bit of a build when running on a PYNQ board (pynq importable), else None."""
    from pcnn_hw.board.buildinfo import make_spec
    from pcnn_hw.board.vivado import repo_bitstreams_dir

    if not _pynq_available():
        return None
    spec = make_spec(build_dir)
    bit = repo_bitstreams_dir() / spec.board / f"{spec.name}.bit"
    return bit if bit.is_file() else None


def board_level(
    build_dir: str | Path, bitfile: str | Path | None = None, batch_size: int = 256, timeout_s: float = 10.0
) -> Level:
    """Level running the build on the board (`bitfile`, or the build's bitstream when on a board),
    else on the simulated board."""
    from pcnn_hw.board.buildinfo import make_spec
    from pcnn_hw.board.simboard import BitExactBackend

    spec = make_spec(build_dir)
    bit = Path(bitfile) if bitfile is not None else default_bitfile(build_dir)
    if bit is not None:
        acc = Accelerator(bit, spec=spec, batch_size=batch_size, timeout_s=timeout_s)
        name = HARDWARE
    else:
        acc = Accelerator(
            spec=spec, backend=BitExactBackend(spec, build_dir), batch_size=batch_size, timeout_s=timeout_s
        )
        name = SIMULATED

    def predict(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        labels, raw = acc.execute(np.asarray(x, np.float32), return_raw=True)
        return labels, raw

    return Level(name, predict)
