"""Hand-made folded dataflow graphs (specialized FINN HW nodes) with forks and joins, for the graph tests.

`Net` collects nodes with their output shapes and datatypes and makes an ONNX model with value_info and
FINN datatype annotations, as a real build has them.
"""

from __future__ import annotations

import numpy as np
from onnx import TensorProto, helper, numpy_helper

DOMAIN = "finn.custom_op.fpgadataflow"


class Net:
    """Builder of a small dataflow graph: tensors have a per-frame shape (H, W, C) and a datatype."""

    def __init__(self, inp: str = "x", shape: tuple[int, ...] = (3, 3, 4), dtype: str = "UINT2") -> None:
        self.nodes: list = []
        self.shapes: dict[str, tuple[int, ...]] = {inp: tuple(shape)}
        self.dtypes: dict[str, str] = {inp: dtype}
        self.inits: list = []
        self.inp = inp

    def _out(self, name: str, shape: tuple[int, ...], dtype: str) -> str:
        self.shapes[name] = tuple(shape)
        self.dtypes[name] = dtype
        return name

    def dup(self, inp: str, outs: list[str], pe: int = 1, name: str | None = None) -> list[str]:
        """DuplicateStreams_hls of `inp` into `outs`."""
        shape, dt = self.shapes[inp], self.dtypes[inp]
        self.nodes.append(helper.make_node(
            "DuplicateStreams_hls", [inp], outs, domain=DOMAIN + ".hls", name=name or f"dup_{inp}",
            NumChannels=shape[-1], PE=pe, NumOutputStreams=len(outs), inputDataType=dt,
            numInputVectors=[1, *shape[:-1]]))
        return [self._out(o, shape, dt) for o in outs]

    def add(self, a: str, b: str, out: str, pe: int = 1, name: str | None = None) -> str:
        """ElementwiseAdd_hls a + b (output type: the smallest UINT holding both maxima's sum)."""
        shape = self.shapes[a]
        hi = sum(2 ** int(self.dtypes[t][4:]) - 1 for t in (a, b))
        do = f"UINT{int(hi).bit_length()}"
        full = [1, *shape]
        self.nodes.append(helper.make_node(
            "ElementwiseAdd_hls", [a, b], [out], domain=DOMAIN + ".hls", name=name or f"add_{out}",
            lhs_shape=full, rhs_shape=full, out_shape=full, lhs_dtype=self.dtypes[a],
            rhs_dtype=self.dtypes[b], out_dtype=do, lhs_style="input", rhs_style="input", PE=pe))
        return self._out(out, shape, do)

    def pad(self, inp: str, out: str, p: int = 1, simd: int = 1, name: str | None = None) -> str:
        """FMPadding_rtl by p on every side."""
        h, w, c = self.shapes[inp]
        self.nodes.append(helper.make_node(
            "FMPadding_rtl", [inp], [out], domain=DOMAIN + ".rtl", name=name or f"pad_{out}", ImgDim=[h, w],
            Padding=[p, p, p, p], NumChannels=c, SIMD=simd, inputDataType=self.dtypes[inp]))
        return self._out(out, (h + 2 * p, w + 2 * p, c), self.dtypes[inp])

    def gap(self, inp: str, out: str, pe: int = 1, name: str | None = None) -> str:
        """GlobalAccPool_hls (sum over H, W)."""
        h, w, c = self.shapes[inp]
        hi = h * w * (2 ** int(self.dtypes[inp][4:]) - 1)
        self.nodes.append(helper.make_node(
            "GlobalAccPool_hls", [inp], [out], domain=DOMAIN + ".hls", name=name or f"gap_{out}",
            NumChannels=c, PE=pe, inputDataType=self.dtypes[inp], numInputVectors=[1, h, w]))
        return self._out(out, (1, 1, c), f"UINT{int(hi).bit_length()}")

    def thresholds(self, inp: str, out: str, thr: np.ndarray, odt: str, pe: int = 1,
                   name: str | None = None) -> str:
        """Thresholding_hls with thresholds thr (C, steps), output odt (ActVal 0)."""
        shape = self.shapes[inp]
        tname = f"{out}_thr"
        self.inits.append(numpy_helper.from_array(np.asarray(thr, np.float32), tname))
        self.nodes.append(helper.make_node(
            "Thresholding_hls", [inp, tname], [out], domain=DOMAIN + ".hls", name=name or f"thr_{out}",
            NumChannels=shape[-1], PE=pe, inputDataType=self.dtypes[inp], outputDataType=odt,
            weightDataType="INT8", numSteps=thr.shape[1], ActVal=0, numInputVectors=[1, *shape[:-1]]))
        return self._out(out, shape, odt)

    def node(self, op: str, inputs: list[str], outputs: list[str], name: str, **attrs) -> None:
        """Any other node (outputs take the first input's shape and type)."""
        self.nodes.append(helper.make_node(op, inputs, outputs, name=name, **attrs))
        for o in outputs:
            self._out(o, self.shapes[inputs[0]], self.dtypes[inputs[0]])

    def model(self, outputs: list[str], order: list[int] | None = None):
        """The ONNX model with graph outputs `outputs`; nodes in `order` (indices) if given."""
        nodes = [self.nodes[i] for i in order] if order is not None else self.nodes
        vi = [helper.make_tensor_value_info(t, TensorProto.FLOAT, [1, *s]) for t, s in self.shapes.items()
              if t != self.inp and t not in outputs]
        graph = helper.make_graph(
            nodes, "net",
            [helper.make_tensor_value_info(self.inp, TensorProto.FLOAT, [1, *self.shapes[self.inp]])],
            [helper.make_tensor_value_info(t, TensorProto.FLOAT, [1, *self.shapes[t]]) for t in outputs],
            initializer=self.inits, value_info=vi)
        for t, dt in self.dtypes.items():
            ann = graph.quantization_annotation.add()
            ann.tensor_name = t
            kv = ann.quant_parameter_tensor_names.add()
            kv.key, kv.value = "finn_datatype", dt
        return helper.make_model(graph)


def residual_net() -> tuple[Net, str]:
    """x -> fork(a, b, c); s = a + b -> fork(s1, s2); t = s1 + c; u = t + s2 -> pad 1 -> global sum y."""
    net = Net()
    net.dup("x", ["a", "b", "c"], pe=2)
    net.add("a", "b", "s", pe=4)
    net.dup("s", ["s1", "s2"], pe=2)
    net.add("s1", "c", "t", pe=4)
    net.add("t", "s2", "u", pe=2)
    net.pad("u", "p", simd=2)
    return net, net.gap("p", "y", pe=1)
