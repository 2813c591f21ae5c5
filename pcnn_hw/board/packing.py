"""Old import path of :mod:`pcnn_hw.driver.packing` (the board-side driver has its own package, #11)."""

import sys

from pcnn_hw.driver import packing as _moved

sys.modules[__name__] = _moved  # the same module object: attributes and monkeypatching stay shared
