"""Host-side tooling of the PYNQ board; the board-side driver itself is :mod:`pcnn_hw.driver`.

The driver's names are re-exported here (`from pcnn_hw.board import Accelerator` keeps working), and
`pcnn_hw.board.{driver,packing,spec,pynq_backend}` are aliases of the `pcnn_hw.driver` modules. Host-side
modules (onnx, simulator, Vivado scripts, deploy package) are never
imported from here: `buildinfo`, `simboard`, `vivado` (with `blockdesign`, `ipparams`, `rtltop`,
`wrapper`, `gates`, `render`, `tclcheck`, templates in `templates/`), `sim_hwh`, `finn_config`,
`deploy`, `cli`, `pynq_sim`.
"""

from pcnn_hw.driver import Accelerator, AcceleratorSpec, Backend, StreamSpec, bitfile_paths, load_spec
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
