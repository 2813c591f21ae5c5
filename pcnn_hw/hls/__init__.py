"""HLS backend: the C++ kernel library in ``hls/`` (header-only, Vitis HLS pragmas), a generator that
turns a build directory into ``build/NAME/hls/`` (network top, C-sim testbench, Vitis HLS TCL), and
C-simulation with g++ checked bit for bit against the bit-exact simulator.

Entry points: :func:`pcnn_hw.hls.generate.generate_hls`, :class:`pcnn_hw.hls.csim.CSim`,
:func:`pcnn_hw.hls.csim.csim_level` (a fidelity-ladder Level), ``python -m pcnn_hw.hls``.
"""
