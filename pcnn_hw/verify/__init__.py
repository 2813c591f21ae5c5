"""The `verify` stage: the fidelity ladder over every level the other stages provide.

`pcnn-hw verify model.onnx build/NAME` (:mod:`pcnn_hw.verify.cli`) runs the same test images through
the reference levels made here (PyTorch, QONNX: :mod:`pcnn_hw.verify.ladder`) and the levels the
backends hand over as plain `pcnn_hw.core.levels.Level` objects — `pcnn_hw.sim.levels` (FINN graph,
bit-exact simulator), `pcnn_hw.hls.csim.csim_level`, `pcnn_hw.rtl.level.rtl_level`,
`pcnn_hw.board.level.board_level` — compares each with the one above and writes ``verify.json``
(:mod:`pcnn_hw.verify.record`). It sits above every backend; no backend imports it
(tests/test_imports.py).
"""
