"""Bit-exact packed simulator of folded FINN dataflow graphs, and the fidelity ladder.

    from pcnn_hw.sim import Simulator, FinnReference, PackedBits
    sim = Simulator("build/NAME/folded.onnx", memory=load_weights("build/NAME"))  # batched, bit-exact
    y = sim.run(x)                      # x: (N, *graph input shape[1:]); y: graph output, int
    y, tensors = sim.run(x, keep=True)  # plus every intermediate tensor (unpacked), by name
    sim.layers, sim.exp_cycles(), sim.overflows(), sim.backend

The MVAUs run on the native C kernels of `pcnn_hw.sim.native` when a C compiler is available
(`backend="auto"`, the default), else, or with `backend="numpy"`, on the numpy path, which is the
reference the native kernels are tested against.

`FinnReference(folded).run(x)` is FINN+'s own Python execution of the same graph (image by image);
`pcnn_hw.sim.levels` holds its levels of the fidelity ladder (`pcnn_hw.verify` runs them). Layer
semantics live in `pcnn_hw.layers`.
"""

from __future__ import annotations

from pcnn_hw.core.lazy import lazy_getattr

# Lazy: importing a submodule (e.g. pcnn_hw.sim.native) should not load the executor and the layers.
_EXPORTS = {
    "Simulator": "pcnn_hw.sim.executor",
    "FinnReference": "pcnn_hw.sim.finn_reference",
    "PackedBits": "pcnn_hw.core.bits",
    "pack_bits": "pcnn_hw.core.bits",
    "unpack_bits": "pcnn_hw.core.bits",
    "xnor_popcount_matmul": "pcnn_hw.core.bits",
}
__all__ = sorted(_EXPORTS)

__getattr__ = lazy_getattr(__name__, _EXPORTS)
