"""Old import path of :mod:`pcnn_hw.core.bits` (bit packing moved to the leaf package, #11)."""

import sys

from pcnn_hw.core import bits as _moved

sys.modules[__name__] = _moved  # the same module object: attributes and monkeypatching stay shared
