"""RTL view of each hardware layer: which Verilog module, its parameters, its stream formats and its
memory init files, derived from the layer objects of :mod:`pcnn_hw.layers` (the single definition).

Weights and thresholds come from the layers' memory images (FINN's (PE, WMEM, SIMD) and
(PE, TMEM, n_steps) layouts, i.e. ``build/NAME/weights/``), not re-derived: the only transformation is
packing each address's PE x SIMD lanes into one word (SIMD lane order undone, see pcnn_mvau.v). Each
memory becomes a generated ROM module (:mod:`pcnn_hw.rtl.rom`) with its contents in the Verilog.

Stream format: every stream carries ``elems`` elements of ``bits`` bits per beat, element i in bits
[i*bits, (i+1)*bits), two's complement when ``signed``; 1-bit BINARY/BIPOLAR values are the bits of
:mod:`pcnn_hw.core.bits` (0 encodes -1). Element order along a frame is the simulator's tensor order
(NHWC, channels fastest), except inside a depthwise sliding window -> pool pair.
"""

from __future__ import annotations

import math

import numpy as np

from pcnn_hw.core.hwspec import Rom, RtlLayer
from pcnn_hw.core.streams import Fmt, Stream, fmt_of_datatype, signed_bits
from pcnn_hw.errors import FoldingError, UnsupportedOpError
from pcnn_hw.layers import MVAU, HwLayer, LabelSelect, MaxPool, PassThrough, SlidingWindow, Thresholding
from pcnn_hw.layers.addstreams import rtl as addstreams_rtl
from pcnn_hw.layers.base import datatype_bits
from pcnn_hw.layers.duplicate import rtl as duplicate_rtl
from pcnn_hw.layers.fmpadding import rtl as fmpadding_rtl
from pcnn_hw.layers.globalpool import rtl as globalpool_rtl
from pcnn_hw.rtl.rom import rom_module_name, rom_verilog, style_override

# Kinds in a folder of their own carry their RTL view in ``pcnn_hw/layers/<kind>/rtl.py``: ``LAYER_CLASS``
# and ``rtl_spec(layer, fins) -> RtlLayer`` (module text in ``RtlLayer.files``). A local table until the
# layer registry (pcnn_hw.layers.registry, graph helper) lands; then this dispatch looks the kind up there.
KIND_RTL = (fmpadding_rtl, duplicate_rtl, addstreams_rtl, globalpool_rtl)


def make_rom(
    layer: str, port: str, what: str, fields: np.ndarray, field_bits: int, style: str = "auto"
) -> tuple[Rom, str]:
    """The ROM of ``fields`` (rows = words, field j of a row at bits [j*b, (j+1)*b)) and its Verilog;
    ``style``: the node's ROM style override (pcnn_hw.rtl.rom.style_override), 'auto' = the policy."""
    rows, n = np.asarray(fields).shape
    rom = Rom(rom_module_name(layer, port), port, n * field_bits, rows, style)
    return rom, rom_verilog(rom, layer, what, memh_words(fields, field_bits))


def memh_words(fields: np.ndarray, field_bits: int) -> str:
    """Hex words, one line per row of ``fields`` (rows, n), field j at bits [j*b, (j+1)*b)."""
    fields = np.asarray(fields, dtype=np.int64)
    rows, n = fields.shape
    total = n * field_bits
    nbytes = -(-total // 8)
    vals = fields & ((1 << field_bits) - 1) if field_bits < 63 else fields
    bits = ((vals[:, :, None] >> np.arange(field_bits, dtype=np.int64)) & 1).astype(np.uint8)
    bits = bits.reshape(rows, total)
    packed = np.packbits(bits, axis=1, bitorder="little")
    if packed.shape[1] < nbytes:  # pragma: no cover - packbits pads already
        packed = np.pad(packed, ((0, 0), (0, nbytes - packed.shape[1])))
    nhex = -(-total // 4)
    lines = []
    for row in packed:
        h = row[::-1].tobytes().hex()
        lines.append(h[len(h) - nhex :])
    return "\n".join(lines) + "\n"


def _mvau(layer: MVAU, fin: Fmt) -> RtlLayer:
    pe, simd, mw, mh = layer.pe, layer.simd, layer.mw, layer.mh
    sf, nf = mw // simd, mh // pe
    wm = np.asarray(layer.weight_mem)  # (PE, WMEM, SIMD), lane SIMD-1-s holds column s
    lanes = np.flip(wm, axis=-1)  # lane s at index s
    if layer.xnor:
        if fin.bits != 1:
            raise UnsupportedOpError(
                f"layer {layer.name}: XNOR MVAU needs a 1-bit input stream, got {fin.bits}"
            )
        wbits, wfield = 1, (lanes > 0).astype(np.int64) if lanes.min() < 0 else lanes.astype(np.int64)
        lo, hi = 0, mw
    else:
        if layer.attrs.get("inputDataType") == "BIPOLAR":
            raise UnsupportedOpError(f"layer {layer.name}: bipolar input without XNOR mode is not supported")
        w = np.asarray(layer.weights, dtype=np.int64)  # (MW, MH) as in the graph
        if layer.bipolar_weights or set(np.unique(w).tolist()) <= {-1, 1}:
            wbits = 1
            wfield = (lanes > 0).astype(np.int64) if not layer.bipolar_weights else lanes.astype(np.int64)
        else:
            wbits = signed_bits(int(w.min()), int(w.max()))
            wfield = lanes.astype(np.int64)
        xlo = -(2 ** (fin.bits - 1)) if fin.signed else 0
        xhi = 2 ** (fin.bits - 1) - 1 if fin.signed else 2**fin.bits - 1
        lo = int(np.min(np.minimum(w * xlo, w * xhi).sum(0)))
        hi = int(np.max(np.maximum(w * xlo, w * xhi).sum(0)))
    wmem = wfield.reshape(pe, sf * nf, simd).transpose(1, 0, 2).reshape(sf * nf, pe * simd)
    # pcnn_mvau extends inputs, weights and popcounts to ACC_BITS with at least one extra bit
    floor = max(fin.bits + 2, wbits + 2, max(4, math.ceil(math.log2(simd + 1))) + 1)
    wrom, wtext = make_rom(layer.name, "w", "weights", wmem, wbits, style_override(layer, "w"))
    files, roms = {wrom.file: wtext}, [wrom]
    params: dict[str, int | str] = {
        "PE": pe,
        "SIMD": simd,
        "MW": mw,
        "MH": mh,
        "XNOR": int(layer.xnor),
        "NO_ACT": int(layer.no_activation),
        "IN_BITS": fin.bits,
        "IN_SIGNED": int(fin.signed),
        "W_BITS": wbits,
    }
    if layer.no_activation:
        acc_bits = max(signed_bits(lo, hi), floor)
        params.update(ACC_BITS=acc_bits, N_STEPS=1, OUT_BITS=acc_bits, ACT_VAL=0)
        fout = Fmt(acc_bits, True)
    else:
        tm = np.ceil(np.asarray(layer.thresh_mem, dtype=np.float64))  # (PE, TMEM, n_steps); acc >= ceil(T)
        tm = np.sort(np.clip(tm, lo, hi + 1).astype(np.int64), axis=2)  # sorted: see thermometer_count
        n_steps = tm.shape[2]
        acc_bits = max(signed_bits(min(lo, int(tm.min())), max(hi + 1, int(tm.max()))), floor)
        fout, act = _act_out(
            layer.name, str(layer.attrs.get("outputDataType")), n_steps, int(layer.attrs.get("ActVal", 0))
        )
        tw = tm.transpose(1, 0, 2).reshape(nf, pe * n_steps)
        trom, ttext = make_rom(layer.name, "t", "thresholds", tw, acc_bits, style_override(layer, "t"))
        files[trom.file] = ttext
        roms.append(trom)
        params.update(ACC_BITS=acc_bits, N_STEPS=n_steps, OUT_BITS=fout.bits, ACT_VAL=act)
    return RtlLayer(
        layer.name,
        layer.op_type,
        "pcnn_mvau",
        params,
        Stream(fin, simd),
        Stream(fout, pe),
        layer.exp_cycles(),
        files,
        roms=roms,
    )


def _act_out(name: str, odt: str, n_steps: int, act_val: int) -> tuple[Fmt, int]:
    """Output format and ACT_VAL offset of a thresholding stage (1-bit for BINARY/BIPOLAR, 1 step)."""
    if odt in ("BINARY", "BIPOLAR"):
        if n_steps != 1:
            raise UnsupportedOpError(f"layer {name}: {odt} output with {n_steps} thresholds is not supported")
        return Fmt(1, False), 0
    f = fmt_of_datatype(odt)
    return Fmt(max(f.bits, 1), f.signed), act_val


def _thresholding(layer: Thresholding, fin: Fmt) -> RtlLayer:
    pe, c = layer.pe, layer.channels
    tm = np.ceil(np.asarray(layer.thresh_mem, dtype=np.float64))
    xlo = -(2 ** (fin.bits - 1)) if fin.signed else 0
    xhi = 2 ** (fin.bits - 1) - 1 if fin.signed else 2**fin.bits - 1
    tm = np.sort(np.clip(tm, xlo, xhi + 1).astype(np.int64), axis=2)  # sorted: see thermometer_count
    n_steps = tm.shape[2]
    cw = signed_bits(min(xlo, int(tm.min())), max(xhi + 1, int(tm.max())))
    fout, act = _act_out(
        layer.name, str(layer.attrs.get("outputDataType")), n_steps, int(layer.attrs.get("ActVal", 0))
    )
    tw = tm.transpose(1, 0, 2).reshape(c // pe, pe * n_steps)
    trom, ttext = make_rom(layer.name, "t", "thresholds", tw, cw, style_override(layer, "t", "ram_style"))
    params: dict[str, int | str] = {
        "PE": pe,
        "C": c,
        "IN_BITS": fin.bits,
        "IN_SIGNED": int(fin.signed),
        "CW": cw,
        "N_STEPS": n_steps,
        "OUT_BITS": fout.bits,
        "ACT_VAL": act,
    }
    return RtlLayer(
        layer.name,
        layer.op_type,
        "pcnn_thresholding",
        params,
        Stream(fin, pe),
        Stream(fout, pe),
        layer.exp_cycles(),
        {trom.file: ttext},
        roms=[trom],
    )


def _swg(layer: SlidingWindow, fin: Fmt) -> RtlLayer:
    a = layer.attrs
    kh, kw = (int(v) for v in a["ConvKernelDim"])
    ih, iw = (int(v) for v in a["IFMDim"])
    oh, ow = (int(v) for v in a["OFMDim"])
    sh, sw = (int(v) for v in a.get("Stride", [1, 1]))
    dh, dw = (int(v) for v in a.get("Dilation", [1, 1]))
    c, simd = layer.channels, layer.simd
    dwise = bool(int(a.get("depthwise", 0)))
    geo = {"IH": ih, "IW": iw, "KH": kh, "KW": kw, "SH": sh, "SW": sw, "DH": dh, "DW": dw}
    if int(a.get("parallel_window", 0)) and not dwise:
        params: dict[str, int | str] = {"PIX": c * fin.bits, **geo}
        return RtlLayer(
            layer.name,
            layer.op_type,
            "pcnn_swg_par",
            params,
            Stream(fin, c),
            Stream(fin, kh * kw * c),
            layer.exp_cycles(),
        )
    cf = c // simd
    need = ((kh - 1) * dh + 1 + sh) * iw * cf + kw * cf
    aw = max(2, math.ceil(math.log2(need)))
    params = {"BEAT": simd * fin.bits, "CF": cf, "OH": oh, "OW": ow, "DEPTHWISE": int(dwise), "AW": aw, **geo}
    return RtlLayer(
        layer.name,
        layer.op_type,
        "pcnn_swg",
        params,
        Stream(fin, simd),
        Stream(fin, simd),
        layer.exp_cycles(),
        depthwise=dwise,
    )


def _pool(layer: MaxPool, fin: Fmt) -> RtlLayer:
    if layer.streaming:
        raise UnsupportedOpError(
            f"layer {layer.name}: StreamingMaxPool has no RTL template (the compiler emits "
            "depthwise sliding window + Pool)"
        )
    kk = layer.k[0] * layer.k[1]
    params: dict[str, int | str] = {"PE": layer.pe, "KK": kk, "BITS": fin.bits, "SIGNED": int(fin.signed)}
    return RtlLayer(
        layer.name,
        layer.op_type,
        "pcnn_pool",
        params,
        Stream(fin, layer.pe),
        Stream(fin, layer.pe),
        layer.exp_cycles(),
    )


def _labelselect(layer: LabelSelect, fin: Fmt) -> RtlLayer:
    k = int(layer.attrs.get("K", 1))
    if k != 1:
        raise UnsupportedOpError(f"layer {layer.name}: LabelSelect with K={k} (only K=1 has an RTL template)")
    ob = max(
        datatype_bits(str(layer.attrs.get("outputDataType", "UINT8"))), math.ceil(math.log2(layer.labels + 1))
    )
    params: dict[str, int | str] = {
        "PE": layer.pe,
        "LABELS": layer.labels,
        "IN_BITS": fin.bits,
        "OUT_BITS": ob,
    }
    return RtlLayer(
        layer.name,
        layer.op_type,
        "pcnn_labelselect",
        params,
        Stream(fin, layer.pe),
        Stream(Fmt(ob, False), 1),
        layer.exp_cycles(),
    )


def rtl_layer(layer: HwLayer, fin: Fmt | tuple[Fmt, ...]) -> RtlLayer | None:
    """The RTL view of ``layer`` given its input element format(s) (one ``Fmt``, or one per input port in
    port order); None for FIFO/DWC nodes (re-made). ``exp_cycles`` is the layer object's estimate."""
    fins = fin if isinstance(fin, tuple) else (fin,)
    for kind in KIND_RTL:
        if isinstance(layer, kind.LAYER_CLASS):
            return kind.rtl_spec(layer, fins)
    if len(fins) != 1:
        raise UnsupportedOpError(f"layer {layer.name}: {layer.op_type} has one input, got {len(fins)} fmts")
    fin = fins[0]
    if isinstance(layer, MVAU):
        return _mvau(layer, fin)
    if isinstance(layer, Thresholding):
        return _thresholding(layer, fin)
    if isinstance(layer, SlidingWindow):
        return _swg(layer, fin)
    if isinstance(layer, MaxPool):
        return _pool(layer, fin)
    if isinstance(layer, LabelSelect):
        return _labelselect(layer, fin)
    if isinstance(layer, PassThrough):
        return None
    raise UnsupportedOpError(f"layer {layer.name}: op {layer.op_type} has no RTL template")


def rtl_layers(layers: list[HwLayer], input_fmt: Fmt) -> list[RtlLayer]:
    """RTL views of a chain of layers; checks that a depthwise window feeds a pool of the same PE."""
    out: list[RtlLayer] = []
    fmt = input_fmt
    for layer in layers:
        r = rtl_layer(layer, fmt)
        if r is None:
            continue
        if r.module == "pcnn_pool" and (not out or not out[-1].depthwise or out[-1].out.elems != r.inp.elems):
            prev = out[-1].name if out else "the graph input"
            raise FoldingError(
                f"layer {r.name}: a max-pool must follow a depthwise sliding window with SIMD = pool PE "
                f"({r.inp.elems}); got {prev}"
            )
        out.append(r)
        fmt = r.out.fmt
    return out
