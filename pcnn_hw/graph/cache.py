"""One content-hashed build cache for everything the toolkit compiles (native kernels, g++ C-sim,
Verilator models, Yosys results): the key is the SHA-256 of the inputs, the value a directory.

    from pcnn_hw.graph.cache import cached_build
    d = cached_build("native", [source_path, compiler_version, flags], lambda tmp: compile_into(tmp))
    # d = <user cache>/pcnn-hw/native/<sha256 of the parts>/, holding what build_fn wrote

* The directory lives under `pcnn_hw.outputs.user_cache_dir(kind)` (``$XDG_CACHE_HOME/pcnn-hw/<kind>``,
  a per-user temp folder when that cannot be written); callers (and tests) may pass their own `roots`,
  tried in order.
* `build_fn(tmp)` fills a fresh temporary directory beside the final one; only when it returns is the
  directory renamed into place (one atomic rename), so a cache entry is always complete. A failing or
  interrupted build leaves no entry (its temporary directory is removed).
* Concurrent builders of one key both build; the first rename wins and the others discard their copy
  and use the winner's: safe without locks, at worst some duplicated work.

Why not a library (e.g. joblib.Memory): that caches Python return values by pickling; here the values
are trees of tool outputs (shared objects, executables, logs) that other programs open by path.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
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


def _roots(kind: str, roots: Sequence[Path] | None) -> list[Path]:
    return [Path(r) for r in roots] if roots is not None else [user_cache_dir(kind)]


def cache_entry(kind: str, key_parts: Iterable[KeyPart], roots: Sequence[Path] | None = None) -> Path | None:
    """The complete cache directory for this key if one exists (in any root), else None."""
    name = cache_key(key_parts)[:KEY_CHARS]
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
                 roots: Sequence[Path] | None = None) -> Path:
    """The cache directory of `key_parts` under `kind`, built by `build_fn(tmp_dir)` on a miss.

    OutputPathError if no root can be written; whatever `build_fn` raises propagates (no entry made)."""
    parts = list(key_parts)
    hit = cache_entry(kind, parts, roots)
    if hit is not None:
        return hit
    name = cache_key(parts)[:KEY_CHARS]
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
