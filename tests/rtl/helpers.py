"""Build single hardware layers (random weights/thresholds, random foldings) and run them as RTL."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from onnx import helper

from pcnn_hw.layers import layer_from_node
from pcnn_hw.rtl.spec import Fmt, RtlLayer, rtl_layers
from pcnn_hw.rtl.stitch import stitch
from pcnn_hw.rtl.verilate import build_model, run_model


def make_layer(op: str, inits: dict[str, np.ndarray] | None = None, name: str = "L0", **attrs):
    """A pcnn_hw.layers object for one node of op type ``op`` with ``attrs`` and initializers."""
    inits = inits or {}
    node = helper.make_node(
        op, ["x", *inits.keys()], ["y"], name=name, domain="finn.custom_op.fpgadataflow.hls", **attrs
    )
    return layer_from_node(node, lambda n: inits.get(n))


def mvau(rng, mw, mh, pe, simd, kind="xnor", nvec=3, name="M0", n_steps=1, odt="BINARY"):
    """Random MVAU layer: kind 'xnor' (binary), 'int' (UINT8 x bipolar INT2), 'acc' (xnor, no thresholds)."""
    if kind == "int":
        w = rng.choice([-1, 1], size=(mw, mh))
        lim = 255 * mw // 4
        t = np.sort(rng.integers(-lim, lim, size=(mh, n_steps)), axis=1)
        attrs = dict(inputDataType="UINT8", weightDataType="INT2", binaryXnorMode=0)
    else:
        w = rng.integers(0, 2, size=(mw, mh))
        t = np.sort(rng.integers(0, mw + 1, size=(mh, n_steps)), axis=1)
        attrs = dict(inputDataType="BINARY", weightDataType="BINARY", binaryXnorMode=1)
    inits = {"w": w}
    noact = kind == "acc"
    if not noact:
        inits["t"] = t
    return make_layer(
        "MVAU_hls",
        inits,
        name=name,
        MW=mw,
        MH=mh,
        PE=pe,
        SIMD=simd,
        noActivation=int(noact),
        numInputVectors=[1, nvec],
        outputDataType=odt if not noact else "INT32",
        ActVal=0,
        **attrs,
    )


def run_chain(
    layers, in_fmt: Fmt, x: np.ndarray, work: Path, backpressure: float = 0.0, depths=None, seed: int = 0
):
    """Stitch and simulate ``layers`` on frames ``x`` (N, ...); returns (rtl, ref, result, design)."""
    rl: list[RtlLayer] = rtl_layers(layers, in_fmt)
    per = int(np.prod(x.shape[1:]))
    d = stitch(rl, per, depths)
    exe = build_model(d, work / "rtl", work / "sim")
    res = run_model(exe, d, work / "rtl", x.reshape(x.shape[0], -1), backpressure=backpressure, seed=seed)
    ref = x
    for layer in layers:
        ref = layer.execute(ref)
    from pcnn_hw.sim.executor import to_plain

    ref = to_plain(ref).reshape(x.shape[0], -1)
    return res.outputs, ref, res, d
