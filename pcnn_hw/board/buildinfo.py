"""Host-side: the accelerator spec and test vectors of a build directory (uses onnx and the simulator).

Not imported by the board-side driver.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from pcnn_hw.driver.spec import AcceleratorSpec, StreamSpec
from pcnn_hw.errors import BoardError, ModelFileError

# which attribute folds a layer's input / output stream (FINN's folded shapes)
_IN_FOLD = {"MVAU": "SIMD", "VVAU": "SIMD", "ConvolutionInputGenerator": "SIMD", "FMPadding": "SIMD"}
_OUT_FOLD = {"ConvolutionInputGenerator": "SIMD", "FMPadding": "SIMD", "StreamingMaxPool": "PE"}


def folded_graph_path(build_dir: str | Path) -> Path:
    """`folded.onnx` of a build directory (else the last folded steps/NN_*.onnx); ModelFileError if none."""
    build_dir = Path(build_dir)
    if not build_dir.is_dir():
        raise BoardError(f"{build_dir}: build directory not found (run `pcnn-hw build` first)")
    p = build_dir / "folded.onnx"
    if p.is_file():
        return p
    from pcnn_hw.core.levels import find_folded_graph

    return find_folded_graph(build_dir)


def _stream(node: Any, tensor_shape: list[int], dtype: str, which: str) -> StreamSpec:
    from pcnn_hw.core.datatypes import base_op_type, datatype_bits, datatype_signed
    from pcnn_hw.layers.base import node_attrs

    op = base_op_type(node.op_type)
    attrs = node_attrs(node)
    table = _IN_FOLD if which == "in" else _OUT_FOLD
    key = table.get(op, "PE")
    fold = int(attrs.get(key, 1))
    if op == "LabelSelect" and which == "out":
        fold = 1  # one label per stream word
    bits = datatype_bits(dtype)
    shape = tuple(int(d) for d in tensor_shape[1:])
    return StreamSpec(shape, dtype, bits, datatype_signed(dtype), fold)


def make_spec(build_dir: str | Path) -> AcceleratorSpec:
    """The `AcceleratorSpec` of a build directory (stream formats from the first/last layer)."""
    import onnx

    from pcnn_hw.sim.executor import tensor_datatypes

    build_dir = Path(build_dir)
    path = folded_graph_path(build_dir)
    try:
        m = onnx.load(str(path), load_external_data=False)
    except Exception as exc:
        raise ModelFileError(f"{path}: not a readable ONNX file ({exc})") from None
    g = m.graph
    if not g.node:
        raise ModelFileError(f"{path}: empty graph")
    dts = tensor_datatypes(m)
    ishape = [d.dim_value for d in g.input[0].type.tensor_type.shape.dim]
    oshape = [d.dim_value for d in g.output[0].type.tensor_type.shape.dim]
    inp = _stream(g.node[0], ishape, dts.get(g.input[0].name, "FLOAT32"), "in")
    out = _stream(g.node[-1], oshape, dts.get(g.output[0].name, "FLOAT32"), "out")
    if inp.datatype != "UINT8":
        raise BoardError(
            f"{path}: graph input is {inp.datatype}; the board flow expects UINT8 pixels "
            "(build with the pre_post step)"
        )
    for s, what in ((inp, "input"), (out, "output")):
        if s.n_elems % s.elems_per_word:
            raise BoardError(f"{path}: {what} of {s.n_elems} elements does not fold by {s.elems_per_word}")
    rep = _read_json(build_dir / "report.json")
    state = _read_json(build_dir / "build.json")
    board = rep.get("board", {}).get("name") or state.get("board") or "pynq-z2"
    clock = float(rep.get("clock_mhz") or state.get("clock_mhz") or 100.0)
    layout = "NHWC" if len(ishape) == 4 else "flat"
    label = out.n_elems == 1 and base_op_type_of(g.node[-1]) == "LabelSelect"
    num_classes = _num_classes(g.node[-1], out)
    return AcceleratorSpec(
        name=build_dir.resolve().name,
        board=board,
        clock_mhz=clock,
        layout=layout,
        input=inp,
        output=out,
        output_kind="label" if label else "scores",
        num_classes=num_classes,
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
    from pcnn_hw.sim.executor import Simulator

    build_dir = Path(build_dir)
    memory = None
    if (build_dir / "weights" / "index.json").is_file():
        from pcnn_hw.core.weights import load_weights

        memory = load_weights(build_dir)
    return Simulator(folded_graph_path(build_dir), memory=memory)


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
