"""Check a generated Vivado script without Vivado: parse it with tclsh and dry-run it on stubbed commands.

`parse_check` asks tclsh whether every top-level command of the file is complete (`info complete`).
`dry_run` sources the script in tclsh with every unknown (Vivado) command replaced by a stub that
records its arguments, `file copy/mkdir/delete` recorded instead of performed and `glob` tolerant of
missing outputs; the script's own checks (e.g. that its input files exist) still run for real. The
recorded calls let tests check the part, board, clock and file references.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from pcnn_hw.errors import ToolMissingError

_PRELUDE = r"""
set ::pcnn_log [open [lindex $argv 0] w]
fconfigure $::pcnn_log -encoding utf-8
proc ::pcnn_rec {kind args} { puts $::pcnn_log [list $kind {*}$args]; flush $::pcnn_log }
proc unknown {args} { ::pcnn_rec CALL {*}$args; return stub_[lindex $args 0] }
proc get_property {args} {
    ::pcnn_rec CALL get_property {*}$args
    switch -- [lindex $args 0] {
        STATUS { return "write_bitstream Complete!" }
        SLACK { return 0.5 }
        DIRECTORY { return /stub/impl_1 }
    }
    return stub_get_property
}
proc get_ipdefs {args} {
    ::pcnn_rec CALL get_ipdefs {*}$args
    return [list [string map {:* :1.0} [lindex $args end]]]
}
%BOARD_STUB%
rename file ::pcnn_file
proc file {sub args} {
    if {$sub in {copy mkdir delete}} { ::pcnn_rec FILE $sub {*}$args; return }
    return [::pcnn_file $sub {*}$args]
}
rename glob ::pcnn_glob
proc glob {args} {
    set pats [lsearch -all -inline -not -glob $args -*]
    set found [::pcnn_glob -nocomplain {*}$pats]
    if {[llength $found] == 0} { return $pats }
    return $found
}
set script [lindex $argv 1]
set argv [lrange $argv 2 end]
set argc [llength $argv]
source $script
close $::pcnn_log
"""


@dataclass
class DryRun:
    """The stubbed Vivado calls of one dry run, each as a list of words, and the file operations."""

    calls: list[list[str]] = field(default_factory=list)
    files: list[list[str]] = field(default_factory=list)
    stdout: str = ""

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
        [tclsh(), "/dev/stdin", str(path)],
        input=script,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    problems = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    if proc.returncode != 0:
        problems.append(proc.stderr.strip())
    return problems


def dry_run(path: str | Path, args: list[str] | tuple[str, ...] = (), board_files: bool = True) -> DryRun:
    """Source the script with stubbed Vivado commands; DryRun of the calls. RuntimeError if it fails."""
    path = Path(path).resolve()
    stub = (
        ""
        if board_files
        else "proc get_board_parts {args} { ::pcnn_rec CALL get_board_parts {*}$args; return {} }"
    )
    prelude = _PRELUDE.replace("%BOARD_STUB%", stub)
    log = path.parent / ".dryrun.log"
    try:
        proc = subprocess.run(
            [tclsh(), "/dev/stdin", str(log), str(path), *args],
            input=prelude,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
            cwd=path.parent,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"{path}: dry run failed: {proc.stderr.strip() or proc.stdout.strip()}")
        res = DryRun(stdout=proc.stdout)
        rec = subprocess.run(
            [tclsh(), "/dev/stdin", str(log)],
            input="set f [open [lindex $argv 0]]; fconfigure $f -encoding utf-8\n"
            'while {[gets $f line] >= 0} { puts [join $line "\\x1f"] }\n',
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        for line in rec.stdout.splitlines():
            words = line.split("\x1f")
            (res.calls if words[0] == "CALL" else res.files).append(words[1:])
        return res
    finally:
        log.unlink(missing_ok=True)
