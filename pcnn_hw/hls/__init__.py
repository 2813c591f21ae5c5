"""HLS backend: the C++ kernel library in ``hls/`` (header-only, Vitis HLS pragmas), a generator that
turns a build directory's dataflow graph (``pcnn_hw.graph``; forks and joins included) into an HLS
project (network top, C-sim testbench, Vitis HLS TCL), and C-simulation with g++ checked bit for bit
against the bit-exact simulator (project and testbench in the user cache; the build dir is only read).

Entry points: :func:`pcnn_hw.hls.generate.generate_hls`, :class:`pcnn_hw.hls.csim.CSim`,
:func:`pcnn_hw.hls.csim.csim_level` (a fidelity-ladder Level), ``python -m pcnn_hw.hls``.
Planning: :mod:`pcnn_hw.hls.dag` (streams over the graph), :mod:`pcnn_hw.hls.plan` (one kernel per
layer, from the kind's ``pcnn_hw/layers/<kind>/hls.py`` found through the layer registry; the threshold
and width policy is the kind's, shared with the RTL view).
"""
