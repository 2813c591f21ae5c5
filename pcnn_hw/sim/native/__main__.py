"""`python -m pcnn_hw.sim.native`: build the native simulator kernels and print their path."""

import sys

from pcnn_hw.sim.native import main

sys.exit(main())
