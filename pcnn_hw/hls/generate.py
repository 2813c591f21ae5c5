"""Generate ``build/NAME/hls/`` from a build directory: the network top for Vitis HLS and g++ C-sim.

Layout (all text, byte-identical for the same build directory)::

    top.h, top.cpp       pcnn_top(in, out): a DATAFLOW chain of kernel calls, AXI-Stream ports
    layers/<layer>.h     one function per layer with its weights/thresholds as C arrays (hardware layout)
    tb.cpp               C-sim testbench: tb [inputs.bin [outputs.bin [expected.bin]]] (int64 vectors)
    include/pcnn/*.h     the kernel library (copied from the repository's hls/include)
    tb/tb_io.h           testbench helpers
    test_vectors/        inputs.bin + expected.bin (bit-exact simulator) for a few random inputs
    run_hls.tcl          Vitis HLS: C-sim, csynth, export IP (`make hls-ip BUILD=build/NAME`)
    manifest.json        kernels, stream ports and sizes
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from string import Template

import numpy as np

from pcnn_hw.errors import ModelFileError, UnsupportedOpError
from pcnn_hw.hls.dag import Stream, graph_of_simulator, nodes_from_graph, plan_dataflow
from pcnn_hw.hls.dtypes import elem_format
from pcnn_hw.hls.plan import CArray, Kernel, Port
from pcnn_hw.hls.toolchain import library_dir

TOP = "pcnn_top"
N_TEST_VECTORS = 8


AP_INT_DEFAULT_W = 4096  # ap_int's default limit (pcnn/common.h)
AP_INT_LIMIT_W = 32768  # the largest AP_INT_MAX_W Vitis HLS accepts


def ap_int_max_w(texts: list[str], where: str) -> int:
    """AP_INT_MAX_W for generated sources: twice the widest ``ap_(u)int<W>`` they name (the library's
    width converters hold an input plus an output word), in steps of 1024, at least ap_int's default.

    UnsupportedOpError naming ``where`` if that exceeds what Vitis HLS accepts (32768 bits).
    """
    widest = max((int(w) for t in texts for w in re.findall(r"ap_u?int<(\d+)", t)), default=1)
    need = max(AP_INT_DEFAULT_W, -(-2 * widest // 1024) * 1024)
    if need > AP_INT_LIMIT_W:
        raise UnsupportedOpError(
            f"{where}: a {widest}-bit word needs AP_INT_MAX_W={need}, above the {AP_INT_LIMIT_W} bits "
            "ap_int supports; fold the widest layer with a smaller SIMD/PE")
    return need


@dataclass
class HlsDesign:
    """A generated design: its directory, kernels and the graph's input/output ports."""

    out_dir: Path
    kernels: list[Kernel]
    inp: Port
    out: Port
    input_shape: list[int]
    output_shape: list[int]
    streams: list[Stream] = field(default_factory=list)
    ap_int_max_w: int = AP_INT_DEFAULT_W

    @property
    def in_elems(self) -> int:
        """Input elements per image."""
        return self.inp.elems * self.inp.words

    @property
    def out_elems(self) -> int:
        """Output elements per image."""
        return self.out.elems * self.out.words


def load_simulator(build_dir: Path) -> object:
    """The bit-exact simulator of a build directory's folded graph, computing from its weights/ images
    (`pcnn_hw.sim.builddir.BuildDir`, the one build-directory loader)."""
    from pcnn_hw.sim.builddir import BuildDir

    return BuildDir(build_dir).simulator()


def plan_build(build_dir: Path, sim: object | None = None) -> tuple[object, list[Kernel], list[Stream]]:
    """(simulator, kernels, streams) of a build directory's dataflow graph (forks and joins included);
    UnsupportedOpError for host ops inside the graph or nodes without a kernel."""
    sim = sim or load_simulator(build_dir)
    nodes, gin, gout = nodes_from_graph(graph_of_simulator(sim), str(build_dir))
    fin = elem_format(sim.input_dtype, "graph input")  # type: ignore[attr-defined]
    kernels, streams = plan_dataflow(nodes, gin, gout, fin)
    return sim, kernels, streams


# -- C++ text ----------------------------------------------------------------------------------------
def _nested(dims: list[int], literals: list[str]) -> str:
    """Brace-nested initializer of an array of ``dims`` from its row-major literals."""
    inner = dims[-1]
    rows = [", ".join(literals[i : i + inner]) for i in range(0, len(literals), inner)]

    def nest(level: int, rows_: list[str]) -> str:
        if level == len(dims) - 1:
            return "{" + rows_[0] + "}"
        per = int(np.prod(dims[level + 1 : -1])) if level + 1 < len(dims) - 1 else 1
        parts = [nest(level + 1, rows_[i : i + per]) for i in range(0, len(rows_), per)]
        sep = ",\n    " if level == 0 else ", "
        return "{" + sep.join(parts) + "}"

    return nest(0, rows)


def _flat(literals: list[str], per_line: int = 16) -> str:
    """A flat initializer, ``per_line`` literals per line."""
    lines = [", ".join(literals[i : i + per_line]) for i in range(0, len(literals), per_line)]
    return "{" + ",\n    ".join(lines) + "}"


def _limb_form(a: CArray) -> list[str] | None:
    """The C-sim (g++) form of array ``a``: its values as a plain ``uint64_t`` (ap_uint<W>, W/64 limbs a
    word, least significant first) or ``int64_t`` (ap_int<W <= 64>) initializer, unpacked once into the
    ``ap_*`` array by ``pcnn::unpack_words`` / ``unpack_ints`` (pcnn/common.h). Written because g++ turns
    every ``ap_uint`` initializer element into a constructor call of the static initializer: the
    ResNet-18 top needed about 30 GB to compile. None when ``a`` has no values or is wider signed."""
    m = re.fullmatch(r"ap_(u?)int<(\d+)>", a.ctype)
    if not a.values or m is None or (not m.group(1) and int(m.group(2)) > 64):
        return None
    w, n, idx = int(m.group(2)), len(a.values), "[0]" * len(a.dims)
    dims = "".join(f"[{d}]" for d in a.dims)
    if m.group(1):
        limbs = -(-w // 64)
        mask = (1 << 64) - 1
        lits = [f"0x{(v >> (64 * i)) & mask:x}ULL" for v in a.values for i in range(limbs)]
        init = (f"  static const uint64_t {a.name}_limbs[{n * limbs}] = {_flat(lits)};",
                f"pcnn::unpack_words<{w}>(&{a.name}{idx}, {a.name}_limbs, {n})")
    else:
        lits = [f"{v}LL" for v in a.values]
        init = (f"  static const int64_t {a.name}_ints[{n}] = {_flat(lits)};",
                f"pcnn::unpack_ints<{w}>(&{a.name}{idx}, {a.name}_ints, {n})")
    return [init[0], f"  static {a.ctype} {a.name}{dims};",
            f"  static const bool {a.name}_ready = {init[1]};", f"  (void){a.name}_ready;"]


def _array_text(a: CArray) -> list[str]:
    """The array's declaration: exact ``ap_*`` constants for Vitis HLS (``__SYNTHESIS__``, where the
    ROM's word width must stay exact), the cheaper :func:`_limb_form` for g++ when it has one."""
    dims = "".join(f"[{d}]" for d in a.dims)
    lines = [f"  static const {a.ctype} {a.name}{dims} = {_nested(a.dims, a.literals)};"]
    lines += [f"#pragma HLS ARRAY_PARTITION variable={a.name} complete dim={d}" for d in a.partition]
    limbs = _limb_form(a)
    if limbs is None:
        return lines
    return ["#ifdef __SYNTHESIS__", *lines, "#else", *limbs, "#endif"]


def port_names(k: Kernel) -> tuple[list[str], list[str]]:
    """Parameter names of a kernel's stream ports: in, in1, ... and out, out1, ..."""
    ins = ["in"] + [f"in{i}" for i in range(1, len(k.inputs))]
    return ins, ["out"] + [f"out{i}" for i in range(1, len(k.outputs))]


def kernel_params(k: Kernel) -> str:
    """The C parameter list of a layer function (input ports, then output ports)."""
    ins, outs = port_names(k)
    ports = list(zip(ins, k.inputs, strict=True)) + list(zip(outs, k.outputs, strict=True))
    return ", ".join(f"hls::stream<{p.ctype} > &{n}" for n, p in ports)


def layer_header(k: Kernel) -> str:
    """layers/<name>.h: the layer function with its memories."""
    guard = f"PCNN_LAYER_{k.name.upper()}_H"
    lines = [
        f"// generated by pcnn-hw (pcnn_hw.hls): {k.doc}",
        f"#ifndef {guard}",
        f"#define {guard}",
        "",
        '#include "pcnn/pcnn.h"',
        "",
        f"static void {k.name}({kernel_params(k)}) {{",
    ]
    for a in k.arrays:
        lines += _array_text(a)
    lines += [f"  {k.call}", "}", "", f"#endif  // {guard}", ""]
    return "\n".join(lines)


def top_header(d: HlsDesign) -> str:
    """top.h: the top function and its stream formats."""
    i, o = d.inp, d.out
    return "\n".join(
        [
            "// generated by pcnn-hw (pcnn_hw.hls): network top of the folded dataflow graph",
            "#ifndef PCNN_TOP_H",
            "#define PCNN_TOP_H",
            "",
            '#include "pcnn/common.h"',
            "",
            f"// input: {i.words} words of {i.elems} x {i.fmt.bits}-bit elements (kind {i.fmt.kind})",
            f"const unsigned PCNN_IN_N = {i.elems}, PCNN_IN_B = {i.fmt.bits}, PCNN_IN_WORDS = {i.words};",
            f"// output: {o.words} words of {o.elems} x {o.fmt.bits}-bit elements (kind {o.fmt.kind})",
            f"const unsigned PCNN_OUT_N = {o.elems}, PCNN_OUT_B = {o.fmt.bits}, PCNN_OUT_WORDS = {o.words}, "
            f"PCNN_OUT_KIND = {o.fmt.kind};",
            "",
            f"void {TOP}(hls::stream<{i.ctype} > &in, hls::stream<{o.ctype} > &out);",
            "",
            "#endif  // PCNN_TOP_H",
            "",
        ]
    )


def tapped(k: Kernel) -> bool:
    """True if a kernel's output stream is in its graph tensor's element order (taps compare those)."""
    return k.op != "StreamWidthConverter" and not k.depthwise


def top_source(d: HlsDesign) -> str:
    """top.cpp: one DATAFLOW region calling every layer, one stream per graph edge (forks and joins)."""
    lines = [
        "// generated by pcnn-hw (pcnn_hw.hls): network top (one image per call)",
        '#include "top.h"',
        "",
    ]
    lines += [f'#include "layers/{k.name}.h"' for k in d.kernels]
    lines += [
        "",
        "// C-simulation taps (g++ builds with -DPCNN_CSIM_TAPS): record each layer's output stream",
        "#ifdef PCNN_CSIM_TAPS",
        '#include "tb_taps.h"',
        "#define PCNN_TAP(name, N, B, KIND, s) pcnn_tb::tap<N, B, KIND>(name, s)",
        "#else",
        "#define PCNN_TAP(name, N, B, KIND, s)",
        "#endif",
    ]
    lines += [
        "",
        f"void {TOP}(hls::stream<{d.inp.ctype} > &in, hls::stream<{d.out.ctype} > &out) {{",
        "#pragma HLS INTERFACE axis port=in",
        "#pragma HLS INTERFACE axis port=out",
        "#pragma HLS INTERFACE ap_ctrl_none port=return",
        "#pragma HLS DATAFLOW",
    ]
    into = {s.dst: s for s in d.streams if s.dst is not None}
    outof = {s.src: s for s in d.streams if s.src is not None}
    for n, k in enumerate(d.kernels):
        outs = [outof[(n, p)] for p in range(len(k.outputs))]
        for s in outs:
            if s.name != "out":
                lines.append(f'  hls::stream<{s.port.ctype} > {s.name}("{s.name}");  // {s.tensor}')
                lines.append(f"#pragma HLS STREAM variable={s.name} depth={s.depth}")
        args = [into[(n, p)].name for p in range(len(k.inputs))] + [s.name for s in outs]
        lines.append(f"  {k.name}({', '.join(args)});  // {k.op}")
        if outs[0].name != "out" and tapped(k):
            o = k.out
            lines.append(f'  PCNN_TAP("{k.node}", {o.elems}, {o.fmt.bits}, {o.fmt.kind}, {outs[0].name});')
    lines += ["}", ""]
    return "\n".join(lines)


def tcl_script(name: str, part: str, clock_mhz: float, max_w: int = AP_INT_DEFAULT_W) -> str:
    """run_hls.tcl (template hls/templates/run_hls.tcl): C-sim on the test vectors, csynth, IP export."""
    text = (library_dir() / "templates" / "run_hls.tcl").read_text()
    return Template(text).substitute(name=name, top=TOP, part=part, period=f"{1000.0 / clock_mhz:g}",
                                     ap_int_max_w=max_w)


def _build_info(build_dir: Path) -> tuple[str, float]:
    """(FPGA part, clock MHz) of the build (build.json), defaults pynq-z2 / 100 MHz."""
    from pcnn_hw.core.boards import get_board

    board, clock = "pynq-z2", None
    state = build_dir / "build.json"
    if state.is_file():
        info = json.loads(state.read_text())
        board, clock = info.get("board", board), info.get("clock_mhz")
    bd = get_board(board)
    return bd.part, float(clock or bd.clock_mhz)


def _random_inputs(sim: object, d: HlsDesign, n: int, seed: int = 0) -> np.ndarray:
    fmt = d.inp.fmt
    rng = np.random.default_rng(seed)
    shape = [n] + list(sim.input_shape[1:])  # type: ignore[attr-defined]
    return rng.integers(fmt.lo, fmt.hi + 1, size=shape).astype(np.int64)


def _write(path: Path, text: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)


def generate_hls(
    build_dir: str | Path, out_dir: str | Path | None = None, sim: object | None = None,
    target: tuple[str, float] | None = None,
) -> HlsDesign:
    """Write the HLS project of a build directory into ``out_dir`` (default ``build_dir/hls``).

    Existing generated files are replaced (the directory's ``csim/`` cache is kept); the output is
    deterministic. ModelFileError if the build directory has no folded graph. ``target`` = (FPGA part,
    clock MHz) when the build directory has no build.json yet (the build's own HLS step).
    """
    build_dir = Path(build_dir)
    if not build_dir.is_dir():
        raise ModelFileError(f"{build_dir}: no such build directory (run `pcnn-hw build` first)")
    out = Path(out_dir) if out_dir is not None else build_dir / "hls"
    sim, kernels, streams = plan_build(build_dir, sim)
    ports = {s.name: s.port for s in streams}
    d = HlsDesign(
        out,
        kernels,
        ports["in"],
        ports["out"],
        list(sim.input_shape),  # type: ignore[attr-defined]
        list(sim.output_shape),  # type: ignore[attr-defined]
        streams,
    )
    for sub in ("layers", "include", "tb"):
        shutil.rmtree(out / sub, ignore_errors=True)
    lib = library_dir()
    for src in sorted((lib / "include" / "pcnn").glob("*.h")):
        _write(out / "include" / "pcnn" / src.name, src.read_bytes())
    for tb in ("tb_io.h", "tb_taps.h"):
        _write(out / "tb" / tb, (lib / "tb" / tb).read_bytes())
    texts = {f"layers/{k.name}.h": layer_header(k) for k in kernels}
    texts.update({"top.h": top_header(d), "top.cpp": top_source(d)})
    d.ap_int_max_w = ap_int_max_w(list(texts.values()), f"HLS design of {build_dir}")
    for name, text in texts.items():
        _write(out / name, text)
    _write(out / "tb.cpp", (lib / "templates" / "tb.cpp").read_bytes())
    part, clock = target if target is not None else _build_info(build_dir)
    _write(out / "run_hls.tcl", tcl_script(build_dir.name, part, clock, d.ap_int_max_w))
    x = _random_inputs(sim, d, N_TEST_VECTORS)
    y = np.asarray(sim.run(x)).astype(np.int64)  # type: ignore[attr-defined]
    _write(out / "test_vectors" / "inputs.bin", np.ascontiguousarray(x).tobytes())
    _write(out / "test_vectors" / "expected.bin", np.ascontiguousarray(y).tobytes())
    manifest = {
        "format": "pcnn-hw hls v1",
        "ap_int_max_w": d.ap_int_max_w,
        "top": TOP,
        "part": part,
        "clock_mhz": clock,
        "input": {
            "shape": d.input_shape,
            "elems_per_word": d.inp.elems,
            "bits": d.inp.fmt.bits,
            "words": d.inp.words,
        },
        "output": {
            "shape": d.output_shape,
            "elems_per_word": d.out.elems,
            "bits": d.out.fmt.bits,
            "words": d.out.words,
        },
        "kernels": [
            {
                "name": k.name,
                "node": k.node,
                "op": k.op,
                "doc": k.doc,
                "in": [[p.elems, p.fmt.bits, p.words] for p in k.inputs],
                "out": [[p.elems, p.fmt.bits, p.words] for p in k.outputs],
            }
            for k in kernels
        ],
        "streams": [
            {"name": s.name, "tensor": s.tensor, "from": list(s.src or ()), "to": list(s.dst or ()),
             "elems_per_word": s.port.elems, "bits": s.port.fmt.bits, "words": s.port.words, "depth": s.depth}
            for s in streams
        ],
        "test_vectors": N_TEST_VECTORS,
    }
    _write(out / "manifest.json", json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return d
