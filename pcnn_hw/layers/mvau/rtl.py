"""RTL view of the MVAU: module ``pcnn_mvau`` (pcnn_hw/rtl/verilog/pcnn_mvau.v) and its ROMs.

Parameters: PE, SIMD, MW, MH, XNOR, NO_ACT, IN_BITS, IN_SIGNED, W_BITS, ACC_BITS, N_STEPS, OUT_BITS,
ACT_VAL (widths: :mod:`pcnn_hw.layers.mvau.policy`, thresholds: :mod:`pcnn_hw.layers.thresholds`).
Weights ROM ``w``: one word per address of the (PE, WMEM, SIMD) image, the PE x SIMD lanes packed with
the SIMD lane order undone (lane s = column s); thresholds ROM ``t``: one word per neuron fold, PE x
N_STEPS fields of ACC_BITS. In: SIMD elements per beat; out: PE elements per beat.
"""

from __future__ import annotations

import numpy as np

from pcnn_hw.core.hwspec import RomMaker, RtlLayer, style_override
from pcnn_hw.core.streams import Fmt, Stream
from pcnn_hw.errors import UnsupportedOpError
from pcnn_hw.layers.mvau import MVAU
from pcnn_hw.layers.mvau.policy import acc_floor, int_acc_range, mvau_acc_bits, weight_bits
from pcnn_hw.layers.thresholds import full_range, int_thresholds, out_fmt

MODULE = "pcnn_mvau"


def rtl_spec(layer: MVAU, fins: tuple[Fmt, ...], make_rom: RomMaker) -> RtlLayer:
    """The RTL layer of ``layer`` fed by one stream of format ``fins[0]``; typed errors name the layer."""
    if len(fins) != 1:
        raise UnsupportedOpError(f"layer {layer.name}: {layer.op_type} has one input, got {len(fins)} fmts")
    fin = fins[0]
    pe, simd, mw, mh = layer.pe, layer.simd, layer.mw, layer.mh
    sf, nf = mw // simd, mh // pe
    wm = np.asarray(layer.weight_mem)  # (PE, WMEM, SIMD), lane SIMD-1-s holds column s
    lanes = np.flip(wm, axis=-1)  # lane s at index s
    if layer.xnor:
        if fin.bits != 1:
            raise UnsupportedOpError(
                f"layer {layer.name}: XNOR MVAU needs a 1-bit input stream, got {fin.bits}"
            )
        wfield = (lanes > 0).astype(np.int64) if lanes.min() < 0 else lanes.astype(np.int64)
        lo, hi = 0, mw
    else:
        if layer.attrs.get("inputDataType") == "BIPOLAR":
            raise UnsupportedOpError(f"layer {layer.name}: bipolar input without XNOR mode is not supported")
        w = np.asarray(layer.weights, dtype=np.int64)  # (MW, MH) as in the graph
        pm1 = not layer.bipolar_weights and set(np.unique(w).tolist()) <= {-1, 1}
        wfield = (lanes > 0).astype(np.int64) if pm1 else lanes.astype(np.int64)  # +-1 weights: bits
        lo, hi = int_acc_range(w, *full_range(fin.bits, fin.signed))
    wbits = weight_bits(layer)
    wmem = wfield.reshape(pe, sf * nf, simd).transpose(1, 0, 2).reshape(sf * nf, pe * simd)
    floor = acc_floor(fin.bits, wbits, simd)
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
        acc_bits = mvau_acc_bits(lo, hi, floor)
        params.update(ACC_BITS=acc_bits, N_STEPS=1, OUT_BITS=acc_bits, ACT_VAL=0)
        fout = Fmt(acc_bits, True)
    else:
        tm = int_thresholds(layer.thresh_mem, lo, hi)  # (PE, TMEM, n_steps); acc >= ceil(T), sorted
        n_steps = tm.shape[2]
        acc_bits = mvau_acc_bits(lo, hi, floor, tm)
        fout, act = out_fmt(
            layer.name, str(layer.attrs.get("outputDataType")), n_steps, int(layer.attrs.get("ActVal", 0))
        )
        tw = tm.transpose(1, 0, 2).reshape(nf, pe * n_steps)
        trom, ttext = make_rom(layer.name, "t", "thresholds", tw, acc_bits, style_override(layer, "t"))
        files[trom.file] = ttext
        roms.append(trom)
        params.update(ACC_BITS=acc_bits, N_STEPS=n_steps, OUT_BITS=fout.bits, ACT_VAL=act)
    return RtlLayer(
        layer.name, layer.op_type, MODULE, params, Stream(fin, simd), Stream(fout, pe), layer.exp_cycles(),
        files, roms=roms,
    )
