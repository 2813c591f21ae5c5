"""One content-hashed build cache for everything the toolkit compiles (native kernels, g++ C-sim,
Verilator models, Yosys results): the key is the SHA-256 of the inputs, the value a directory.

    from pcnn_hw.graph.cache import cached_build
    d = cached_build("native", [source_path, compiler_version, flags], lambda tmp: compile_into(tmp))
    # d = <user cache>/pcnn-hw/native/<sha256 of the parts>/, holding what build_fn wrote

Users: the native simulator kernels (`pcnn_hw.sim.native`), the HLS C-sim project + g++ testbench
(`pcnn_hw.hls.csim`), the Verilator models (`pcnn_hw.rtl.verilate.build_model`) and the Yosys results
(`pcnn_hw.rtl.yosys._run_cached`: one ``result.json`` per entry).

* The directory lives under `pcnn_hw.outputs.user_cache_dir(kind)` (``$XDG_CACHE_HOME/pcnn-hw/<kind>``,
  a per-user temp folder when that cannot be written); callers (and tests) may pass their own `roots`,
  tried in order.
* `build_fn(tmp)` fills a fresh temporary directory beside the final one; only when it returns is the
  directory renamed into place (one atomic rename), so a cache entry is always complete. A failing or
  interrupted build leaves no entry (its temporary directory is removed).
* Key parts name everything the result depends on: source texts or files, flags, and tool versions
  (:func:`tool_version`); a changed part gives a new entry, old entries are left alone (nothing in
  a cache is ever deleted by the toolkit, so nothing a user put there is lost).
* Concurrent builders of one key both build; the first rename wins and the others discard their copy
  and use the winner's: safe without locks, at worst some duplicated work.

Why not a library (e.g. joblib.Memory): that caches Python return values by pickling; here the values
are trees of tool outputs (shared objects, executables, logs) that other programs open by path.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from pcnn_hw.errors import OutputPathError
from pcnn_hw.outputs import user_cache_dir

KEY_CHARS = 24  # hex digits of the SHA-256 in the directory name (96 bits)
KeyPart = bytes | str | Path


def cache_key(key_parts: Iterable[KeyPart]) -> str:
    """Hex SHA-256 of the parts: bytes as they are, str as UTF-8, a Path as its file's contents; each
    part length-prefixed, so ("ab", "c") and ("a", "bc") differ."""
    h = hashlib.sha256()
    for part in key_parts:
        if isinstance(part, Path):
            data = b"file:" + part.read_bytes()
        elif isinstance(part, str):
            data = b"str:" + part.encode()
        elif isinstance(part, bytes):
            data = b"bytes:" + part
        else:
            raise TypeError(f"cache key part of type {type(part).__name__}: use bytes, str or Path")
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


@functools.cache
def tool_version(argv: tuple[str, ...], timeout_s: float = 30.0) -> str:
    """First line of a tool's version output (e.g. ``("g++", "--version")``), a cache key part; once per
    process. "missing: <argv>" when the tool cannot be run (the build then reports the real error)."""
    try:
        res = subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout_s, check=False)
    except (OSError, subprocess.SubprocessError):
        return f"missing: {' '.join(argv)}"
    return (res.stdout.strip().splitlines() or res.stderr.strip().splitlines() or [""])[0]


def _roots(kind: str, roots: Sequence[Path] | None) -> list[Path]:
    return [Path(r) for r in roots] if roots is not None else [user_cache_dir(kind)]


def entry_name(key_parts: Iterable[KeyPart], label: str = "") -> str:
    """Directory name of an entry: the key's first KEY_CHARS hex digits, after ``<label>-`` if given."""
    key = cache_key(key_parts)[:KEY_CHARS]
    return f"{label}-{key}" if label else key


def keep_failed_log(failed_dir: Path, key_parts: Iterable[KeyPart], log: str, label: str = "") -> Path:
    """Keep the log of a failed build as ``failed_dir/<entry name>.log`` (the entry itself is never
    created for a failure); its path, for the error message."""
    kept = Path(failed_dir) / f"{entry_name(key_parts, label)}.log"
    kept.parent.mkdir(parents=True, exist_ok=True)
    kept.write_text(log)
    return kept


def cache_entry(kind: str, key_parts: Iterable[KeyPart], roots: Sequence[Path] | None = None,
                label: str = "") -> Path | None:
    """The complete cache directory for this key if one exists (in any root), else None."""
    name = entry_name(key_parts, label)
    for root in _roots(kind, roots):
        if (root / name).is_dir():
            return root / name
    return None


def _writable(root: Path) -> bool:
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(root, os.W_OK | os.X_OK)


def cached_build(kind: str, key_parts: Iterable[KeyPart], build_fn: Callable[[Path], object],
                 roots: Sequence[Path] | None = None, label: str = "") -> Path:
    """The cache directory of `key_parts` under `kind`, built by `build_fn(tmp_dir)` on a miss.

    `label`: a readable prefix of the entry's name (e.g. the design's name; not part of the key).

    OutputPathError if no root can be written; whatever `build_fn` raises propagates (no entry made)."""
    parts = list(key_parts)
    hit = cache_entry(kind, parts, roots, label)
    if hit is not None:
        return hit
    name = entry_name(parts, label)
    candidates = _roots(kind, roots)
    root = next((r for r in candidates if _writable(r)), None)
    if root is None:
        raise OutputPathError(f"no writable {kind} cache directory: {', '.join(map(str, candidates))}")
    final = root / name
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{name}-", dir=root))
    try:
        build_fn(tmp)
        try:
            os.rename(tmp, final)  # atomic; fails if another builder's entry is already there
        except OSError as exc:
            if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY) or not final.is_dir():
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return final
