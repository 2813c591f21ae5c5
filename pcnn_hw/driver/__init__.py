"""Board-side PYNQ driver: everything that runs on the board, and nothing else.

Runs on a PYNQ image: Python >= 3.8, numpy >= 1.21 (no numpy-2-only calls), pynq >= 2.7 for the real
hardware. It imports only the standard library, numpy, pynq and :mod:`pcnn_hw.errors` — never a host
package (onnx, qonnx, the simulator, ...); tests/board/test_import_graph.py checks both the sources and
what actually gets loaded. `pcnn_hw.board deploy` zips exactly these files (`BOARD_SIDE_MODULES`).

* `driver`: `Accelerator(bitfile | backend=...)` — batching, packing, DMA timeout, unpacking.
* `backend`: the `Backend` interface (DMA + accelerator) the driver talks to.
* `pynq_backend`: `PynqBackend`, the real hardware through pynq.
* `packing`: word and stream bit layouts (shared with the host: `pcnn_hw.core.bits`).
* `spec`: `AcceleratorSpec` / `accelerator.json` (stream formats, register map).
* `verify_on_board.py`: the deployment package's script (runs the test vectors).

The host-side tooling (spec/vectors from a build, simulated boards, Vivado scripts) is
:mod:`pcnn_hw.board`, which imports this package.
"""

from pcnn_hw.driver.backend import Backend
from pcnn_hw.driver.driver import Accelerator, bitfile_paths
from pcnn_hw.driver.spec import AcceleratorSpec, StreamSpec, load_spec
from pcnn_hw.errors import BoardError

__all__ = [
    "Accelerator",
    "AcceleratorSpec",
    "Backend",
    "BoardError",
    "StreamSpec",
    "bitfile_paths",
    "load_spec",
]
