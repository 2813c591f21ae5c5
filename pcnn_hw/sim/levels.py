"""The simulator's levels of the fidelity ladder: FINN+'s own execution of the folded graph and the
bit-exact simulator (collected by `pcnn_hw.verify`, like the C-sim, RTL and board levels)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from pcnn_hw.core.levels import Level, graph_input_adapter
from pcnn_hw.core.levels import label_output as _label_output
from pcnn_hw.sim.builddir import BuildDir


def finn_level(folded: Any) -> Level:
    """FINN+'s Python execution of the folded graph (generic HW ops), image by image."""
    from pcnn_hw.sim.executor import tensor_datatypes
    from pcnn_hw.sim.finn_reference import FinnReference

    ref = FinnReference(folded)
    dt = tensor_datatypes(ref.model.model).get(ref.input_name, "FLOAT32")
    adapt = graph_input_adapter(ref.input_shape, dt)

    def predict(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        y = ref.run(adapt(x))
        return _label_output(y), y.reshape(y.shape[0], -1)

    return Level("FINN graph", predict)


def sim_level(
    folded: Any, finn_ref: Any = None, build_dir: str | Path | BuildDir | None = None, backend: str = "auto"
) -> Level:
    """The bit-exact packed simulator of the folded graph (batched); with `build_dir` (a path or a
    `BuildDir`) it computes from the compiler's memory images (build/NAME/weights, FINN's layout, read by
    `BuildDir.weights`) instead of the graph's initializers.
    `backend`: the simulator's 'auto' / 'native' / 'numpy' (see `Simulator`); its notes say which ran."""
    from pcnn_hw.sim.executor import Simulator

    memory = None
    if build_dir is not None:
        bd = build_dir if isinstance(build_dir, BuildDir) else BuildDir(build_dir)
        memory = bd.weights
    sim = Simulator(folded, memory=memory, backend=backend)
    adapt = graph_input_adapter(sim.input_shape, sim.input_dtype)

    def predict(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        y = sim.run(adapt(x))
        return _label_output(y), y.reshape(y.shape[0], -1)

    def probe(xi: np.ndarray) -> str:
        """First tensor where the simulator and FINN's execution differ on one image."""
        from pcnn_hw.sim.finn_reference import FinnReference

        ref = finn_ref or FinnReference(folded)
        xa = adapt(xi[None])
        _, vals = sim.run(xa, keep=True)
        ctx = ref.run_one(xa, all_tensors=True)
        for step in sim.steps:
            a, b = vals.get(step.out), ctx.get(step.out)
            if a is not None and b is not None and not np.array_equal(a.reshape(np.shape(b)), b):
                return f"layer {step.node.name} ({step.node.op_type})"
        return "no intermediate tensor differs"

    def notes() -> list[str]:
        out = []
        for name, ov in sim.overflows().items():
            out.append(
                f"layer {name}: {ov['values']} accumulator value(s) in [{ov['min']:g}, {ov['max']:g}] exceed "
                f"accDataType {ov['accDataType']} {ov['range']} - hardware would wrap, FINN's Python "
                "execution (and this simulator) do not"
            )
        return out

    score = sim.score_tensor()

    def scores(x: np.ndarray) -> np.ndarray:
        """The integer class scores (the tensor into LabelSelect) on NCHW images."""
        _, caps = sim.run(adapt(x), capture=(score,))
        return np.asarray(caps[score]).reshape(len(x), -1)

    kernels = "native C kernels" if sim.backend == "native" else "numpy"
    return Level("bit-exact sim", predict, probe, notes, about=f"bit-exact sim: {kernels}",
                 scores=scores if score is not None else None)
