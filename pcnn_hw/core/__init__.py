"""Leaf package of plain data shared by every stage: stream formats and backend descriptions.

Nothing here imports another ``pcnn_hw`` package except :mod:`pcnn_hw.errors`, so layers, the graph,
the simulator and every backend can depend on it without cycles (tests/test_imports.py).
"""
