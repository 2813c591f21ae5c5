"""Deprecated old path of :mod:`pcnn_hw.verify.record` (the verify record moved to the `verify` stage, #11).

Only an alias for callers outside the package (no ``pcnn_hw`` module imports it; tests/test_imports.py
checks that); delete it once nothing uses the old path.
"""

import sys

from pcnn_hw.verify import record as _moved

sys.modules[__name__] = _moved  # the same module object: attributes and monkeypatching stay shared
