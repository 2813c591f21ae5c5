"""Check a generated Vivado script without Vivado: parse it with tclsh, dry-run it on stubbed commands,
and check the recorded calls against the IP table and the argument shapes of the commands we use.

`parse_check` asks tclsh whether every top-level command of the file is complete (`info complete`).
`dry_run` sources the script in tclsh with every unknown (Vivado) command replaced by a stub that
records its arguments; the stubs answer like Vivado where the script branches on the answer
(`get_bd_cells`/`create_bd_cell` return the cell name, `get_bd_pins` the pin, `get_ipdefs` a VLNV
with the table's version, `get_board_parts` an installed board part or nothing, `get_property SLACK`
the slack given, `DIRECTORY` of a run a directory given). `file copy/mkdir/delete` are recorded, not
performed; `file exists` answers for outputs Vivado would have made (`outputs`); the script's own
checks (its inputs exist, its gates) run for real, and `exit` ends the dry run with that code.
`check_calls` then checks what Vivado would reject: every `create_bd_cell -vlnv` is an IP of
`pcnn_hw.board.ipparams.IP_TABLE`, every `CONFIG.*` set on a cell is a parameter of that cell's IP
with an allowed value, every `get_bd_pins`/`get_bd_intf_pins` names a pin the table lists, and each
command's flags and positional arguments have the shape Vivado's reference (UG835) documents.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from pcnn_hw.board.ipparams import IP_TABLE, ip_of_vlnv, value_problem
from pcnn_hw.errors import ToolMissingError

_PRELUDE = r"""
set ::pcnn_log [open [lindex $argv 0] w]
fconfigure $::pcnn_log -encoding utf-8
array set ::pcnn_opt [lindex $argv 1]
proc ::pcnn_rec {kind args} { puts $::pcnn_log [list $kind {*}$args]; flush $::pcnn_log }
proc unknown {args} { ::pcnn_rec CALL {*}$args; return stub_[lindex $args 0] }
proc ::pcnn_last {args} { return [lindex $args end] }
proc get_bd_cells {args} { ::pcnn_rec CALL get_bd_cells {*}$args; return [::pcnn_last {*}$args] }
proc get_bd_pins {args} { ::pcnn_rec CALL get_bd_pins {*}$args; return [::pcnn_last {*}$args] }
proc get_bd_intf_pins {args} { ::pcnn_rec CALL get_bd_intf_pins {*}$args; return [::pcnn_last {*}$args] }
proc create_bd_cell {args} { ::pcnn_rec CALL create_bd_cell {*}$args; return [::pcnn_last {*}$args] }
proc get_runs {args} {
    ::pcnn_rec CALL get_runs {*}$args
    if {[llength $args]} { return [::pcnn_last {*}$args] }
    return {synth_1 impl_1 pcnn_bd_pcnn_accel_0_0_synth_1}
}
proc get_timing_paths {args} {
    ::pcnn_rec CALL get_timing_paths {*}$args
    if {"-hold" in $args} { return path_hold }
    return path_setup
}
proc get_property {args} {
    ::pcnn_rec CALL get_property {*}$args
    set obj [lindex $args end]
    switch -- [lindex $args 0] {
        STATUS { return "write_bitstream Complete!" }
        SLACK { return $::pcnn_opt([expr {$obj eq "path_hold" ? "whs" : "wns"}]) }
        DIRECTORY { return [file join $::pcnn_opt(run_dir) $obj] }
    }
    return stub_get_property
}
proc get_ipdefs {args} {
    ::pcnn_rec CALL get_ipdefs {*}$args
    set pat [lindex $args end]
    set base [string range $pat 0 end-2]
    set v $::pcnn_opt(versions)
    if {[dict exists $v $base]} { return [list "$base:[dict get $v $base]"] }
    return {}
}
proc get_board_parts {args} {
    ::pcnn_rec CALL get_board_parts {*}$args
    if {!$::pcnn_opt(board_files)} { return {} }
    return [list [string map {:* :9.9} [lindex $args end]]]
}
rename exit ::pcnn_exit
proc exit {{code 0}} { ::pcnn_rec EXIT $code; close $::pcnn_log; ::pcnn_exit $code }
rename file ::pcnn_file
proc file {sub args} {
    if {$sub in {copy mkdir delete}} { ::pcnn_rec FILE $sub {*}$args; return }
    if {$sub eq "exists"} {
        foreach pat $::pcnn_opt(outputs) { if {[string match $pat [lindex $args 0]]} { return 1 } }
    }
    return [::pcnn_file $sub {*}$args]
}
set script [lindex $argv 2]
set argv [lrange $argv 3 end]
set argc [llength $argv]
source $script
close $::pcnn_log
"""

# command -> (flags taking a value, flags without one, min positional, max positional or None)
# from the Vivado Tcl Command Reference Guide (UG835), restricted to what our script passes
COMMAND_SHAPES: dict[str, tuple[frozenset[str], frozenset[str], int, int | None]] = {
    "create_project": (frozenset({"-part"}), frozenset({"-force"}), 2, 2),
    "add_files": (frozenset({"-fileset"}), frozenset({"-norecurse"}), 1, 1),
    "create_bd_cell": (frozenset({"-type", "-vlnv"}), frozenset(), 1, 1),
    "create_bd_design": (frozenset(), frozenset(), 1, 1),
    "set_property": (frozenset({"-dict", "-name", "-value", "-objects"}), frozenset(), 1, 3),
    "connect_bd_intf_net": (frozenset({"-boundary_type", "-intf_net"}), frozenset(), 2, 2),
    "connect_bd_net": (frozenset({"-boundary_type", "-net"}), frozenset(), 2, None),
    "get_bd_pins": (frozenset({"-of_objects", "-filter"}), frozenset({"-quiet"}), 0, 1),
    "get_bd_intf_pins": (frozenset({"-of_objects", "-filter"}), frozenset({"-quiet"}), 0, None),
    "get_bd_cells": (frozenset({"-filter"}), frozenset({"-quiet"}), 0, 1),
    "assign_bd_address": (
        frozenset({"-offset", "-range", "-target_address_space"}),
        frozenset({"-force"}),
        0,
        1,
    ),
    "get_board_parts": (frozenset(), frozenset({"-quiet", "-latest_file_version"}), 0, 1),
    "get_ipdefs": (frozenset({"-filter"}), frozenset({"-all", "-quiet"}), 0, 1),
    "apply_bd_automation": (frozenset({"-rule", "-config"}), frozenset(), 1, 1),
    "make_bd_intf_pins_external": (frozenset(), frozenset(), 1, None),
    "ipx::package_project": (
        frozenset({"-root_dir", "-vendor", "-library", "-taxonomy", "-set_current"}),
        frozenset({"-import_files", "-force"}),
        0,
        0,
    ),
    "ipx::associate_bus_interfaces": (frozenset({"-busif", "-clock", "-reset"}), frozenset(), 1, 1),
    "ipx::infer_bus_interface": (frozenset(), frozenset(), 3, 3),
    "launch_runs": (frozenset({"-to_step", "-jobs"}), frozenset(), 1, 1),
    "set_msg_config": (frozenset({"-id", "-new_severity"}), frozenset(), 0, 0),
    "make_wrapper": (frozenset({"-files"}), frozenset({"-top"}), 0, 0),
    "report_timing_summary": (frozenset({"-file"}), frozenset(), 0, 0),
    "report_utilization": (frozenset({"-file"}), frozenset(), 0, 0),
    "get_timing_paths": (frozenset({"-max_paths", "-nworst"}), frozenset({"-setup", "-hold"}), 0, 0),
}
SET_ON_CELLS = ("get_bd_cells", "create_bd_cell")


@dataclass
class DryRun:
    """The stubbed Vivado calls of one dry run, each as a list of words, the file operations, the exit."""

    calls: list[list[str]] = field(default_factory=list)
    files: list[list[str]] = field(default_factory=list)
    stdout: str = ""
    returncode: int = 0

    def find(self, command: str) -> list[list[str]]:
        """All calls of `command` (words after the command name)."""
        return [c[1:] for c in self.calls if c and c[0] == command]


def tclsh() -> str:
    """Path of tclsh; ToolMissingError if absent."""
    exe = shutil.which("tclsh") or shutil.which("tclsh8.6")
    if exe is None:
        raise ToolMissingError("tclsh not found (apt-get install tcl) — needed to check the Vivado scripts")
    return exe


def parse_check(path: str | Path) -> list[str]:
    """Problems found parsing `path` as Tcl (empty list when every command is complete)."""
    script = r"""
set f [open [lindex $argv 0]]; set text [read $f]; close $f
if {![info complete $text]} { puts "incomplete script (unbalanced braces/brackets/quotes)"; exit 0 }
set cmd ""; set n 0
foreach line [split $text "\n"] {
    incr n
    append cmd $line "\n"
    if {[info complete $cmd]} { set cmd "" }
}
if {$cmd ne ""} { puts "incomplete command at the end (line $n)" }
"""
    proc = subprocess.run(
        [tclsh(), "/dev/stdin", str(path)], input=script, capture_output=True, text=True, check=False,
        timeout=60,
    )  # fmt: skip
    problems = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    if proc.returncode != 0:
        problems.append(proc.stderr.strip())
    return problems


def _tcl_words(text: str) -> list[str]:
    """Split a Tcl list (braces and whitespace; what `[list ...]` of our values produces)."""
    words, depth, cur = [], 0, ""
    for ch in text:
        if ch == "{":
            depth += 1
            if depth == 1:
                continue
        elif ch == "}":
            depth -= 1
            if depth == 0:
                words.append(cur)
                cur = ""
                continue
        if ch.isspace() and depth == 0:
            if cur:
                words.append(cur)
            cur = ""
        else:
            cur += ch
    if cur:
        words.append(cur)
    return words


def dry_run(
    path: str | Path,
    args: list[str] | tuple[str, ...] = (),
    board_files: bool = True,
    wns: float = 0.5,
    whs: float = 0.05,
    run_dir: str | Path = "/nonexistent/runs",
    outputs: tuple[str, ...] = ("*.hwh", "*/impl_1/*.bit"),
    check: bool = True,
) -> DryRun:
    """Source the script with stubbed Vivado commands; DryRun of the calls. RuntimeError if it fails
    (with `check`; else the DryRun carries the exit code and output)."""
    path = Path(path).resolve()
    versions = " ".join(f"{ip.vlnv} {ip.versions[-1]}" for ip in IP_TABLE.values())
    opts = (
        f"board_files {int(board_files)} wns {wns} whs {whs} run_dir {{{run_dir}}} "
        f"outputs {{{' '.join(outputs)}}} versions {{{versions}}}"
    )
    log = path.parent / ".dryrun.log"
    try:
        proc = subprocess.run(
            [tclsh(), "/dev/stdin", str(log), opts, str(path), *args], input=_PRELUDE,
            capture_output=True, text=True, check=False, timeout=120, cwd=path.parent,
        )  # fmt: skip
        if check and proc.returncode != 0:
            raise RuntimeError(f"{path}: dry run failed: {proc.stderr.strip() or proc.stdout.strip()}")
        res = DryRun(stdout=proc.stdout + proc.stderr, returncode=proc.returncode)
        rec = subprocess.run(
            [tclsh(), "/dev/stdin", str(log)],
            input="set f [open [lindex $argv 0]]; fconfigure $f -encoding utf-8\n"
            'while {[gets $f line] >= 0} { puts [join $line "\\x1f"] }\n',
            capture_output=True, text=True, check=True, timeout=60,
        )  # fmt: skip
        for line in rec.stdout.splitlines():
            words = line.split("\x1f")
            if words[0] != "EXIT":
                (res.calls if words[0] == "CALL" else res.files).append(words[1:])
        return res
    finally:
        log.unlink(missing_ok=True)


def _shape_problems(cmd: str, words: list[str]) -> list[str]:
    valued, bare, lo, hi = COMMAND_SHAPES[cmd]
    pos, i, out = [], 0, []
    while i < len(words):
        w = words[i]
        if w.startswith("-") and not w[1:2].isdigit():
            if w in valued:
                if i + 1 >= len(words):
                    out.append(f"{cmd}: {w} without a value")
                i += 2
                continue
            if w not in bare:
                out.append(f"{cmd}: unknown option {w}")
        else:
            pos.append(w)
        i += 1
    if len(pos) < lo or (hi is not None and len(pos) > hi):
        out.append(
            f"{cmd}: {len(pos)} positional arguments {pos}, expected {lo}..{hi if hi is not None else 'n'}"
        )
    return out


def check_calls(run: DryRun) -> list[str]:
    """Problems Vivado would report in the recorded calls (empty list when none): see the module doc."""
    problems: list[str] = []
    cells: dict[str, str] = {}  # cell name -> IP table key
    for call in run.calls:
        cmd, words = call[0], call[1:]
        if cmd in COMMAND_SHAPES:
            problems += _shape_problems(cmd, words)
        if cmd == "create_bd_cell" and "-vlnv" in words:
            vlnv = words[words.index("-vlnv") + 1]
            hit = ip_of_vlnv(vlnv)
            if hit is None:
                problems.append(f"create_bd_cell: IP {vlnv} is not in the IP table")
            else:
                cells[words[-1]] = hit[0]
        elif cmd == "set_property" and "-dict" in words:
            target = words[-1]
            kv = _tcl_words(words[words.index("-dict") + 1])
            if len(kv) % 2:
                problems.append(f"set_property -dict on {target}: odd number of words {kv}")
            configs = [(k, v) for k, v in zip(kv[::2], kv[1::2], strict=False) if k.startswith("CONFIG.")]
            if configs and target not in cells:
                problems.append(f"set_property CONFIG.* on {target!r}, which is no block-design cell")
            for k, v in configs:
                if target in cells:
                    p = value_problem(IP_TABLE[cells[target]], k[len("CONFIG.") :], v)
                    if p:
                        problems.append(f"{target}: {p}")
        elif cmd in ("get_bd_pins", "get_bd_intf_pins") and words and "/" in words[-1]:
            cell, pin = words[-1].split("/", 1)
            if cell not in cells:
                problems.append(f"{cmd} {words[-1]}: no cell {cell!r} created")
            elif pin not in IP_TABLE[cells[cell]].pins:
                problems.append(
                    f"{cmd} {words[-1]}: {IP_TABLE[cells[cell]].vlnv} has no pin {pin} in the table"
                )
    return problems
