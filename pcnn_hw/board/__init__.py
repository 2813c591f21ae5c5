"""Host-side tooling of the PYNQ board; the board-side driver itself is :mod:`pcnn_hw.driver`
(``from pcnn_hw.driver import Accelerator``).

Host-side modules (onnx, simulator, Vivado scripts, deploy package) are never imported from here:
`buildinfo`, `simboard`, `vivado` (with `blockdesign`, `ipparams`, `rtltop`, `wrapper`, `gates`,
`render`, `tclcheck`, templates in `templates/`), `sim_hwh`, `finn_config`, `deploy`, `cli`, `pynq_sim`,
`level`.
"""
