"""Board-side PYNQ driver (light dependencies: numpy, and pynq on a board) and its host-side tooling.

Board-side modules — importable on a PYNQ image, nothing heavy: `driver` (Accelerator), `packing`,
`spec`, `pynq_backend`. Host-side modules (onnx, simulator, Vivado scripts, deploy package) are never
imported from here: `buildinfo`, `simboard`, `vivado` (with `blockdesign`, `ipparams`, `rtltop`,
`wrapper`, `gates`, `render`, `tclcheck`, templates in `templates/`), `sim_hwh`, `finn_config`,
`deploy`, `cli`, `pynq_sim`.
"""

from pcnn_hw.board.driver import Accelerator, Backend, bitfile_paths
from pcnn_hw.board.spec import AcceleratorSpec, StreamSpec, load_spec
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
