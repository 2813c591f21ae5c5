"""Batched bit-exact executor of a folded FINN dataflow graph.

`Simulator(model)` builds the model's `pcnn_hw.graph.DataflowGraph` once (one `pcnn_hw.layers` object per
node, weights and thresholds read through the layers' hardware memory images; a parent graph with a
`StreamingDataflowPartition` node followed into its child) and runs N inputs at once: the host ops
before the accelerator, its nodes in topological order, the host ops after it. Forks and joins are
ordinary nodes (several output / input tensors). Binary tensors travel between layers packed into
uint64 words (`PackedBits`); integer tensors as int64 arrays. With the native kernels, consecutive
XNOR MVAUs that feed each other are fused into one kernel call (`pcnn_hw.sim.fusion`).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import NodeProto

from pcnn_hw.core.bits import PackedBits, blas_single_thread
from pcnn_hw.errors import UnknownNameError
from pcnn_hw.graph.dataflow import HOST_OPS, DataflowGraph
from pcnn_hw.graph.onnxmodel import load_onnx, tensor_datatypes
from pcnn_hw.layers import HwLayer
from pcnn_hw.sim import native
from pcnn_hw.sim.fusion import FusedXnorChain, fuse_groups
from pcnn_hw.sim.hostops import host_op, to_plain

BACKENDS = ("auto", "native", "numpy")
# input vectors of the largest layer per sub-batch (see Simulator.max_batch), by backend: cache-sized
# for numpy's temporaries; larger for the native kernels, which have none (cnv, 100 images, one run:
# 2,216 img/s at 16 images per sub-batch, 3,737 at 50, 3,719 at 100)
SUB_BATCH_ROWS = {"numpy": 16384, "native": 65536}
__all__ = ["BACKENDS", "HOST_OPS", "Simulator", "Step", "load_onnx", "tensor_datatypes", "to_plain"]


@dataclass
class Step:
    """One executed graph node: the layer (or host op), its input and output tensor names.

    A join (AddStreams) has further inputs in `more_inputs` (run gets them as extra arguments); a fork
    (DuplicateStreams) further outputs in `more_outputs` (run then returns one value per output).
    """

    node: NodeProto
    layer: HwLayer | None
    inp: str
    out: str
    run: Callable[..., Any]
    more_inputs: tuple[str, ...] = ()
    more_outputs: tuple[str, ...] = ()

    @property
    def inputs(self) -> tuple[str, ...]:
        """All input tensor names."""
        return (self.inp, *self.more_inputs)

    @property
    def outputs(self) -> tuple[str, ...]:
        """All output tensor names."""
        return (self.out, *self.more_outputs)

    def run_on(self, vals: dict[str, Any]) -> None:
        """Run on the tensors in `vals` and store the outputs there."""
        res = self.run(*(vals[i] for i in self.inputs))
        if self.more_outputs:
            vals.update(zip(self.outputs, res, strict=True))
        else:
            vals[self.out] = res


def _last_use(steps: list[Step]) -> dict[str, int]:
    """Tensor name -> index of the last step reading it (the value is freed after that step)."""
    return {name: i for i, s in enumerate(steps) for name in s.inputs}


class Simulator:
    """Bit-exact batched simulator of a folded dataflow graph.

    `memory` optionally maps node names to memory images ({'weights': ..., 'thresholds': ...} in the
    hardware layout of `pcnn_hw.layers`), overriding the graph's initializers (e.g. the images the
    compiler wrote to build/NAME/weights/). `max_batch`: images per internal sub-batch
    (default: SUB_BATCH_ROWS[backend] / the largest layer's vectors per image, e.g. 16 (numpy) or 64
    (native) for cnv, all for MLPs).
    `backend`: 'numpy' (the reference), 'native' (XNOR layers on the C kernels of `pcnn_hw.sim.native`,
    error if they cannot be built) or 'auto' (native when a C compiler is available); `self.backend`
    says which one runs.
    """

    def __init__(
        self,
        model: str | Path | onnx.ModelProto | Any,
        memory: dict[str, dict[str, np.ndarray]] | None = None,
        base_dir: str | Path | None = None,
        max_batch: int | None = None,
        backend: str = "auto",
    ) -> None:
        if backend not in BACKENDS:
            raise UnknownNameError("simulator backend", backend, BACKENDS)
        proto = load_onnx(model)
        if base_dir is None and isinstance(model, (str, Path)):
            base_dir = Path(model).parent
        self.model = proto
        self.base_dir = Path(base_dir) if base_dir is not None else None
        self.memory = memory or {}
        self.graph = DataflowGraph.from_model(proto, self.memory, self.base_dir)
        g = proto.graph
        self.input_name = g.input[0].name
        self.output_name = g.output[0].name
        self.input_shape = [d.dim_value for d in g.input[0].type.tensor_type.shape.dim]
        self.output_shape = [d.dim_value for d in g.output[0].type.tensor_type.shape.dim]
        self.input_dtype = self.graph.flat.dtypes.get(self.input_name, "FLOAT32")
        self.steps: list[Step] = self._steps()
        self.backend = self._select_backend(backend)
        # a plain chain (each step consumes the previous output) runs without the tensor dictionary
        names = [self.input_name] + [s.out for s in self.steps]
        self._chain = bool(self.steps) and names[-1] == self.output_name and all(
            s.inp == names[i] and not s.more_inputs and not s.more_outputs for i, s in enumerate(self.steps))
        # execution units: the steps, with fusable groups of native XNOR MVAUs as one unit each
        groups = fuse_groups(self.steps) if self.backend == "native" else [[s] for s in self.steps]
        self._units = [grp[0] if len(grp) == 1 else Step(grp[0].node, None, grp[0].inp, grp[-1].out,
                                                         FusedXnorChain(grp)) for grp in groups]
        self._runs = [u.run for u in self._units]
        self._last_use = _last_use(self.steps)
        self._unit_last_use = _last_use(self._units)
        self._in_tail = tuple(self.input_shape[1:])
        self._out_tail = tuple(self.output_shape[1:])
        if max_batch is None:
            # keep the largest layer's rows per sub-batch around SUB_BATCH_ROWS (cache-sized)
            vecs = [
                int(np.prod(layer.attrs.get("numInputVectors", [1])))
                for layer in self.layers
                if "numInputVectors" in layer.attrs
            ]
            max_batch = max(1, SUB_BATCH_ROWS[self.backend] // max(vecs + [1]))
        self.max_batch = max(1, int(max_batch))

    def _steps(self) -> list[Step]:
        """Host ops before the accelerator, its nodes in topological order, host ops after it."""
        g = self.graph

        def host(n: NodeProto) -> Step:
            return Step(n, None, n.input[0], n.output[0], host_op(n, g.flat.init))

        steps = [host(n) for n in g.host_pre]
        for gn in g.nodes:
            ins, outs = [e.name for e in gn.inputs], [e.name for e in gn.outputs]
            steps.append(Step(gn.node, gn.layer, ins[0], outs[0], gn.layer.execute, tuple(ins[1:]),
                              tuple(outs[1:])))
        return steps + [host(n) for n in g.host_post]

    def _select_backend(self, backend: str) -> str:
        """Switch the layers that can to the native kernels unless backend is 'numpy'; the one in use.

        Sets `self.limit_blas`: whether some layer still multiplies through BLAS (numpy path), whose own
        threads are then limited to one while running (see `blas_single_thread`)."""
        numpy_layers = [layer for layer in self.layers if hasattr(layer, "use_native")]
        kernels = None if backend == "numpy" else native.load(required=backend == "native")
        if kernels is not None:
            numpy_layers = [layer for layer in numpy_layers if not layer.use_native(kernels)]
        self.limit_blas = bool(numpy_layers)
        return "numpy" if kernels is None else "native"

    @property
    def layers(self) -> list[HwLayer]:
        """The hardware layers in execution order."""
        return [s.layer for s in self.steps if s.layer is not None]

    # -- execution ----------------------------------------------------------------------------------
    def prepare_input(self, x: np.ndarray) -> np.ndarray | PackedBits:
        """Reshape a batch to the graph input shape (batch axis free); pack it if the input is binary."""
        x = np.asarray(x)
        x = x.reshape((x.shape[0],) + self._in_tail)
        if self.input_dtype in ("BINARY", "BIPOLAR"):
            return PackedBits.from_bits((x > 0).astype(np.uint8) if self.input_dtype == "BIPOLAR" else x)
        return x

    def run(
        self, x: np.ndarray, keep: bool = False, capture: tuple[str, ...] = ()
    ) -> np.ndarray | tuple[np.ndarray, dict[str, np.ndarray]]:
        """Execute the graph on a batch x (N, ...); returns the graph output (N, ...) as a numpy array.

        Large batches run in sub-batches of `max_batch` images (cache-sized working sets are faster).
        With keep=True also returns every intermediate tensor (unpacked) by tensor name (one pass, no
        sub-batching); with `capture` only the named tensors.
        """
        x = np.asarray(x)
        n = x.shape[0]
        if keep or n <= self.max_batch:
            return self._run_batch(x, keep, capture)
        outs, caps = [], []
        for s in range(0, n, self.max_batch):
            r = self._run_batch(x[s : s + self.max_batch], False, capture)
            if capture:
                outs.append(r[0])
                caps.append(r[1])
            else:
                outs.append(r)
        out = np.concatenate(outs, axis=0)
        if capture:
            return out, {k: np.concatenate([c[k] for c in caps], axis=0) for k in caps[0]}
        return out

    def _run_batch(
        self, x: np.ndarray, keep: bool, capture: tuple[str, ...]
    ) -> np.ndarray | tuple[np.ndarray, dict[str, np.ndarray]]:
        if not keep and not capture and self._chain:
            return self._run_chain(x)
        vals: dict[str, Any] = {self.input_name: self.prepare_input(x)}
        captured: dict[str, np.ndarray] = {}
        # intermediates wanted: layer by layer; else the (fused) units, freeing tensors after last use
        units, last = (self.steps, self._last_use) if keep or capture else (self._units, self._unit_last_use)
        with self._blas_limit():
            for i, s in enumerate(units):
                s.run_on(vals)
                for name in s.inputs:
                    if name in capture:
                        captured[name] = to_plain(vals[name])
                    if not keep and last.get(name) == i:
                        vals.pop(name, None)
        n = np.asarray(x).shape[0]
        last_out = self.output_name if self.output_name in vals else (
            self.steps[-1].out if self.steps else self.input_name)
        out = to_plain(vals[last_out])
        if self.output_name in capture:
            captured[self.output_name] = out
        out = out.reshape([n] + [d for d in self.output_shape[1:]]) if self.output_shape else out
        if keep:
            return out, {k: to_plain(v) for k, v in vals.items()}
        if capture:
            return out, captured
        return out

    def _blas_limit(self) -> AbstractContextManager:
        """One BLAS thread while running if some layer multiplies through BLAS (see `limit_blas`)."""
        return blas_single_thread() if self.limit_blas else nullcontext()

    def _run_chain(self, x: np.ndarray) -> np.ndarray:
        """`_run_batch` for a plain chain of steps, without the tensor dictionary (batch-1 latency)."""
        v = self.prepare_input(x)
        with self._blas_limit():
            for run in self._runs:
                v = run(v)
        out = to_plain(v)
        return out.reshape((out.shape[0],) + self._out_tail) if self.output_shape else out

    def score_tensor(self) -> str | None:
        """Name of the tensor feeding the final LabelSelect (the integer class scores), if any."""
        for s in reversed(self.steps):
            if s.node.op_type.startswith("LabelSelect"):
                return s.inp
        return None

    def overflows(self) -> dict[str, dict]:
        """Layers whose accumulator exceeded its hardware type in any run so far: name -> details."""
        return {
            layer.name: layer.overflow
            for layer in self.layers
            if getattr(layer, "overflow", None) is not None
        }

    def exp_cycles(self) -> dict[str, int]:
        """Cycles per frame of every layer (FINN's count), by node name."""
        return {layer.name: layer.exp_cycles() for layer in self.layers}
