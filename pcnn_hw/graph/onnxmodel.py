"""Reading a folded FINN model: the ONNX file, its datatype annotations and shapes, and the flat node
list with every `StreamingDataflowPartition` replaced by the nodes of its child model.

Kept apart from :mod:`pcnn_hw.graph.dataflow` so that the graph classes stay about streams; this module
only knows ONNX. qonnx's `ModelWrapper` is accepted but not required (plain `onnx` keeps the simulator's
start-up free of the FINN imports).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import NodeProto, TensorProto, helper, numpy_helper

from pcnn_hw.errors import GraphError, ModelFileError

PARTITION_OP = "StreamingDataflowPartition"


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


def tensor_shapes(model: onnx.ModelProto) -> dict[str, tuple[int, ...]]:
    """Shapes of the graph's inputs, outputs and value_info tensors (with the batch axis)."""
    out: dict[str, tuple[int, ...]] = {}
    g = model.graph
    for vi in (*g.input, *g.output, *g.value_info):
        tt = vi.type.tensor_type
        if tt.HasField("shape"):
            out[vi.name] = tuple(int(d.dim_value) for d in tt.shape.dim)
    return out


@dataclass
class FlatModel:
    """A model with its partitions inlined: nodes (ONNX order), initializers, datatypes and shapes.

    `inputs` / `outputs` are the top-level graph's input and output tensor names (initializers listed
    as graph inputs by old exporters excluded)."""

    nodes: list[NodeProto]
    inits: dict[str, TensorProto]
    dtypes: dict[str, str]
    shapes: dict[str, tuple[int, ...]]
    inputs: list[str]
    outputs: list[str]
    _arrays: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    def init(self, name: str) -> np.ndarray | None:
        """The initializer `name` as a numpy array (converted once), None if it is no initializer."""
        if name not in self.inits:
            return None
        if name not in self._arrays:
            self._arrays[name] = numpy_helper.to_array(self.inits[name])
        return self._arrays[name]


def _child_path(node: NodeProto, base_dir: Path | None) -> Path:
    attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    raw = attrs.get("model")
    if raw is None:
        raise GraphError(f"node {node.name!r}: {PARTITION_OP} without a 'model' attribute")
    path = Path(raw.decode() if isinstance(raw, bytes) else str(raw))
    if not path.is_absolute() and base_dir is not None and not path.is_file():
        path = base_dir / path
    return path


def flatten(proto: onnx.ModelProto, base_dir: Path | None = None, depth: int = 0) -> FlatModel:
    """The flat view of `proto`: each partition node replaced by its child's nodes, whose boundary
    tensors are renamed to the partition node's input/output names (position by position)."""
    if depth > 8:
        raise GraphError(f"{PARTITION_OP} nesting deeper than 8 levels (a partition containing itself?)")
    g = proto.graph
    inits = {t.name: t for t in g.initializer}
    flat = FlatModel([], dict(inits), tensor_datatypes(proto), tensor_shapes(proto),
                     [i.name for i in g.input if i.name not in inits], [o.name for o in g.output])
    for node in g.node:
        if node.op_type != PARTITION_OP:
            flat.nodes.append(node)
            continue
        path = _child_path(node, base_dir)
        child = flatten(load_onnx(path), path.parent, depth + 1)
        if len(child.inputs) != len(node.input) or len(child.outputs) != len(node.output):
            raise GraphError(
                f"node {node.name!r}: partition {path} has {len(child.inputs)} inputs and "
                f"{len(child.outputs)} outputs, the node {len(node.input)} and {len(node.output)}")
        rename = dict(zip(child.inputs, node.input, strict=True))
        rename.update(zip(child.outputs, node.output, strict=True))
        for cnode in child.nodes:
            copy = NodeProto()
            copy.CopyFrom(cnode)
            copy.input[:] = [rename.get(t, t) for t in cnode.input]
            copy.output[:] = [rename.get(t, t) for t in cnode.output]
            flat.nodes.append(copy)
        for key, val in child.inits.items():
            flat.inits.setdefault(key, val)
        for src, dst in ((child.dtypes, flat.dtypes), (child.shapes, flat.shapes)):
            for key, val in src.items():
                dst.setdefault(rename.get(key, key), val)
    return flat
