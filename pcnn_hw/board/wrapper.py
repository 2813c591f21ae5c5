"""The accelerator wrapper Verilog (`templates/wrapper.v`): AXI4-Lite registers, soft reset, TLAST/TKEEP
generation and element-format adaptation around the stitched RTL top.

Register map (byte offsets; the driver's `pcnn_hw.driver.spec` holds the same numbers):
0x00 magic "PCNN"; 0x04 control (write 1: soft reset of the core pipeline and the TLAST counters, held
`RESET_CYCLES` cycles; reads 1 while in progress); 0x10 images per output packet; 0x14 / 0x18 output /
input words per image.
"""

from __future__ import annotations

from pathlib import Path

from pcnn_hw.board.render import fill
from pcnn_hw.board.rtltop import RtlTop, core_formats
from pcnn_hw.driver.spec import AcceleratorSpec

WRAPPER_FILE = "pcnn_accel_wrapper.v"
WRAPPER_MODULE = "pcnn_accel_wrapper"
RESET_CYCLES = 16  # soft-reset pulse length: covers every register stage of the pipeline's reset tree


def _adapt(dst: str, src: str, n: int, dbits: int, sbits: int, signed: bool, dwidth: int) -> list[str]:
    """Per-element assigns from `src` (n x sbits) to `dst` (n x dbits, padded to dwidth bits)."""
    lines = []
    for i in range(n):
        lo = f"{src}[{i * sbits + min(sbits, dbits) - 1}:{i * sbits}]"
        if dbits > sbits:
            ext = f"{src}[{i * sbits + sbits - 1}]" if signed else "1'b0"
            lo = f"{{{{{dbits - sbits}{{{ext}}}}}, {lo}}}"
        lines.append(f"    assign {dst}[{i * dbits + dbits - 1}:{i * dbits}] = {lo};")
    if dwidth > n * dbits:
        lines.append(f"    assign {dst}[{dwidth - 1}:{n * dbits}] = {dwidth - n * dbits}'d0;")
    return lines


def _unused(src: str, n: int, sbits: int, dbits: int, width: int) -> list[str]:
    """Slices of `src` (n x sbits in a `width`-bit bus) the adaptation to dbits does not read."""
    out = []
    if dbits < sbits:
        out += [f"{src}[{i * sbits + sbits - 1}:{i * sbits + dbits}]" for i in range(n)]
    if width > n * sbits:
        out.append(f"{src}[{width - 1}:{n * sbits}]")
    return out


def wrapper_verilog(top: RtlTop, spec: AcceleratorSpec) -> str:
    """The wrapper module around the stitched top (deterministic text)."""
    iw, ow = spec.input.width_bits, spec.output.width_bits
    (cib, _), (cob, cos) = core_formats(top, spec, Path("rtl"))
    ni, no = spec.input.elems_per_word, spec.output.elems_per_word
    adapt = "\n".join(
        [f"    wire [{ni * cib - 1}:0] core_in_tdata;", f"    wire [{no * cob - 1}:0] core_out_tdata;"]
        + _adapt("core_in_tdata", "s_axis_tdata", ni, cib, spec.input.bits, False, ni * cib)
        + _adapt("m_axis_tdata", "core_out_tdata", no, spec.output.bits, cob, cos, ow)
    )
    unused = _unused("s_axis_tdata", ni, spec.input.bits, cib, iw) + _unused(
        "core_out_tdata", no, cob, spec.output.bits, no * cob
    )
    return fill(
        "wrapper.v",
        NAME=spec.name,
        TOP=top.module,
        MODULE=WRAPPER_MODULE,
        RESET_CYCLES=RESET_CYCLES,
        IW1=iw - 1,
        OW1=ow - 1,
        KW1=ow // 8 - 1,
        KW=ow // 8,
        OUT_WORDS=spec.output.words_per_image,
        IN_WORDS=spec.input.words_per_image,
        UNUSED_BITS="".join(f", {u}" for u in unused),
        NI=ni,
        NO=no,
        IN_BITS=spec.input.bits,
        OUT_BITS=spec.output.bits,
        CIB=cib,
        COB=cob,
        COS="signed" if cos else "unsigned",
        ADAPT=adapt,
        CLK=top.clk,
        RST=top.rst,
        RST_EXPR="core_rst_n" if top.rst_active_low else "~core_rst_n",
        S_AXIS=top.s_axis,
        M_AXIS=top.m_axis,
    )
