"""Host-side: the accelerator spec and test vectors of a build directory (uses onnx and the simulator).

Not imported by the board-side driver.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from pcnn_hw.driver.spec import AcceleratorSpec, StreamSpec
from pcnn_hw.errors import BoardError, BuildDirError, ModelFileError
from pcnn_hw.graph.dataflow import StreamEdge
from pcnn_hw.sim.builddir import BuildDir


def build_dir_of(build_dir: str | Path) -> BuildDir:
    """The `BuildDir` of a build directory; BoardError if there is no such directory."""
    try:
        return BuildDir(build_dir)
    except BuildDirError as exc:
        raise BoardError(str(exc)) from None


def folded_graph_path(build_dir: str | Path) -> Path:
    """`folded.onnx` of a build directory (else the last folded steps/NN_*.onnx); BuildArtifactError if
    none, BoardError if the directory does not exist."""
    return build_dir_of(build_dir).folded


def _stream(edge: StreamEdge, tensor_shape: list[int], beat_elems: int) -> StreamSpec:
    """Stream spec of the accelerator's AXI port `edge`: its element type and the port's elements per
    beat (the first consumer's / last producer's fold, from the layer kind: `pcnn_hw.layers`)."""
    from pcnn_hw.core.datatypes import datatype_bits, datatype_signed

    dtype = edge.dtype.name
    shape = tuple(int(d) for d in tensor_shape[1:])
    return StreamSpec(shape, dtype, datatype_bits(dtype), datatype_signed(dtype), int(beat_elems))


def _port(edges: list[StreamEdge], what: str, path: Path) -> StreamEdge:
    if len(edges) != 1:
        names = ", ".join(e.name for e in edges) or "none"
        raise BoardError(f"{path}: the board wrapper has one {what} stream (one DMA channel), the "
                         f"accelerator has {len(edges)} ({names})")
    return edges[0]


def make_spec(build_dir: str | Path) -> AcceleratorSpec:
    """The `AcceleratorSpec` of a build directory: stream formats of the dataflow graph's AXI input and
    output edges (chains and graphs with forks/joins alike), shapes of the top-level graph's tensors."""
    bd = build_dir_of(build_dir)
    path = bd.folded
    graph = bd.graph  # ModelFileError if unreadable, GraphError if it is no valid dataflow graph
    if not graph.nodes:
        raise ModelFileError(f"{path}: empty graph")
    g = graph.model.graph
    ishape = [d.dim_value for d in g.input[0].type.tensor_type.shape.dim]
    oshape = [d.dim_value for d in g.output[0].type.tensor_type.shape.dim]
    ein, eout = _port(graph.inputs, "input", path), _port(graph.outputs, "output", path)
    inp = _stream(ein, ishape, ein.consumer_elems)
    out = _stream(eout, oshape, eout.producer_elems)
    if inp.datatype != "UINT8":
        raise BoardError(
            f"{path}: graph input is {inp.datatype}; the board flow expects UINT8 pixels "
            "(build with the pre_post step)"
        )
    for s, what in ((inp, "input"), (out, "output")):
        if s.n_elems % s.elems_per_word:
            raise BoardError(f"{path}: {what} of {s.n_elems} elements does not fold by {s.elems_per_word}")
    rep = _read_json(bd.path / "report.json")
    state = _read_json(bd.path / "build.json")
    board = rep.get("board", {}).get("name") or state.get("board") or "pynq-z2"
    clock = float(rep.get("clock_mhz") or state.get("clock_mhz") or 100.0)
    layout = "NHWC" if len(ishape) == 4 else "flat"
    last = eout.producer.node  # type: ignore[union-attr]  # an output edge always has a producer
    label = out.n_elems == 1 and base_op_type_of(last) == "LabelSelect"
    return AcceleratorSpec(
        name=bd.path.resolve().name,
        board=board,
        clock_mhz=clock,
        layout=layout,
        input=inp,
        output=out,
        output_kind="label" if label else "scores",
        num_classes=_num_classes(last, out),
        expected_fps=float(rep["fps"]) if "fps" in rep else None,
    )


def base_op_type_of(node: Any) -> str:
    """Generic op type of a graph node."""
    from pcnn_hw.core.datatypes import base_op_type

    return base_op_type(node.op_type)


def _num_classes(node: Any, out: StreamSpec) -> int:
    from pcnn_hw.layers.base import node_attrs

    a = node_attrs(node)
    if "Labels" in a:
        return int(a["Labels"])
    return out.n_elems


def _read_json(p: Path) -> dict:
    try:
        return json.loads(p.read_text()) if p.is_file() else {}
    except ValueError:
        return {}


def guess_dataset(spec: AcceleratorSpec) -> str | None:
    """The bundled dataset matching the accelerator's input size (mnist5k 28x28, digits 8x8), else None."""
    n = spec.input.n_elems
    return {784: "mnist5k", 64: "digits"}.get(n)


def build_simulator(build_dir: str | Path) -> Any:
    """The bit-exact simulator of a build: the folded graph, computing from the compiler's memory images
    (build/NAME/weights/, the hardware layout) when the build wrote them."""
    return build_dir_of(build_dir).simulator()


def expected_outputs(build_dir: str | Path, spec: AcceleratorSpec, pixels: np.ndarray) -> np.ndarray:
    """Raw outputs (N, n_out) int64 of the bit-exact simulator on uint8 pixels (N, n_elems), stream order."""
    sim = build_simulator(build_dir)
    x = np.asarray(pixels, np.float32).reshape([len(pixels)] + list(spec.input.shape))
    y = sim.run(x)
    return np.asarray(y).reshape(len(pixels), -1).astype(np.int64)


def make_vectors(
    build_dir: str | Path,
    spec: AcceleratorSpec,
    data: str | None = None,
    count: int = 100,
    data_root: str | Path | None = None,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Test vectors: `images` (uint8, NCHW or flat), `expected` raw outputs, `expected_labels`, and
    `labels` (ground truth; -1 when the images are random because no dataset matches)."""
    from pcnn_hw.driver.driver import prepare_images

    if count < 1:
        raise BoardError(f"--count must be >= 1, got {count}")
    if data is not None:
        from pcnn_hw.data import load_dataset

        ds = load_dataset(data, root=data_root)
        x = ds.test_x.numpy() if hasattr(ds.test_x, "numpy") else np.asarray(ds.test_x)
        y = ds.test_y.numpy() if hasattr(ds.test_y, "numpy") else np.asarray(ds.test_y)
        x, y = x[:count], y[:count].astype(np.int64)
        images = np.round(np.asarray(x, np.float32) * np.float32(255.0)).astype(np.uint8)
    else:
        rng = np.random.default_rng(seed)
        shape = (count,) + (spec.image_shape or (spec.input.n_elems,))
        images = rng.integers(0, 256, size=shape, dtype=np.uint8)
        y = np.full(count, -1, np.int64)
    pixels = prepare_images(spec, images)
    expected = expected_outputs(build_dir, spec, pixels)
    labels = expected[:, 0] if spec.output_kind == "label" else expected.argmax(1)
    return {"images": images, "expected": expected, "expected_labels": labels.astype(np.int64), "labels": y}
