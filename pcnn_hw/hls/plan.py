"""From a folded dataflow graph to a chain of HLS kernel calls (`Kernel`s) with typed stream ports.

Each hardware layer of the graph (the `pcnn_hw.layers` objects the bit-exact simulator builds, with
the compiler's memory images) becomes one kernel of ``hls/include/pcnn``; FIFOs and the graph's own
width converters are dropped, and a width converter is inserted wherever a producer's word (elements
per word) differs from what its consumer reads. Element order on every stream is the logical tensor
order (channels last), except between a depthwise sliding window and its max-pool (channel-fold-major),
which must therefore have SIMD == PE.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from pcnn_hw.errors import FoldingError, UnsupportedOpError
from pcnn_hw.hls.dtypes import ELEM_BIPOLAR, ELEM_SIGNED, ELEM_UNSIGNED, ElemFormat, elem_format, signed_bits
from pcnn_hw.hls.policy import acc_floor, full_range, int_thresholds, label_bits, mvau_acc_bits
from pcnn_hw.layers import MVAU, LabelSelect, MaxPool, SlidingWindow, Thresholding

BIT = ElemFormat(1, 0, 0, 1)


@dataclass
class Port:
    """A stream: `elems` elements of format `fmt` per word, `words` words per frame."""

    elems: int
    fmt: ElemFormat
    words: int

    @property
    def width(self) -> int:
        """Word width in bits."""
        return self.elems * self.fmt.bits

    @property
    def ctype(self) -> str:
        """The C++ word type."""
        return f"ap_uint<{self.width}>"


@dataclass
class CArray:
    """A constant memory of a kernel: C type, dimensions, literals (row-major), dims partitioned."""

    name: str
    ctype: str
    dims: list[int]
    literals: list[str]
    partition: list[int] = field(default_factory=list)


@dataclass
class Kernel:
    """One kernel call of the network top: `call` uses the names in, out and the arrays."""

    name: str
    node: str
    op: str
    doc: str
    inp: Port
    out: Port
    call: str
    arrays: list[CArray] = field(default_factory=list)
    depthwise: bool = False  # a depthwise sliding window (channel-fold-major output order)
    more_inputs: list[Port] = field(default_factory=list)  # ports in1, in2, ... (a join)
    more_outputs: list[Port] = field(default_factory=list)  # ports out1, out2, ... (a fork)

    @property
    def inputs(self) -> list[Port]:
        """Every input port in order (in, in1, ...)."""
        return [self.inp, *self.more_inputs]

    @property
    def outputs(self) -> list[Port]:
        """Every output port in order (out, out1, ...)."""
        return [self.out, *self.more_outputs]


def c_ident(name: str) -> str:
    """A C identifier from a node name."""
    s = re.sub(r"[^0-9A-Za-z_]", "_", name)
    return s if s and not s[0].isdigit() else "n_" + s


def _targs(*vals: int | bool) -> str:
    return ", ".join(("true" if v else "false") if isinstance(v, bool) else str(int(v)) for v in vals)


def word_literals(mem: np.ndarray, elem_bits: int) -> list[str]:
    """Memory image (..., LANES) -> one literal per word, lanes reversed (element e = lane LANES-1-e),
    each element as `elem_bits`-bit two's complement, element 0 in the least significant bits."""
    mem = np.asarray(mem).astype(np.int64)
    lanes = mem.shape[-1]
    el = mem.reshape(-1, lanes)[:, ::-1] & ((1 << elem_bits) - 1)
    bits = ((el[..., None] >> np.arange(elem_bits)) & 1).astype(np.uint8).reshape(el.shape[0], -1)
    packed = np.packbits(bits, axis=-1, bitorder="little")
    width = lanes * elem_bits
    out = []
    for row in packed:
        v = int.from_bytes(row.tobytes(), "little")
        if width <= 64:
            out.append(f"0x{v:x}ULL" if width > 32 else f"0x{v:x}u")
        else:
            out.append(f'ap_uint<{width}>("0x{v:x}", 16)')
    return out


def _threshold_array(t: np.ndarray, tb: int) -> CArray:
    """The (PE, TMEM, n_steps) integer thresholds (see policy.int_thresholds) as tb-bit constants."""
    lits = [f"{v}" if abs(v) < 2**31 else f"{v}LL" for v in t.ravel().tolist()]
    return CArray("thresholds", f"ap_int<{tb}>", list(t.shape), lits, [1, 3])


def _thresh_out(layer: str, odt: str, n_steps: int, act: int) -> tuple[ElemFormat, int]:
    """(output element format, ACTVAL) of a multi-threshold activation, as the simulator defines it."""
    if odt in ("BINARY", "BIPOLAR"):
        if n_steps != 1:
            raise UnsupportedOpError(
                f"layer {layer}: {odt} output with {n_steps} thresholds is not supported"
            )
        return BIT, 0
    fmt = elem_format(odt, f"layer {layer}")
    return fmt, int(act)


def _in_range(fin: ElemFormat) -> tuple[int, int]:
    """Value range of an input element as the RTL policy takes it: every value of its bits."""
    return (fin.lo, fin.hi) if fin.kind == ELEM_BIPOLAR else full_range(fin.bits, fin.kind == ELEM_SIGNED)


def _rtl_weight_bits(layer: MVAU) -> int:
    """Weight bits as the RTL counts them for the accumulator floor (1 for XNOR and +-1 weights)."""
    if layer.xnor or layer.bipolar_weights:
        return 1
    w = np.asarray(layer.weights).astype(np.int64)
    return 1 if set(np.unique(w).tolist()) <= {-1, 1} else signed_bits(int(w.min()), int(w.max()))


def plan_mvau(layer: MVAU, name: str, fin: ElemFormat) -> Kernel:
    """MVAU -> mvau_xnor / mvau_int / *_acc."""
    a = layer.attrs
    mw, mh, simd, pe = layer.mw, layer.mh, layer.simd, layer.pe
    nv = int(np.prod(layer.num_input_vectors))
    if layer.xnor:
        if fin.bits != 1:
            raise UnsupportedOpError(
                f"layer {layer.name}: XNOR MVAU input must be 1-bit, got {fin.bits} bits"
            )
        wfmt, lo, hi = BIT, 0, mw
    else:
        wdt = str(a.get("weightDataType"))
        wfmt = ElemFormat(1, 2, -1, 1) if layer.bipolar_weights else elem_format(wdt, f"layer {layer.name}")
        w = np.asarray(layer.weights).astype(np.int64)
        # accumulator bound from the real weights and the input element's range (policy: as RTL)
        xlo, xhi = _in_range(fin)
        hi = int(np.maximum(w * xhi, w * xlo).sum(axis=0).max())
        lo = int(np.minimum(w * xhi, w * xlo).sum(axis=0).min())
    floor = acc_floor(fin.bits, _rtl_weight_bits(layer), simd)
    wmem = mw * mh // (pe * simd)
    warr = CArray(
        "weights", f"ap_uint<{simd * wfmt.bits}>", [pe, wmem], word_literals(layer.weight_mem, wfmt.bits), [1]
    )
    inp = Port(simd, fin, nv * (mw // simd))
    common = (mw, mh, simd, pe, nv)
    int_args = (fin.bits, fin.kind, wfmt.bits, wfmt.kind)
    doc = (
        f"{layer.op_type} {layer.name}: {layer.kind} MW={mw} MH={mh} SIMD={simd} PE={pe} "
        f"vectors={nv}, accumulator {lo}..{hi}"
    )
    if layer.no_activation:
        # the accumulator itself, wide enough for its exact range (the graph's datatype may be narrower)
        ob = accw = mvau_acc_bits(lo, hi, floor)
        fout = ElemFormat(ob, ELEM_SIGNED, lo, hi)
        if layer.xnor:
            call = f"pcnn::mvau_xnor_acc<{_targs(*common, accw, ob)}>(in, out, weights);"
        else:
            call = f"pcnn::mvau_int_acc<{_targs(*common, *int_args, accw, ob)}>(in, out, weights);"
        return Kernel(
            name, layer.name, layer.op_type, doc, inp, Port(pe, fout, nv * (mh // pe)), call, [warr]
        )
    t = int_thresholds(layer.thresh_mem, lo, hi)
    accw = mvau_acc_bits(lo, hi, floor, t)
    tarr = _threshold_array(t, accw)
    nsteps = tarr.dims[2]
    fout, act = _thresh_out(layer.name, str(a.get("outputDataType")), nsteps, int(a.get("ActVal", 0)))
    tt = tarr.ctype
    if layer.xnor:
        call = (
            f"pcnn::mvau_xnor<{_targs(*common, accw, nsteps)}, {tt}, {act}, {fout.bits}>"
            "(in, out, weights, thresholds);"
        )
    else:
        call = (
            f"pcnn::mvau_int<{_targs(*common, *int_args, accw, nsteps)}, {tt}, {act}, {fout.bits}>"
            "(in, out, weights, thresholds);"
        )
    out = Port(pe, fout, nv * (mh // pe))
    return Kernel(name, layer.name, layer.op_type, doc, inp, out, call, [warr, tarr])


def plan_thresholding(layer: Thresholding, name: str, fin: ElemFormat) -> Kernel:
    """Standalone Thresholding -> thresholding."""
    c, pe = layer.channels, layer.pe
    nv = int(np.prod(list(layer.attrs.get("numInputVectors", [1]))))
    xlo, xhi = _in_range(fin)
    t = int_thresholds(layer.thresh_mem, xlo, xhi)
    tb = signed_bits(min(xlo, int(t.min(initial=xlo))), max(xhi + 1, int(t.max(initial=xhi))))
    tarr = _threshold_array(t, tb)
    nsteps = tarr.dims[2]
    odt, act = str(layer.attrs.get("outputDataType")), int(layer.attrs.get("ActVal", 0))
    if odt in ("BINARY", "BIPOLAR") and nsteps == 1 and act != 0:
        raise UnsupportedOpError(f"layer {layer.name}: 1-bit output with ActVal {act} is not supported")
    fout, act = _thresh_out(layer.name, odt, nsteps, act)
    call = (
        f"pcnn::thresholding<{_targs(c, pe, nv, fin.bits, fin.kind, nsteps)}, {tarr.ctype}, {act}, "
        f"{fout.bits}>(in, out, thresholds);"
    )
    doc = f"{layer.op_type} {layer.name}: C={c} PE={pe} vectors={nv} steps={nsteps}"
    words = nv * (c // pe)
    return Kernel(
        name, layer.name, layer.op_type, doc, Port(pe, fin, words), Port(pe, fout, words), call, [tarr]
    )


def plan_swg(layer: SlidingWindow, name: str, fin: ElemFormat, simd: int | None = None) -> Kernel:
    """ConvolutionInputGenerator -> sliding_window (standard / depthwise) or sliding_window_parallel.

    `simd` overrides the layer's SIMD (a depthwise window takes its max-pool's PE, see plan_layers)."""
    p = layer._pair  # noqa: SLF001 - the layer's own attribute reader
    (h, w), (kh, kw), (sh, sw), (dh, dw) = p("IFMDim"), p("ConvKernelDim"), p("Stride"), p("Dilation")
    c, graph_simd = layer.channels, layer.simd
    simd = simd or graph_simd
    dws = bool(int(layer.attrs.get("depthwise", 0)))
    oh, ow = (h - (kh - 1) * dh - 1) // sh + 1, (w - (kw - 1) * dw - 1) // sw + 1
    geo = (h, w, c, kh, kw, sh, sw, dh, dw)
    doc = (
        f"{layer.op_type} {layer.name}: {h}x{w}x{c} kernel {kh}x{kw} stride {sh}x{sw} dilation {dh}x{dw} "
        f"SIMD={simd}{' depthwise' if dws else ''}"
    )
    if simd != graph_simd:
        doc += f" (graph SIMD {graph_simd}; set to the max-pool's PE)"
    inp = Port(simd, fin, h * w * (c // simd))
    if int(layer.attrs.get("parallel_window", 0)) and simd == c and not dws:
        call = f"pcnn::sliding_window_parallel<{_targs(*geo, fin.bits)}>(in, out);"
        return Kernel(
            name,
            layer.name,
            layer.op_type,
            doc + " parallel window",
            inp,
            Port(kh * kw * c, fin, oh * ow),
            call,
        )
    call = f"pcnn::sliding_window<{_targs(*geo, simd, fin.bits, dws)}>(in, out);"
    out = Port(simd, fin, oh * ow * kh * kw * (c // simd))
    return Kernel(name, layer.name, layer.op_type, doc, inp, out, call, depthwise=dws)


def plan_pool(layer: MaxPool, name: str, fin: ElemFormat, prev: Kernel | None) -> Kernel:
    """Pool (after a depthwise window) -> max_pool; StreamingMaxPool -> streaming_max_pool."""
    c, pe = layer.channels, layer.pe
    kh, kw = layer.k
    if layer.streaming:
        h, w = (int(v) for v in layer.attrs["ImgDim"])
        call = f"pcnn::streaming_max_pool<{_targs(h, w, c, kh, kw, pe, fin.bits, fin.kind)}>(in, out);"
        doc = f"{layer.op_type} {layer.name}: {h}x{w}x{c} pool {kh}x{kw} PE={pe}"
        return Kernel(
            name,
            layer.name,
            layer.op_type,
            doc,
            Port(pe, fin, h * w * (c // pe)),
            Port(pe, fin, (h // kh) * (w // kw) * (c // pe)),
            call,
        )
    if prev is None or not prev.depthwise or prev.out.elems != pe:
        raise FoldingError(
            f"layer {layer.name}: Pool must follow a depthwise sliding window with SIMD == PE ({pe})"
            + (f", got {prev.node} with {prev.out.elems} channels per word" if prev is not None else "")
        )
    od = [int(v) for v in layer.attrs.get("OutImgDims", [1, 1])]
    pix = int(np.prod(od)) * int(layer.attrs.get("BatchSize", 1))
    call = f"pcnn::max_pool<{_targs(c, pe, kh * kw, pix, fin.bits, fin.kind)}>(in, out);"
    doc = f"{layer.op_type} {layer.name}: max over {kh}x{kw}, C={c} PE={pe}, {pix} output pixels"
    return Kernel(
        name,
        layer.name,
        layer.op_type,
        doc,
        Port(pe, fin, pix * (c // pe) * kh * kw),
        Port(pe, fin, pix * (c // pe)),
        call,
    )


def plan_label_select(layer: LabelSelect, name: str, fin: ElemFormat) -> Kernel:
    """LabelSelect -> label_select (K indices, one per output word)."""
    n, pe, k = layer.labels, layer.pe, int(layer.attrs.get("K", 1))
    ob = label_bits(str(layer.attrs.get("outputDataType", "UINT8")), n)  # policy: as RTL
    fout = ElemFormat(ob, ELEM_UNSIGNED, 0, n - 1)
    call = f"pcnn::label_select<{_targs(n, pe, k, fin.bits, fin.kind, fout.bits)}>(in, out);"
    doc = f"{layer.op_type} {layer.name}: top-{k} of {n} scores, PE={pe}"
    return Kernel(name, layer.name, layer.op_type, doc, Port(pe, fin, n // pe), Port(1, fout, k), call)


def width_converter(name: str, src: Port, dst_elems: int) -> Kernel:
    """A stream_width_convert kernel between `src` and words of `dst_elems` elements."""
    total = src.elems * src.words
    if total % dst_elems:
        raise FoldingError(f"{name}: {total} elements per frame do not fill words of {dst_elems} elements")
    out = Port(dst_elems, src.fmt, total // dst_elems)
    call = f"pcnn::stream_width_convert<{_targs(src.width, out.width, src.words)}>(in, out);"
    doc = f"width converter {src.elems} -> {dst_elems} elements of {src.fmt.bits} bits"
    return Kernel(name, name, "StreamWidthConverter", doc, src, out, call)
