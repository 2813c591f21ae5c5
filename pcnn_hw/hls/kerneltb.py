"""Kernel-level C-simulation: random small foldings of every kernel, checked against pcnn_hw/layers.

Each `KernelCase` is one instantiation of a testbench of ``hls/tb/tb_kernels.h`` (template arguments
from the folding), its input/memory files and the expected output computed by the layer definition
of ``pcnn_hw.layers`` (built from an ONNX node with the same attributes, so the memory images are the
layer's own). `pcnn_hw.hls.kerneltb_run.run_cases` compiles and runs them; this module holds the cases
of the chain kinds (MVAU, thresholding, sliding window, pools, label select, width converter), the
residual kinds' are in :mod:`pcnn_hw.hls.kerneltb_dag`.
"""

from __future__ import annotations

import numpy as np
from onnx import helper

from pcnn_hw.hls.dtypes import ElemFormat, acc_bits, elem_format, signed_bits
from pcnn_hw.hls.kerneltb_run import KernelCase, case_layer, divisor
from pcnn_hw.layers.mvau import unpack_output


def _node(op: str, inputs: list[str], **attrs: object) -> object:
    dom = "finn.custom_op.fpgadataflow.hls"
    return helper.make_node(op, inputs, ["y"], name=op + "_0", domain=dom, **attrs)


def _thresholds(rng: np.random.Generator, lo: int, hi: int, rows: int, steps: int) -> np.ndarray:
    return np.sort(rng.integers(lo, hi + 1, size=(rows, steps)), axis=1).astype(np.int64)


def mvau_case(rng: np.random.Generator, name: str, xnor: bool, acc: bool) -> KernelCase:
    """Random MVAU (XNOR or integer input, thresholds or accumulator output) and its expected output."""
    mw = int(rng.choice([4, 6, 8, 12, 16, 18, 24, 32, 36, 64, 72, 96, 130]))
    mh = int(rng.choice([2, 4, 6, 8, 10, 16]))
    simd, pe = divisor(rng, mw), divisor(rng, mh)
    nv = int(rng.integers(1, 5))
    reps = int(rng.integers(1, 4))
    if xnor:
        idt, wdt = "BINARY", "BINARY"
        w = rng.integers(0, 2, size=(mw, mh))
        x = rng.integers(0, 2, size=(reps, nv, mw))
        lo, hi = 0, mw
    else:
        idt = str(rng.choice(["UINT8", "INT4", "UINT3"]))
        wdt = str(rng.choice(["INT2", "BIPOLAR", "INT3"]))
        ifmt = elem_format(idt)
        w = rng.choice([-1, 1], size=(mw, mh)) if wdt != "INT3" else rng.integers(-4, 4, size=(mw, mh))
        x = rng.integers(ifmt.lo, ifmt.hi + 1, size=(reps, nv, mw))
        b = mw * max(abs(ifmt.lo), ifmt.hi) * (4 if wdt == "INT3" else 1)
        lo, hi = -b, b
    attrs: dict = dict(
        MW=mw,
        MH=mh,
        SIMD=simd,
        PE=pe,
        binaryXnorMode=int(xnor),
        inputDataType=idt,
        weightDataType=wdt,
        numInputVectors=[1, nv],
        noActivation=int(acc),
    )
    inits = {"w": w.astype(np.float32)}
    if acc:
        ob = signed_bits(lo, hi)
        attrs.update(outputDataType=f"INT{ob}", ActVal=0)
        node = _node("MVAU_hls", ["x", "w"], **attrs)
        nsteps, actval, okind = 0, 0, 1
    else:
        kind = str(rng.choice(["BINARY", "UINT2", "INT2"]))
        nsteps = 1 if kind == "BINARY" else 3
        actval = -2 if kind == "INT2" else 0
        ob = 1 if kind == "BINARY" else 2
        okind = 1 if kind == "INT2" else 0
        span = max(1, (hi - lo) // 4)
        inits["t"] = _thresholds(rng, lo - 1 + span, hi + 1 - span, mh, nsteps).astype(np.float32)
        attrs.update(outputDataType=kind, ActVal=actval)
        node = _node("MVAU_hls", ["x", "w", "t"], **attrs)
    layer = case_layer(node, inits)
    mem = layer.memory_images()
    y = unpack_output(layer.execute(x))
    wfmt = ElemFormat(1, 0, 0, 1) if xnor else elem_format(wdt)
    ifmt = ElemFormat(1, 0, 0, 1) if xnor else elem_format(idt)
    accw = acc_bits(lo, hi)
    files = {"in": x, "weights": mem["weights"]}
    if acc:
        targs = [mw, mh, simd, pe, nv, xnor, ifmt.bits, ifmt.kind, wfmt.bits, wfmt.kind, accw, ob]
        tb = "tb_mvau_acc"
    else:
        files["thresholds"] = mem["thresholds"]
        targs = [
            mw,
            mh,
            simd,
            pe,
            nv,
            xnor,
            ifmt.bits,
            ifmt.kind,
            wfmt.bits,
            wfmt.kind,
            accw,
            nsteps,
            actval,
            ob,
            okind,
        ]
        tb = "tb_mvau"
    return KernelCase(name, tb, targs, reps, files, y, dict(MW=mw, MH=mh, SIMD=simd, PE=pe, idt=idt, wdt=wdt))


def thresholding_case(rng: np.random.Generator, name: str) -> KernelCase:
    """Random standalone thresholding (integer input, 1..4 steps)."""
    c = int(rng.choice([2, 4, 6, 8, 12]))
    pe, nv, reps = divisor(rng, c), int(rng.integers(1, 5)), int(rng.integers(1, 4))
    idt = str(rng.choice(["UINT8", "INT4"]))
    ifmt = elem_format(idt)
    nsteps = int(rng.integers(1, 4))
    odt, actval, ob, okind = ("UINT2", 0, 2, 0) if nsteps > 1 else ("BINARY", 0, 1, 0)
    if nsteps == 3 and rng.integers(0, 2):
        odt, actval, ob, okind = "INT2", -2, 2, 1
    t = _thresholds(rng, ifmt.lo, ifmt.hi + 1, c, nsteps)
    node = _node(
        "Thresholding_hls",
        ["x", "t"],
        NumChannels=c,
        PE=pe,
        numInputVectors=[1, nv],
        inputDataType=idt,
        outputDataType=odt,
        ActVal=actval,
    )
    layer = case_layer(node, {"t": t.astype(np.float32)})
    x = rng.integers(ifmt.lo, ifmt.hi + 1, size=(reps, nv, c))
    y = unpack_output(layer.execute(x))
    targs = [c, pe, nv, ifmt.bits, ifmt.kind, nsteps, actval, ob, okind]
    return KernelCase(
        name, "tb_thresholding", targs, reps, {"in": x, "thresholds": layer.memory_images()["thresholds"]}, y
    )


def swg_case(rng: np.random.Generator, name: str, depthwise: bool, parallel: bool = False) -> KernelCase:
    """Random sliding window; the expected stream is the layer's im2col output in the stream order."""
    c = int(rng.choice([1, 2, 3, 4, 8]))
    k = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    s = (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
    d = (int(rng.integers(1, 3)), int(rng.integers(1, 3))) if not depthwise else (1, 1)
    h = int(rng.integers((k[0] - 1) * d[0] + 1, 9))
    w = int(rng.integers((k[1] - 1) * d[1] + 1, 9))
    simd = c if parallel else divisor(rng, c)
    bits = int(rng.choice([1, 2, 8]))
    reps = int(rng.integers(1, 3))
    oh, ow = (h - (k[0] - 1) * d[0] - 1) // s[0] + 1, (w - (k[1] - 1) * d[1] - 1) // s[1] + 1
    node = _node(
        "ConvolutionInputGenerator_hls",
        ["x"],
        IFMChannels=c,
        IFMDim=[h, w],
        OFMDim=[oh, ow],
        ConvKernelDim=list(k),
        Stride=list(s),
        Dilation=list(d),
        SIMD=simd,
        depthwise=int(depthwise),
        inputDataType=f"UINT{bits}",
        outputDataType=f"UINT{bits}",
    )
    layer = case_layer(node, {})
    x = rng.integers(0, 2**bits, size=(reps, h, w, c))
    y = np.asarray(layer.execute(x)).reshape(reps, oh, ow, k[0] * k[1], c // simd, simd)
    if depthwise:
        y = y.transpose(0, 1, 2, 4, 3, 5)
    if parallel:
        return KernelCase(name, "tb_swg_parallel", [h, w, c, *k, *s, *d, bits], reps, {"in": x}, y)
    targs = [h, w, c, *k, *s, *d, simd, bits, depthwise]
    return KernelCase(name, "tb_swg", targs, reps, {"in": x}, y)


def pool_case(rng: np.random.Generator, name: str) -> KernelCase:
    """Random max-pool after a depthwise window: logical (k, c) input, stream in (cf, k, pe) order."""
    c = int(rng.choice([1, 2, 4, 6, 8]))
    pe = divisor(rng, c)
    kk = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    od = [int(rng.integers(1, 4)), int(rng.integers(1, 4))]
    bits, idt = (1, "BINARY") if rng.integers(0, 2) else (4, "INT4")
    fmt = elem_format(idt)
    reps = int(rng.integers(1, 3))
    node = _node(
        "Pool_hls",
        ["x"],
        Channels=c,
        PE=pe,
        KernelSize=list(kk),
        OutImgDims=od,
        Function="MaxPool",
        InputDataType=idt,
        OutputDataType=idt,
        BatchSize=1,
    )
    layer = case_layer(node, {})
    n_k = kk[0] * kk[1]
    x = rng.integers(fmt.lo, fmt.hi + 1, size=(reps, od[0], od[1], n_k * c))
    y = np.asarray(layer.execute(x))
    xs = x.reshape(reps, od[0], od[1], n_k, c // pe, pe).transpose(0, 1, 2, 4, 3, 5)
    targs = [c, pe, n_k, od[0] * od[1], bits, fmt.kind]
    return KernelCase(name, "tb_max_pool", targs, reps, {"in": xs}, y)


def streaming_pool_case(rng: np.random.Generator, name: str) -> KernelCase:
    """Random StreamingMaxPool (NHWC, stride = kernel, remainders dropped)."""
    c = int(rng.choice([1, 2, 4, 8]))
    pe = divisor(rng, c)
    k = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    h, w = int(rng.integers(k[0], 8)), int(rng.integers(k[1], 8))
    reps = int(rng.integers(1, 3))
    node = _node(
        "StreamingMaxPool_hls", ["x"], ImgDim=[h, w], PoolDim=list(k), NumChannels=c, PE=pe, dataType="BINARY"
    )
    layer = case_layer(node, {})
    x = rng.integers(0, 2, size=(reps, h, w, c))
    y = np.asarray(layer.execute(x))
    return KernelCase(name, "tb_streaming_max_pool", [h, w, c, *k, pe, 1, 0], reps, {"in": x}, y)


def label_select_case(rng: np.random.Generator, name: str) -> KernelCase:
    """Random label select with many ties (small score range)."""
    labels = int(rng.choice([2, 4, 6, 10, 12]))
    pe, k = divisor(rng, labels), int(rng.integers(1, min(labels, 4) + 1))
    reps = int(rng.integers(2, 6))
    node = _node(
        "LabelSelect_hls", ["x"], Labels=labels, PE=pe, K=k, inputDataType="INT5", outputDataType="UINT8"
    )
    layer = case_layer(node, {})
    x = rng.integers(-3, 4, size=(reps, labels))
    y = np.asarray(layer.execute(x))
    return KernelCase(name, "tb_label_select", [labels, pe, k, 5, 1, 8], reps, {"in": x}, y)


def dwc_case(rng: np.random.Generator, name: str) -> KernelCase:
    """Random width conversion between N- and M-element words (identity on values)."""
    n, m = int(rng.integers(1, 9)), int(rng.integers(1, 9))
    total = int(np.lcm(n, m)) * int(rng.integers(1, 4))
    bits = int(rng.choice([1, 3, 8]))
    reps = int(rng.integers(1, 3))
    node = helper.make_node("StreamingDataWidthConverter_hls", ["x"], ["y"], name="dwc")
    layer = case_layer(node, {})
    x = rng.integers(0, 2**bits, size=(reps, total))
    y = np.asarray(layer.execute(x))
    return KernelCase(name, "tb_dwc", [n, m, bits, total // n], reps, {"in": x}, y)


def random_cases(seed: int = 0, per_kind: int = 3) -> list[KernelCase]:
    """`per_kind` random cases of every kernel (deterministic for a seed)."""
    rng = np.random.default_rng(seed)
    cases: list[KernelCase] = []
    for i in range(per_kind):
        cases += [
            mvau_case(rng, f"mvau_xnor_{i}", xnor=True, acc=False),
            mvau_case(rng, f"mvau_int_{i}", xnor=False, acc=False),
            mvau_case(rng, f"mvau_xnor_acc_{i}", xnor=True, acc=True),
            mvau_case(rng, f"mvau_int_acc_{i}", xnor=False, acc=True),
            thresholding_case(rng, f"thresholding_{i}"),
            swg_case(rng, f"swg_{i}", depthwise=False),
            swg_case(rng, f"swg_dw_{i}", depthwise=True),
            swg_case(rng, f"swg_par_{i}", depthwise=False, parallel=True),
            pool_case(rng, f"pool_{i}"),
            streaming_pool_case(rng, f"smp_{i}"),
            label_select_case(rng, f"labelselect_{i}"),
            dwc_case(rng, f"dwc_{i}"),
        ]
    return cases
