"""Old path of :mod:`pcnn_hw.compile.rtl_step` (the compiler runs the RTL backend as a step, #11)."""

import sys

from pcnn_hw.compile import rtl_step as _moved

sys.modules[__name__] = _moved  # the same module object: attributes and monkeypatching stay shared
