"""Batched bit-exact executor of a folded FINN dataflow graph.

`Simulator(model)` builds one `pcnn_hw.layers` object per node of the graph (specialized `*_hls` /
`*_rtl` nodes or their generic HW ops), reading weights and thresholds through the layers' hardware
memory images, and runs N inputs at once. Binary tensors travel between layers packed into uint64
words (`PackedBits`); integer tensors as int64 arrays. A parent graph with a
`StreamingDataflowPartition` node is followed into its child model, and the host-side layout ops FINN
leaves outside the accelerator (Transpose, Reshape, Flatten) are executed too.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import NodeProto, numpy_helper

from pcnn_hw.core.bits import PackedBits, blas_single_thread
from pcnn_hw.errors import ModelFileError, UnknownNameError, UnsupportedOpError
from pcnn_hw.layers import SUPPORTED_OPS, HwLayer, layer_from_node
from pcnn_hw.layers.base import node_attrs
from pcnn_hw.sim import native
from pcnn_hw.sim.fusion import fuse_steps

HOST_OPS = ("Transpose", "Reshape", "Flatten")
BACKENDS = ("auto", "native", "numpy")
# input vectors of the largest layer per sub-batch (see Simulator.max_batch), by backend: cache-sized
# for numpy's temporaries; larger for the native kernels, which have none (cnv, 100 images, one run:
# 2,216 img/s at 16 images per sub-batch, 3,737 at 50, 3,719 at 100)
SUB_BATCH_ROWS = {"numpy": 16384, "native": 65536}


def load_onnx(model: str | Path | onnx.ModelProto | Any) -> onnx.ModelProto:
    """An ONNX ModelProto from a path, a ModelProto or a qonnx ModelWrapper; ModelFileError if unreadable."""
    if isinstance(model, onnx.ModelProto):
        return model
    if hasattr(model, "model") and isinstance(model.model, onnx.ModelProto):
        return model.model
    path = Path(model)
    if not path.is_file():
        raise ModelFileError(f"{path}: no such ONNX file")
    try:
        return onnx.load(str(path))
    except Exception as exc:  # onnx raises DecodeError and others for corrupt files
        raise ModelFileError(f"{path}: not a readable ONNX file ({type(exc).__name__}: {exc})") from exc


def tensor_datatypes(model: onnx.ModelProto) -> dict[str, str]:
    """FINN/QONNX datatype annotations of a graph: tensor name -> datatype name (e.g. 'BINARY')."""
    out = {}
    for ann in model.graph.quantization_annotation:
        for kv in ann.quant_parameter_tensor_names:
            if kv.key == "finn_datatype":
                out[ann.tensor_name] = kv.value
    return out


def _is_join(layer: HwLayer) -> bool:
    """Layers whose node inputs after the first are streams (not weights): the adder of a join."""
    return layer.op_type.startswith("ElementwiseAdd")


def to_plain(x: np.ndarray | PackedBits) -> np.ndarray:
    """A simulator value as a plain numpy array (packed bits unpacked to {0,1})."""
    if isinstance(x, PackedBits):
        return x.to_bits().astype(np.int64)
    return np.asarray(x)


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
        self.steps: list[Step] = []
        g = proto.graph
        self.input_name = g.input[0].name
        self.output_name = g.output[0].name
        self.input_shape = [d.dim_value for d in g.input[0].type.tensor_type.shape.dim]
        self.output_shape = [d.dim_value for d in g.output[0].type.tensor_type.shape.dim]
        self.input_dtype = tensor_datatypes(proto).get(self.input_name, "FLOAT32")
        self._build(proto)
        self.backend = self._select_backend(backend)
        # a plain chain (each step consumes the previous output) runs without the tensor dictionary
        names = [self.input_name] + [s.out for s in self.steps]
        self._chain = bool(self.steps) and all(
            s.inp == names[i] and not s.more_inputs and not s.more_outputs for i, s in enumerate(self.steps))
        # tensor name -> index of the last step reading it (freed after that step)
        self._last_use = {name: i for i, s in enumerate(self.steps) for name in s.inputs}
        self._runs = fuse_steps(self.steps) if self.backend == "native" else [s.run for s in self.steps]
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

    # -- construction -----------------------------------------------------------------------------
    def _build(self, proto: onnx.ModelProto) -> None:
        inits = {t.name: t for t in proto.graph.initializer}
        cache: dict[str, np.ndarray] = {}

        def get_init(name: str) -> np.ndarray | None:
            if name not in inits:
                return None
            if name not in cache:
                cache[name] = numpy_helper.to_array(inits[name])
            return cache[name]

        for node in proto.graph.node:
            self.steps.extend(self._steps_for(node, get_init))

    def _steps_for(self, node: NodeProto, get_init: Callable[[str], np.ndarray | None]) -> list[Step]:
        op = node.op_type
        if op == "StreamingDataflowPartition":
            path = Path(str(node_attrs(node)["model"]))
            if not path.is_absolute() and self.base_dir is not None and not path.is_file():
                path = self.base_dir / path
            child = Simulator(path, self.memory, backend="numpy")  # the parent sets the backend
            steps = list(child.steps)
            # rename the child's boundary tensors to the parent's
            if steps:
                steps[0] = Step(steps[0].node, steps[0].layer, node.input[0], steps[0].out, steps[0].run)
                last = steps[-1]
                steps[-1] = Step(last.node, last.layer, last.inp, node.output[0], last.run)
            return steps
        if op in HOST_OPS:
            return [Step(node, None, node.input[0], node.output[0], self._host_op(node, get_init))]
        try:
            layer = layer_from_node(node, get_init, self.memory.get(node.name))
        except UnsupportedOpError:
            raise UnsupportedOpError(
                f"node {node.name!r}: op {op!r} is not supported by the bit-exact simulator; supported: "
                f"{', '.join(SUPPORTED_OPS)} (and their _hls/_rtl variants), host ops {', '.join(HOST_OPS)}"
            ) from None
        return [Step(node, layer, node.input[0], node.output[0], layer.execute,
                     tuple(node.input[1:]) if len(node.input) > 1 and _is_join(layer) else (),
                     tuple(node.output[1:]))]

    @staticmethod
    def _host_op(node: NodeProto, get_init: Callable[[str], np.ndarray | None]) -> Callable[[Any], Any]:
        attrs = node_attrs(node)
        if node.op_type == "Transpose":
            perm = list(attrs["perm"])

            def run(x: Any) -> Any:
                return np.transpose(to_plain(x), perm)

            return run
        if node.op_type == "Flatten":

            def run_f(x: Any) -> Any:
                if isinstance(x, PackedBits):
                    return x.flatten_spatial()
                return np.asarray(x).reshape(np.asarray(x).shape[0], -1)

            return run_f
        shape = get_init(node.input[1])
        tgt = [int(v) for v in (shape if shape is not None else [-1])]

        def run_r(x: Any) -> Any:
            if isinstance(x, PackedBits) and len(tgt) == 2:
                return x.flatten_spatial()
            xv = to_plain(x)
            return xv.reshape([xv.shape[0]] + [v for v in tgt[1:]])

        return run_r

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
        with self._blas_limit():
            for i, s in enumerate(self.steps):
                s.run_on(vals)
                for name in s.inputs:
                    if name in capture:
                        captured[name] = to_plain(vals[name])
                    if not keep and self._last_use.get(name) == i:
                        vals.pop(name, None)
        n = np.asarray(x).shape[0]
        out = to_plain(vals[self.steps[-1].out] if self.steps else vals[self.input_name])
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
