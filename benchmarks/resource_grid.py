"""The calibration grid of the resource model: small random single-layer configurations per RTL kind.

Every configuration is one :class:`pcnn_hw.layers` object (random weights/thresholds from a seeded
generator, as the compiler's random-weight builds have), turned into its RTL view by
:func:`pcnn_hw.rtl.spec.rtl_layers` and stitched alone; the layer instance is what Yosys synthesizes.
FIFOs and width converters are plain :class:`pcnn_hw.rtl.stitch.Instance` rows (they have no layer).
The grid is deterministic (seeded), so ``benchmarks/resource_fit.py`` re-creates the same runs and the
Yosys cache answers them after the first time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from onnx import helper

from pcnn_hw.layers import layer_from_node
from pcnn_hw.rtl.spec import Fmt, rtl_layers
from pcnn_hw.rtl.stitch import Design, Instance, stitch


@dataclass
class Config:
    """One grid point: a label, the design holding it and the instance Yosys synthesizes."""

    label: str
    design: Design
    inst: Instance


def _layer(op: str, inits: dict[str, np.ndarray] | None = None, name: str = "L0", **attrs: object) -> object:
    inits = inits or {}
    node = helper.make_node(
        op, ["x", *inits.keys()], ["y"], name=name, domain="finn.custom_op.fpgadataflow.hls", **attrs
    )
    return layer_from_node(node, lambda n: inits.get(n))


def mvau(rng: np.random.Generator, mw: int, mh: int, pe: int, simd: int, kind: str = "xnor",
         n_steps: int = 1, name: str = "L0") -> object:
    """Random MVAU: 'xnor' (binary x binary), 'int' (UINT8 x bipolar), 'acc' (xnor, no activation),
    'int1' / 'int1acc' (BINARY x bipolar, not XNOR: a classifier head after a 1-bit stream)."""
    if kind in ("int", "int1", "int1acc"):
        w = rng.choice([-1, 1], size=(mw, mh))
        lim = 255 * mw // 4 if kind == "int" else mw
        t = np.sort(rng.integers(-lim, lim, size=(mh, n_steps)), axis=1)
        attrs = dict(inputDataType="UINT8" if kind == "int" else "BINARY", weightDataType="INT2",
                     binaryXnorMode=0)
    else:
        w = rng.integers(0, 2, size=(mw, mh))
        t = np.sort(rng.integers(0, mw + 1, size=(mh, n_steps)), axis=1)
        attrs = dict(inputDataType="BINARY", weightDataType="BINARY", binaryXnorMode=1)
    inits = {"w": w}
    noact = kind in ("acc", "int1acc")
    if not noact:
        inits["t"] = t
    odt = "BINARY" if n_steps == 1 else f"UINT{int(np.ceil(np.log2(n_steps + 1)))}"
    return _layer("MVAU_hls", inits, name=name, MW=mw, MH=mh, PE=pe, SIMD=simd, noActivation=int(noact),
                  numInputVectors=[1, 4], outputDataType=odt if not noact else "INT32", ActVal=0, **attrs)


def swg(c: int, simd: int, ih: int, k: int, stride: int = 1, depthwise: int = 0, par: int = 0,
        dt: str = "BINARY", name: str = "L0") -> object:
    """A sliding-window generator (standard, depthwise or parallel-window)."""
    oh = (ih - k) // stride + 1
    return _layer("ConvolutionInputGenerator_rtl", name=name, ConvKernelDim=[k, k], IFMChannels=c,
                  IFMDim=[ih, ih], OFMDim=[oh, oh], SIMD=simd, Stride=[stride, stride], Dilation=[1, 1],
                  depthwise=depthwise, parallel_window=par, inputDataType=dt, outputDataType=dt)


def _one(label: str, layers: list, fin: Fmt, elems: int) -> Config:
    rl = rtl_layers(layers, fin)
    d = stitch(rl, elems)
    inst = next(i for i in d.instances if i.kind == "layer" and i.name == rl[-1].name)
    return Config(label, d, inst)


def _infra(label: str, module: str, params: dict[str, int], iw: int, ow: int) -> Config:
    inst = Instance("x0", "fifo" if module == "pcnn_fifo" else "dwc", module, params, iw, ow, "")
    d = Design([inst], None, None, 0, 0, [], [], {})  # type: ignore[arg-type]
    return Config(label, d, inst)


def grid(seed: int = 0) -> list[Config]:
    """The calibration configurations (deterministic for ``seed``)."""
    rng = np.random.default_rng(seed)
    out: list[Config] = []
    # XNOR MVAU: (MW, MH, PE, SIMD) spanning weight depth 1 (constants) .. >= 128 (block ROM)
    for mw, mh, pe, simd in [
        (16, 8, 8, 16), (32, 16, 16, 32), (64, 4, 4, 64), (36, 32, 32, 36),  # depth 1
        (64, 16, 4, 16), (72, 32, 8, 24), (128, 16, 8, 32), (36, 64, 16, 9), (144, 32, 4, 48),
        (256, 32, 16, 64), (64, 64, 2, 8), (128, 64, 8, 16), (288, 64, 4, 32),
        (256, 256, 16, 32), (512, 128, 8, 32), (1152, 64, 4, 32), (256, 64, 1, 8),
        (64, 32, 32, 64), (288, 32, 32, 32), (256, 32, 2, 128), (512, 64, 1, 256), (192, 8, 8, 192),
    ]:
        out.append(_one(f"mvau_xnor {mw}x{mh} pe{pe} simd{simd}", [mvau(rng, mw, mh, pe, simd)],
                        Fmt(1, False), mw * 2))
    for mw, mh, pe, simd, st in [(64, 16, 4, 16, 3), (32, 8, 8, 32, 3)]:
        out.append(_one(f"mvau_xnor_{st}t {mw}x{mh} pe{pe} simd{simd}",
                        [mvau(rng, mw, mh, pe, simd, n_steps=st)], Fmt(1, False), mw * 2))
    for mw, mh, pe, simd in [(64, 10, 1, 8), (64, 10, 10, 64), (512, 10, 1, 32)]:
        out.append(_one(f"mvau_acc {mw}x{mh} pe{pe} simd{simd}", [mvau(rng, mw, mh, pe, simd, "acc")],
                        Fmt(1, False), mw * 2))
    # 8-bit input x bipolar weights (first layers): keep SIMD small (WebAssembly Yosys is slow here)
    for mw, mh, pe, simd in [(9, 16, 4, 9), (9, 32, 8, 3), (27, 16, 2, 9), (18, 8, 1, 2),
                             (27, 32, 4, 3), (9, 64, 16, 9)]:  # no >= 256 lanes: > 15 min in Yosys
        out.append(_one(f"mvau_int {mw}x{mh} pe{pe} simd{simd}", [mvau(rng, mw, mh, pe, simd, "int")],
                        Fmt(8, False), mw * 2))
    # thresholding on an accumulator stream
    for c, pe, bits, st in [(16, 4, 8, 1), (32, 8, 12, 1), (64, 2, 10, 3)]:
        t = np.sort(rng.integers(0, 2**bits, size=(c, st)), axis=1)
        odt = "BINARY" if st == 1 else f"UINT{int(np.ceil(np.log2(st + 1)))}"
        th = _layer("Thresholding_hls", {"t": t}, NumChannels=c, PE=pe, inputDataType=f"UINT{bits}",
                    outputDataType=odt, ActVal=0, numInputVectors=[1, 4])
        out.append(_one(f"thresholding c{c} pe{pe} in{bits} steps{st}", [th], Fmt(bits, False), c * 4))
    # sliding windows: standard, depthwise (with its pool) and parallel-window
    for c, simd, ih, k, s in [(64, 16, 30, 3, 1), (128, 32, 12, 3, 1), (32, 32, 14, 3, 1), (256, 8, 5, 3, 1),
                              (16, 4, 28, 3, 1), (64, 64, 16, 2, 2), (64, 8, 10, 3, 1), (128, 1, 5, 3, 1)]:
        out.append(_one(f"swg c{c} simd{simd} ih{ih} k{k} s{s}", [swg(c, simd, ih, k, s)],
                        Fmt(1, False), ih * ih * c))
    for c, pe, ih, bits in [(64, 64, 28, 1), (128, 16, 10, 1), (32, 8, 12, 4), (64, 2, 10, 1)]:
        dt = "BINARY" if bits == 1 else f"UINT{bits}"
        layers = [swg(c, pe, ih, 2, 2, depthwise=1, dt=dt, name="W0"),
                  _layer("Pool_hls", name="P0", Channels=c, PE=pe, KernelSize=[2, 2], Function="MaxPool",
                         OutImgDims=[ih // 2, ih // 2], InputDataType=dt, OutputDataType=dt, BatchSize=1)]
        rl = rtl_layers(layers, Fmt(bits, False))
        d = stitch(rl, ih * ih * c)
        for inst in d.instances:
            if inst.kind == "layer":
                tag = "swg_dw" if inst.module == "pcnn_swg" else "pool"
                out.append(Config(f"{tag} c{c} pe{pe} ih{ih} b{bits}", d, inst))
    for c, ih, k, bits in [(1, 28, 3, 8), (3, 32, 3, 8), (2, 12, 3, 8), (16, 8, 3, 1)]:
        dt = "BINARY" if bits == 1 else f"UINT{bits}"
        out.append(_one(f"swg_par c{c} ih{ih} k{k} b{bits}", [swg(c, c, ih, k, par=1, dt=dt)],
                        Fmt(bits, False), ih * ih * c))
    for labels, pe, bits in [(10, 1, 16), (10, 10, 12), (100, 4, 10), (10, 5, 8), (12, 3, 8), (16, 16, 8),
                              (10, 1, 8), (20, 1, 12), (10, 2, 12)]:
        ls = _layer("LabelSelect_hls", Labels=labels, PE=pe, K=1, inputDataType=f"INT{bits}",
                    outputDataType="UINT8")
        out.append(_one(f"labelselect l{labels} pe{pe} in{bits}", [ls], Fmt(bits, True), labels))
    for w, depth in [(1, 2), (8, 2), (64, 2), (16, 32), (64, 32), (32, 64), (8, 200), (128, 16), (2, 512),
                     (24, 100)]:
        out.append(_infra(f"fifo w{w} d{depth}", "pcnn_fifo", {"WIDTH": w, "DEPTH": depth}, w, w))
    for iw, ow in [(8, 64), (64, 8), (16, 256), (2, 6), (48, 16)]:
        out.append(_infra(f"dwc {iw}->{ow}", "pcnn_dwc", {"IW": iw, "OW": ow}, iw, ow))
    # added later with their own generator (keeps the earlier points' random contents, i.e. their cache):
    # 8-bit-input MVAUs with constant (depth-1) and 2-deep weights
    rng2 = np.random.default_rng(seed + 1)
    for mw, mh, pe, simd in [(9, 8, 8, 9), (18, 8, 4, 18)]:
        out.append(_one(f"mvau_int {mw}x{mh} pe{pe} simd{simd}", [mvau(rng2, mw, mh, pe, simd, "int")],
                        Fmt(8, False), mw * 2))
    # XNOR: one input beat per vector replayed NF times (SF = 1: the buffer is flip-flops); SIMD 1
    for mw, mh, pe, simd in [(64, 16, 2, 64), (128, 2, 1, 1), (64, 32, 1, 32), (96, 64, 2, 48)]:
        out.append(_one(f"mvau_xnor {mw}x{mh} pe{pe} simd{simd}", [mvau(rng2, mw, mh, pe, simd)],
                        Fmt(1, False), mw * 2))
    # XNOR: SF = 1 with a wide popcount (SIMD 128..256) and deep weights: the popcount tree's cost apart
    # from the replay buffer's (every earlier wide-SIMD point had SF > 1)
    rng3 = np.random.default_rng(seed + 2)
    for mw, mh, pe, simd in [(256, 128, 1, 256), (128, 256, 2, 128), (192, 128, 1, 192)]:
        out.append(_one(f"mvau_xnor {mw}x{mh} pe{pe} simd{simd}", [mvau(rng3, mw, mh, pe, simd)],
                        Fmt(1, False), mw * 2))
    # 8-bit-input MVAUs with deep weights (logic ROM of 64 / 128 words, block ROM): the first layers of
    # MLPs (tfc / sfc) are of this kind; every earlier 8-bit point had weights of depth <= 24
    rng4 = np.random.default_rng(seed + 3)
    for mw, mh, pe, simd in [(128, 64, 8, 16), (288, 64, 8, 24), (256, 64, 8, 16), (512, 64, 4, 16)]:
        out.append(_one(f"mvau_int8 {mw}x{mh} pe{pe} simd{simd}", [mvau(rng4, mw, mh, pe, simd, "int")],
                        Fmt(8, False), mw * 2))
    # integer MVAUs with a 1-bit input (kind mvau_int1: resnet-like flat classifier heads, mostly without
    # activation); replay buffers on both sides of the async-read block-RAM rule (SF x SIMD: 128 x 32 =
    # 4,096 bits block; 128 x 16 = 2,048 and 64 x 64 = 4,096 LUTRAM); never resnet-mini's head (5408 x 10)
    rng5 = np.random.default_rng(seed + 4)
    for mw, mh, pe, simd, kind in [(64, 10, 1, 8, "int1acc"), (128, 10, 2, 16, "int1acc"),
                                   (256, 10, 1, 32, "int1acc"), (1024, 10, 1, 32, "int1acc"),
                                   (4096, 10, 1, 32, "int1acc"), (2048, 10, 1, 16, "int1acc"),
                                   (4096, 10, 1, 64, "int1acc"), (288, 16, 4, 32, "int1"),
                                   (64, 16, 16, 64, "int1")]:
        out.append(_one(f"mvau_{kind} {mw}x{mh} pe{pe} simd{simd}", [mvau(rng5, mw, mh, pe, simd, kind)],
                        Fmt(1, False), mw * 2))
    return out + residual_grid() + residual_net_shapes()


def _residual(label: str, module: str, params: dict[str, int]) -> Config:
    """One residual-net module alone (pcnn_hw/layers/<kind>/*.v): an Instance with its port widths."""
    import importlib

    from pcnn_hw.core.streams import Fmt as SFmt
    from pcnn_hw.layers.globalpool.rtl import out_fmt

    kind = module.removeprefix("pcnn_")
    text = importlib.import_module(f"pcnn_hw.layers.{kind}.rtl").template()
    p = dict(params)
    if module == "pcnn_duplicate":
        ins, outs = [p["WIDTH"]], [p["WIDTH"], p["WIDTH"]]
    elif module == "pcnn_addstreams":
        ins, outs = [p["PE"] * p["IN0_BITS"], p["PE"] * p["IN1_BITS"]], [p["PE"] * p["OUT_BITS"]]
    elif module == "pcnn_fmpadding":
        ins = outs = [p["SIMD"] * p["BITS"]]
    else:  # pcnn_globalpool: OUT_BITS as the RTL view derives it
        p["OUT_BITS"] = out_fmt(SFmt(p["IN_BITS"], bool(p["IN_SIGNED"])), p["PIX"]).bits
        ins, outs = [p["PE"] * p["IN_BITS"]], [p["PE"] * p["OUT_BITS"]]
    inst = Instance("L0", "layer", module, p, ins[0], outs[0], "L0", in_widths=ins, out_widths=outs)
    d = Design([inst], None, None, 0, 0, [], [], {f"{module}.v": text})  # type: ignore[arg-type]
    return Config(label, d, inst)


def _add(pe: int, b0: int, s0: int, b1: int, s1: int, ob: int) -> dict[str, int]:
    return {"PE": pe, "IN0_BITS": b0, "IN0_SIGNED": s0, "IN1_BITS": b1, "IN1_SIGNED": s1, "OUT_BITS": ob}


def _pad(simd: int, bits: int, cf: int, ih: int, pads: tuple[int, int, int, int]) -> dict[str, int]:
    t, left, b, r = pads
    return {"SIMD": simd, "BITS": bits, "CF": cf, "IH": ih, "IW": ih, "PT": t, "PL": left, "PB": b, "PR": r}


def _gp(pe: int, bits: int, signed: int, folds: int, pix: int) -> dict[str, int]:
    return {"PE": pe, "IN_BITS": bits, "IN_SIGNED": signed, "FOLDS": folds, "PIX": pix}


def _label(kind: str, p: dict[str, int]) -> str:
    return kind + " " + " ".join(f"{k.lower()}{v}" for k, v in p.items())


def residual_grid() -> list[Config]:
    """Small configurations of the residual-net kinds (fork, join, padding, global pool): stream widths,
    PE, bits, image sizes, and globalpool's sum memory in flip-flops / LUTRAM / block RAM on both sides of
    the async-read block-RAM rule (features_residual.async_ram_is_block: >= 128 words and > 2,048 bits)."""
    out = [_residual(f"duplicate w{w}", "pcnn_duplicate", {"WIDTH": w}) for w in (1, 4, 16, 24, 64, 128)]
    for a in [(1, 1, 0, 1, 0, 2), (16, 1, 0, 1, 0, 2), (32, 1, 0, 1, 0, 2), (2, 2, 0, 1, 0, 3),
              (8, 2, 0, 2, 0, 3), (4, 4, 1, 4, 1, 5), (16, 3, 0, 2, 0, 4), (2, 8, 1, 8, 1, 9)]:
        p = _add(*a)
        out.append(_residual(_label("addstreams", p), "pcnn_addstreams", p))
    for simd, bits, cf, ih, pads in [(1, 1, 1, 8, (1, 1, 1, 1)), (16, 1, 4, 14, (1, 1, 1, 1)),
                                     (2, 4, 2, 10, (1, 1, 1, 1)), (8, 1, 1, 32, (2, 2, 2, 2)),
                                     (32, 1, 1, 6, (1, 1, 1, 1)), (4, 8, 3, 28, (0, 0, 1, 1)),
                                     (1, 2, 16, 7, (1, 1, 1, 1)), (64, 1, 2, 12, (1, 1, 1, 1))]:
        p = _pad(simd, bits, cf, ih, pads)
        out.append(_residual(_label("fmpadding", p), "pcnn_fmpadding", p))
    # globalpool: FOLDS 1 (registers), LUTRAM, and around the block-RAM rule: 128 x 24 bits (3,072: block,
    # as 128 x 26 / 128 x 28), 64 x 64 (4,096 bits but 64 deep: LUTRAM), 256 x 8 (2,048 bits: LUTRAM)
    for g in [(1, 1, 0, 1, 49), (8, 1, 0, 1, 16), (4, 1, 0, 8, 64), (2, 2, 0, 16, 49), (1, 4, 1, 32, 16),
              (16, 1, 0, 4, 100), (2, 4, 0, 128, 196), (2, 4, 0, 128, 300), (2, 8, 0, 128, 64),
              (4, 8, 0, 64, 256), (1, 4, 0, 256, 16)]:
        p = _gp(*g)
        out.append(_residual(_label("globalpool", p), "pcnn_globalpool", p))
    return out


def residual_net_shapes() -> list[Config]:
    """Instances shaped like residual nets' (1-bit / 2-bit streams, PE 2..32, 7..32-pixel images;
    resnet18 / wrn22-like global pools) but never resnet-mini's exact shapes (it is held out)."""
    out = [_residual(f"rnet duplicate w{w}", "pcnn_duplicate", {"WIDTH": w}) for w in (2, 12, 32)]
    for a in [(64, 1, 0, 1, 0, 2), (2, 1, 0, 1, 0, 2), (16, 2, 0, 1, 0, 3), (32, 2, 0, 1, 0, 3)]:
        p = _add(*a)
        out.append(_residual(_label("rnet addstreams", p), "pcnn_addstreams", p))
    for simd, cf, ih in [(16, 4, 16), (8, 4, 8), (32, 2, 32), (2, 8, 7), (16, 1, 28)]:
        p = _pad(simd, 1, cf, ih, (1, 1, 1, 1))
        out.append(_residual(_label("rnet fmpadding", p), "pcnn_fmpadding", p))
    for g in [(16, 1, 0, 32, 16), (8, 1, 0, 8, 64), (4, 2, 0, 64, 64), (1, 1, 0, 512, 16)]:
        p = _gp(*g)
        out.append(_residual(_label("rnet globalpool", p), "pcnn_globalpool", p))
    return out
