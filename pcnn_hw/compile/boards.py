"""Old path of :mod:`pcnn_hw.core.boards` (the board table is plain data in the leaf package, #11)."""

import sys

from pcnn_hw.core import boards as _moved

sys.modules[__name__] = _moved  # the same module object: attributes and monkeypatching stay shared
