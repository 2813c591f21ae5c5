"""Old import path of :mod:`pcnn_hw.driver.spec` (the board-side driver has its own package, #11)."""

import sys

from pcnn_hw.driver import spec as _moved

sys.modules[__name__] = _moved  # the same module object: attributes and monkeypatching stay shared
