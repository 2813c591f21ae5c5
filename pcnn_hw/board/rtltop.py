"""The stitched RTL of a build directory (`build/NAME/rtl/`) as the Vivado scripts see it: top module,
stream/clock/reset ports, source and memory files — and a check that the directory is complete.

`find_rtl_top` reads the RTL backend's `design.json` (or guesses the top file) and the top's ANSI port
list. `check_rtl_complete` fails, naming the file, when a module the design instantiates is defined in
no file of rtl/, or when a memory file some source names (a `"….memh"`, `.mem`, `.hex`, `.dat`,
`.coe` string, e.g. a `$readmemh` argument or a ROM file parameter) is absent. ROM contents may also
live in generated Verilog modules (no memory files at all); both layouts are handled generically.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from pcnn_hw.driver.spec import AcceleratorSpec
from pcnn_hw.errors import BoardError

RTL_MANIFESTS = ("design.json", "manifest.json")  # written by the RTL backend: {"top": module, "input": ...}
TOP_CANDIDATES = ("{name}_top.v", "top.v", "pcnn_top.v", "{name}_top.sv", "top.sv", "pcnn_top.sv")
RTL_SUFFIXES = (".v", ".sv", ".vh", ".svh")
INIT_SUFFIXES = (".memh", ".dat", ".mem", ".hex", ".coe")


@dataclass(frozen=True)
class RtlTop:
    """The stitched RTL: top module, files (relative to the build dir) and its stream/clock port names."""

    module: str
    files: tuple[str, ...]
    init_files: tuple[str, ...]
    clk: str
    rst: str
    rst_active_low: bool
    s_axis: str  # prefix of the input stream ports (…_tdata/_tvalid/_tready)
    m_axis: str  # prefix of the output stream ports
    in_width: int | None
    out_width: int | None
    in_elem: tuple[int, bool, int] | None = None  # (bits, signed, elems per beat) from design.json
    out_elem: tuple[int, bool, int] | None = None


_PORT_RE = re.compile(
    r"\b(input|output)\s+(?:wire|reg|logic)?\s*(?:signed\s*)?(?:\[\s*([^\]:]+?)\s*:\s*0\s*\])?\s*(\w+)"
)


def _module_ports(text: str, module: str) -> list[tuple[str, str, str | None]]:
    m = re.search(rf"\bmodule\s+{re.escape(module)}\b(.*?)\bendmodule\b", text, re.S)
    if not m:
        return []
    body = re.sub(r"//[^\n]*|/\*.*?\*/", "", m.group(1), flags=re.S)
    return [(d, name, hi) for d, hi, name in _PORT_RE.findall(body)]


def find_rtl_top(build_dir: Path, name: str) -> RtlTop:
    """Locate the stitched RTL top in `build_dir/rtl/` and read its ports; BoardError if absent/unusable."""
    rtl = build_dir / "rtl"
    expected = ", ".join(c.format(name=name) for c in TOP_CANDIDATES)
    if not rtl.is_dir():
        raise BoardError(
            f"{rtl}: no stitched RTL; generate it first (the RTL backend writes the top module "
            f"into build/NAME/rtl/: {' or '.join(RTL_MANIFESTS)} and one of {expected})"
        )
    top_file: Path | None = None
    module: str | None = None
    elems: dict[str, tuple[int, bool, int] | None] = {"input": None, "output": None}
    for man in (rtl / m for m in RTL_MANIFESTS):
        if man.is_file():
            d = json.loads(man.read_text())
            module = d.get("top")
            if d.get("top_file"):
                top_file = rtl / d["top_file"]
            for k in elems:
                if isinstance(d.get(k), dict) and {"bits", "elems"} <= set(d[k]):
                    e = d[k]
                    elems[k] = (int(e["bits"]), bool(e.get("signed", False)), int(e["elems"]))
            break
    if top_file is None:
        for c in TOP_CANDIDATES:
            if (rtl / c.format(name=name)).is_file():
                top_file = rtl / c.format(name=name)
                break
    if top_file is None or not top_file.is_file():
        raise BoardError(f"{rtl}: stitched RTL top not found (expected one of {expected})")
    text = top_file.read_text()
    if module is None:
        mods = re.findall(r"\bmodule\s+(\w+)", text)
        module = top_file.stem if top_file.stem in mods else (mods[-1] if mods else None)
    ports = _module_ports(text, module or "")
    if not ports:
        raise BoardError(f"{top_file}: module {module!r} with ANSI port list not found")
    names = {n: (d, hi) for d, n, hi in ports}

    def one(pred: object, what: str) -> str:
        c = [n for n in names if pred(n)]  # type: ignore[operator]
        if len(c) != 1:
            raise BoardError(
                f"{top_file}: cannot identify the {what} port of {module} (candidates: {c or 'none'})"
            )
        return c[0]

    clk = one(lambda n: "clk" in n.lower() and names[n][0] == "input", "clock")
    rst = one(lambda n: ("rst" in n.lower() or "reset" in n.lower()) and names[n][0] == "input", "reset")
    s_data = one(lambda n: n.endswith("_tdata") and names[n][0] == "input", "input-stream tdata")
    m_data = one(lambda n: n.endswith("_tdata") and names[n][0] == "output", "output-stream tdata")
    s_axis, m_axis = s_data[: -len("_tdata")], m_data[: -len("_tdata")]
    for p, d in (
        (s_axis + "_tvalid", "input"),
        (s_axis + "_tready", "output"),
        (m_axis + "_tvalid", "output"),
        (m_axis + "_tready", "input"),
    ):
        if names.get(p, ("",))[0] != d:
            raise BoardError(f"{top_file}: {module} lacks the AXI-Stream port {d} {p}")

    def width(port: str) -> int | None:
        hi = names[port][1]
        return int(hi) + 1 if hi and hi.strip().isdigit() else (1 if not hi else None)

    files = sorted(str(p.relative_to(build_dir)) for p in rtl.rglob("*") if p.suffix in RTL_SUFFIXES)
    inits = sorted(str(p.relative_to(build_dir)) for p in rtl.rglob("*") if p.suffix in INIT_SUFFIXES)
    return RtlTop(
        module or "",
        tuple(files),
        tuple(inits),
        clk,
        rst,
        rst.lower().endswith("_n"),
        s_axis,
        m_axis,
        width(s_data),
        width(m_data),
        elems["input"],
        elems["output"],
    )


def core_formats(
    top: RtlTop, spec: AcceleratorSpec, where: Path
) -> tuple[tuple[int, bool], tuple[int, bool]]:
    """Element (bits, signed) of the RTL top's input and output streams, checked against the spec.

    From design.json when present, else from the port widths (which must then carry the spec's
    elements, padded or not). BoardError when the element counts per beat or widths disagree.
    """
    res = []
    for what, elem, w, s in (
        ("input", top.in_elem, top.in_width, spec.input),
        ("output", top.out_elem, top.out_width, spec.output),
    ):
        if elem is not None:
            bits, signed, n = elem
            if n != s.elems_per_word or (w is not None and w != bits * n):
                raise BoardError(
                    f"{where}: the RTL {what} stream carries {n} x {bits} bits per beat "
                    f"(port {w} bits), the folded graph's {s.elems_per_word} x {s.bits}"
                )
        elif w is None or w in (s.width_bits, s.bits * s.elems_per_word):
            bits, signed = s.bits, s.signed
        else:
            raise BoardError(
                f"{where}: {top.module}'s {what} tdata is {w} bits wide, the folded graph's "
                f"stream is {s.width_bits} bits ({s.elems_per_word} x {s.bits}, padded)"
            )
        res.append((bits, signed))
    return res[0], res[1]


_KEYWORDS = frozenset(
    "module endmodule input output inout wire reg logic integer genvar localparam parameter assign always "
    "initial begin end if else for case casez casex endcase default generate endgenerate function "
    "endfunction task endtask signed unsigned posedge negedge or and not while repeat forever".split()
)
_MODULE_RE = re.compile(r"\bmodule\s+(\w+)")
# `name #(` or `name instance (` at the start of a statement: a module instantiation
_INST_RE = re.compile(r"(?:^|[;\s])(\w+)\s*(?:#\s*\(|\s+(\w+)\s*\()", re.M)
_PARAM_DEFAULT_RE = re.compile(r'\bparameter\s+(?:\w+\s+)?\w+\s*=\s*"[^"]*"')
_LABEL_RE = re.compile(r"\b(begin|end)\s*:\s*\w+")
_MEMFILE_RE = re.compile(r'"([^"\s]+(?:' + "|".join(re.escape(s) for s in INIT_SUFFIXES) + r'))"')


def _strip_comments(text: str) -> str:
    return re.sub(r"//[^\n]*|/\*.*?\*/", "", text, flags=re.S)


def _instantiated(text: str) -> set[str]:
    """Module names instantiated in `text` (comments and strings stripped, keywords dropped)."""
    body = _LABEL_RE.sub(r"\1", re.sub(r'"[^"\n]*"', '""', _strip_comments(text)))
    return {
        m for m, inst in _INST_RE.findall(body)
        if m not in _KEYWORDS and inst not in _KEYWORDS and not m[0].isdigit()
    }  # fmt: skip


def check_rtl_complete(build_dir: Path, top: RtlTop) -> None:
    """BoardError naming the file when rtl/ lacks a module the top needs or a memory file a source names."""
    rtl = build_dir / "rtl"
    texts = {f: _strip_comments((build_dir / f).read_text(errors="replace")) for f in top.files}
    defined: dict[str, str] = {}
    for f, text in texts.items():
        for m in _MODULE_RE.findall(text):
            defined.setdefault(m, f)
    manifest = rtl / RTL_MANIFESTS[0]
    wanted: dict[str, str] = {}
    if manifest.is_file():
        for inst in json.loads(manifest.read_text()).get("instances", []):
            if isinstance(inst, dict) and inst.get("module"):
                wanted.setdefault(str(inst["module"]), str(manifest.relative_to(build_dir)))
    todo, seen = [top.module], set()
    while todo:
        mod = todo.pop()
        if mod in seen or mod not in defined:
            continue
        seen.add(mod)
        m = re.search(rf"\bmodule\s+{re.escape(mod)}\b(.*?)\bendmodule\b", texts[defined[mod]], re.S)
        for used in _instantiated(m.group(1) if m else ""):
            wanted.setdefault(used, defined[mod])
            todo.append(used)
    for mod, user in sorted(wanted.items()):
        if mod not in defined:
            raise BoardError(
                f"{rtl}: module {mod!r} (instantiated in {Path(user).name}) is defined in no file of rtl/ "
                f"(expected {mod}.v); the RTL directory is incomplete — rebuild it with `pcnn-hw build --rtl`"
            )
    for f in top.files:
        used = _PARAM_DEFAULT_RE.sub("", texts[f])  # a template's default file name is overridden
        for name in sorted(set(_MEMFILE_RE.findall(used))):
            p = Path(name) if Path(name).is_absolute() else rtl / name
            if not p.is_file():
                raise BoardError(
                    f"{p}: memory file named in {Path(f).name} is missing (ROM contents would be lost); "
                    "rebuild rtl/ with `pcnn-hw build --rtl`"
                )
