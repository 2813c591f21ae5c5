"""Kernel-level C-simulation cases of the residual-network kinds (FMPadding, DuplicateStreams,
ElementwiseAdd, GlobalAccPool) on random shapes and foldings, checked against pcnn_hw/layers.

Like :mod:`pcnn_hw.hls.kerneltb`: the expected output is the layer object's ``execute`` on an ONNX
node with FINN+'s attributes; the template arguments come from the same planning functions the
network generator uses (:mod:`pcnn_hw.hls.plan_dag`), so the tests cover the generator's mapping too.
"""

from __future__ import annotations

import numpy as np
from onnx import helper

from pcnn_hw.hls.dtypes import elem_format
from pcnn_hw.hls.kerneltb import random_cases
from pcnn_hw.hls.kerneltb_run import KernelCase, case_layer, divisor
from pcnn_hw.hls.plan import plan_thresholding
from pcnn_hw.hls.plan_dag import plan_add, plan_duplicate, plan_fmpadding, plan_globalpool

DOM = "finn.custom_op.fpgadataflow.hls"


def _node(op: str, n_in: int = 1, n_out: int = 1, **attrs: object) -> object:
    ins = ["x", "x1"][:n_in]
    outs = ["y", "y1"][:n_out]
    return helper.make_node(op, ins, outs, name=op + "_0", domain=DOM, **attrs)


def _targs(k: object) -> list[int | bool]:
    """Template arguments of a planned kernel's call (the numbers between < and >)."""
    call = k.call  # type: ignore[attr-defined]
    inner = call[call.index("<") + 1 : call.index(">")]
    return [int(v) if v.strip().lstrip("-").isdigit() else v.strip() == "true" for v in inner.split(",")]


def fmpadding_case(rng: np.random.Generator, name: str) -> KernelCase:
    """Random FMPadding (1..3 pixels per side, 1- or n-bit elements)."""
    c = int(rng.choice([1, 2, 3, 4, 8]))
    simd = divisor(rng, c)
    h, w = int(rng.integers(1, 7)), int(rng.integers(1, 7))
    pad = [int(v) for v in rng.integers(0, 3, size=4)]
    dt = str(rng.choice(["BINARY", "UINT2", "INT4"]))
    fmt = elem_format(dt)
    reps = int(rng.integers(1, 3))
    node = _node("FMPadding_hls", ImgDim=[h, w], Padding=pad, NumChannels=c, SIMD=simd, inputDataType=dt,
                 numInputVectors=1)
    layer = case_layer(node, {})
    x = rng.integers(fmt.lo, fmt.hi + 1, size=(reps, h, w, c))
    y = np.asarray(layer.execute(x))
    k = plan_fmpadding(layer, name, fmt)
    # the stream carries the two's-complement bits; negative values come back as unsigned bits
    mask = (1 << fmt.bits) - 1
    return KernelCase(name, "tb_fmpadding", _targs(k), reps, {"in": x & mask}, y & mask,
                      dict(pad=pad, dt=dt))


def globalpool_case(rng: np.random.Generator, name: str) -> KernelCase:
    """Random GlobalAccPool over H x W pixels (output type FINN's: H*W*max(input))."""
    c = int(rng.choice([1, 2, 4, 6, 8]))
    pe = divisor(rng, c)
    h, w = int(rng.integers(1, 6)), int(rng.integers(1, 6))
    dt = str(rng.choice(["BINARY", "UINT2", "INT3"]))
    fmt = elem_format(dt)
    reps = int(rng.integers(1, 3))
    node = _node("GlobalAccPool_hls", NumChannels=c, PE=pe, inputDataType=dt, numInputVectors=[1, h, w])
    layer = case_layer(node, {})
    x = rng.integers(fmt.lo, fmt.hi + 1, size=(reps, h, w, c))
    y = np.asarray(layer.execute(x))
    k = plan_globalpool(layer, name, fmt)
    return KernelCase(name, "tb_global_acc_pool", _targs(k) + [k.out.fmt.kind], reps,
                      {"in": x & ((1 << fmt.bits) - 1)}, y, dict(dt=dt, h=h, w=w))


def duplicate_case(rng: np.random.Generator, name: str) -> KernelCase:
    """Random 2-way DuplicateStreams."""
    c = int(rng.choice([1, 2, 4, 6]))
    pe = divisor(rng, c)
    nv = [1, int(rng.integers(1, 4)), int(rng.integers(1, 4))]
    dt = str(rng.choice(["BINARY", "UINT3"]))
    fmt = elem_format(dt)
    reps = int(rng.integers(1, 3))
    node = _node("DuplicateStreams_hls", n_out=2, NumChannels=c, PE=pe, NumOutputStreams=2, inputDataType=dt,
                 numInputVectors=nv)
    layer = case_layer(node, {})
    x = rng.integers(fmt.lo, fmt.hi + 1, size=(reps, nv[1], nv[2], c))
    y0, y1 = (np.asarray(v) for v in layer.execute(x))
    k = plan_duplicate(layer, name, fmt)
    return KernelCase(name, "tb_duplicate", [pe, fmt.bits, _targs(k)[1]], reps, {"in": x},
                      np.concatenate([y0.ravel(), y1.ravel()]))


def add_case(rng: np.random.Generator, name: str) -> KernelCase:
    """Random ElementwiseAdd of two streams (binary + integer residual, signed/unsigned mixes)."""
    c = int(rng.choice([1, 2, 4, 6, 8]))
    pe = divisor(rng, c)
    shape = [1, int(rng.integers(1, 4)), int(rng.integers(1, 4)), c]
    ldt, rdt = str(rng.choice(["BINARY", "INT3", "UINT2"])), str(rng.choice(["BINARY", "INT4", "INT2"]))
    lf, rf = elem_format(ldt), elem_format(rdt)
    lo, hi = lf.lo + rf.lo, lf.hi + rf.hi
    odt = f"INT{next(b for b in range(2, 16) if -(2 ** (b - 1)) <= lo and hi < 2 ** (b - 1))}"
    if lo >= 0 and rng.integers(0, 2):
        odt = f"UINT{int(hi).bit_length()}"
    reps = int(rng.integers(1, 3))
    node = _node("ElementwiseAdd_hls", n_in=2, lhs_shape=shape, rhs_shape=shape, out_shape=shape, PE=pe,
                 lhs_dtype=ldt, rhs_dtype=rdt, out_dtype=odt)
    layer = case_layer(node, {})
    a = rng.integers(lf.lo, lf.hi + 1, size=[reps] + shape[1:])
    b = rng.integers(rf.lo, rf.hi + 1, size=[reps] + shape[1:])
    y = np.asarray(layer.execute(a, b))
    k = plan_add(layer, name, (lf, rf))
    files = {"in": a & ((1 << lf.bits) - 1), "in1": b & ((1 << rf.bits) - 1)}
    return KernelCase(name, "tb_add_streams", _targs(k) + [k.out.fmt.kind], reps, files, y,
                      dict(ldt=ldt, rdt=rdt, odt=odt))


def fractional_threshold_case(rng: np.random.Generator, name: str) -> KernelCase:
    """Thresholding with non-integer, unsorted and out-of-range thresholds: the memory image goes
    through the HLS/RTL threshold policy (ceil, clip, sort) and must still equal the layer's count."""
    c = int(rng.choice([2, 4, 6]))
    pe, nv, reps, nsteps = divisor(rng, c), int(rng.integers(1, 4)), int(rng.integers(1, 3)), 3
    idt = str(rng.choice(["UINT4", "INT4"]))
    ifmt = elem_format(idt)
    t = rng.uniform(ifmt.lo - 6, ifmt.hi + 6, size=(c, nsteps)).astype(np.float32)
    node = helper.make_node("Thresholding_hls", ["x", "t"], ["y"], name="thr", domain=DOM, NumChannels=c,
                            PE=pe,
                            numInputVectors=[1, nv], inputDataType=idt, outputDataType="UINT2", ActVal=0)
    layer = case_layer(node, {"t": t})
    x = rng.integers(ifmt.lo, ifmt.hi + 1, size=(reps, nv, c))
    y = np.asarray(layer.execute(x))
    k = plan_thresholding(layer, name, ifmt)
    tm = np.asarray([int(v.removesuffix("LL")) for v in k.arrays[0].literals]).reshape(k.arrays[0].dims)
    targs = [c, pe, nv, ifmt.bits, ifmt.kind, nsteps, 0, 2, 0]
    return KernelCase(name, "tb_thresholding", targs, reps, {"in": x & ((1 << ifmt.bits) - 1),
                      "thresholds": tm}, y, dict(t=t))


def dag_cases(rng: np.random.Generator, i: int) -> list[KernelCase]:
    """One random case of each residual-network kernel (suffix i)."""
    return [
        fmpadding_case(rng, f"fmpadding_{i}"),
        globalpool_case(rng, f"globalpool_{i}"),
        duplicate_case(rng, f"duplicate_{i}"),
        add_case(rng, f"add_{i}"),
        fractional_threshold_case(rng, f"thr_frac_{i}"),
    ]


def all_cases(seed: int = 0, per_kind: int = 3) -> list[KernelCase]:
    """`random_cases` of the chain kernels plus `per_kind` cases of each residual-network kernel."""
    rng = np.random.default_rng(seed + 1000)
    cases = random_cases(seed, per_kind)
    for i in range(per_kind):
        cases += dag_cases(rng, i)
    return cases
