"""Safe output paths for every command that writes: a tool never moves, hides or deletes what it did
not create.

The rules (one place, used by ``build``, ``train``, ``export``, ``deploy``, ``huffman``; ``report`` and
``explore`` should use them too):

* an output is never an input, nor a directory that contains an input (``build m.onnx -o .``);
* a *file* output (``export -o``, ``deploy -o``, ``huffman -o``) that is an existing directory is an
  error; an existing file is overwritten only when it is recognisably ours (``is_ours``) or with
  ``force``; see :func:`check_file_output`;
* a *build directory* (:func:`check_build_dir`) may be a missing path, an empty directory, or a previous
  build directory of ours (recognised by its manifest ``build.json`` carrying :data:`MANIFEST_MARKER`,
  or the manifest keys of builds made before the marker existed). Replacing one needs ``force``
  (resuming with ``--from-step`` does not). Even then only the entries the old manifest lists as ours
  are replaced (:func:`replace_build_dir`); a file the user put into a build directory survives.

Also the one user cache directory (:func:`user_cache_dir`) for compiled kernels, Yosys results and
tool scratch space, so nothing is written into the package's source checkout.

Leaf module: imports nothing of pcnn_hw but the errors.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from pcnn_hw.errors import OutputPathError

MANIFEST_FILE = "build.json"
MANIFEST_MARKER = "pcnn_hw_build"  # key in build.json: the manifest format version (int)
MANIFEST_VERSION = 1
OUTPUTS_KEY = "outputs"  # key in build.json: the top-level entries the build created
# Top-level entries of a build directory written before the manifest listed them (legacy builds).
LEGACY_BUILD_ENTRIES = (
    "steps", "folded.onnx", "folding_config.json", "report.json", "report.md", "weights", "build.json",
    "finn", "rtl", "hls",
)  # fmt: skip
_LEGACY_KEYS = ("steps_done", "finn_plus", "board")


def _resolved(path: str | Path) -> Path:
    return Path(os.path.abspath(Path(path).expanduser()))


def check_not_input(out: str | Path, inputs: Iterable[str | Path], option: str = "-o") -> None:
    """OutputPathError when ``out`` is one of ``inputs`` or a directory containing one of them."""
    out_r = _resolved(out)
    for inp in inputs:
        if inp is None:
            continue
        for inp_r in {_resolved(inp), Path(os.path.realpath(inp))}:
            if inp_r == out_r or Path(os.path.realpath(out_r)) == inp_r:
                raise OutputPathError(f"{option} {out}: is the input {inp}; choose another output path")
            if out_r in inp_r.parents or Path(os.path.realpath(out_r)) in inp_r.parents:
                raise OutputPathError(
                    f"{option} {out}: contains the input {inp}; choose an output path outside it "
                    "(e.g. build/NAME)"
                )


def check_file_output(
    out: str | Path,
    *,
    inputs: Iterable[str | Path] = (),
    is_ours: Callable[[Path], bool] | None = None,
    force: bool = False,
    option: str = "-o",
    what: str = "output file",
    force_option: str | None = "--force",
) -> Path:
    """Check a file output path before any work; returns it as a Path.

    An existing directory → OutputPathError; an existing file → OutputPathError unless ``is_ours(path)``
    says we wrote it or ``force``; a parent that is a file → OutputPathError. ``force_option`` is the
    command's flag named in the message (None: the command has none).
    """
    out = Path(out)
    check_not_input(out, inputs, option)
    if out.is_dir():
        raise OutputPathError(f"{option} {out}: is an existing directory; give a file path for the {what}")
    for parent in out.parents:
        if parent.exists() and not parent.is_dir():
            raise OutputPathError(f"{option} {out}: {parent} is a file, not a directory")
    if out.exists() or out.is_symlink():
        if not force and not (is_ours is not None and _safe(is_ours, out)):
            raise OutputPathError(
                f"{option} {out}: exists and was not written by pcnn-hw; remove it, choose another path"
                + (f" or pass {force_option}" if force_option else "")
            )
    return out


def _safe(pred: Callable[[Path], bool], path: Path) -> bool:
    try:
        return bool(pred(path))
    except Exception:  # noqa: BLE001 - an unreadable file is simply not ours
        return False


def is_ours_json(path: Path, keys: Iterable[str]) -> bool:
    """True when ``path`` is a JSON object holding all of ``keys`` (how we recognise our JSON outputs)."""
    state = json.loads(Path(path).read_text())
    return isinstance(state, dict) and all(k in state for k in keys)


def check_output_dir(out: str | Path, owned: Iterable[str], is_ours: Callable[[Path], bool],
                     *, inputs: Iterable[str | Path] = (), option: str = "-o") -> Path:
    """Check a directory the command writes the files ``owned`` into (and never deletes anything in).

    An existing file → OutputPathError; one of ``owned`` present in it while ``is_ours(dir)`` is false
    (it would be overwritten) → OutputPathError. Other files in the directory are not touched.
    """
    out = Path(out)
    check_not_input(out, inputs, option)
    if out.exists() and not out.is_dir():
        raise OutputPathError(f"{option} {out}: is an existing file; give a directory")
    present = sorted(n for n in owned if (out / n).exists())
    if present and not _safe(is_ours, out):
        raise OutputPathError(
            f"{option} {out}: {', '.join(present)} in it were not written by pcnn-hw and would be "
            "overwritten; choose another directory"
        )
    return out


def check_claimable_dir(out: str | Path, marker: str, is_ours: Callable[[Path], bool], what: str,
                        *, option: str = "-o") -> Path:
    """Check a directory a command will own as a whole (it may rewrite anything in it).

    Accepted: a path that does not exist, an empty directory, or a directory holding ``marker`` for
    which ``is_ours(marker_path)`` is true. Anything else → OutputPathError naming the folder (a file;
    a non-empty folder without the marker; a marker some other tool wrote), so nothing is touched.
    ``what`` names the kind of folder in the message (e.g. "pcnn-hw explore").
    """
    out = Path(out)
    path = out / marker
    if out.exists() and not out.is_dir():
        raise OutputPathError(f"{option} {out}: exists and is not a directory; refusing to write there")
    if out.is_dir() and any(out.iterdir()) and not path.is_file():
        raise OutputPathError(
            f"{option} {out}: refusing to write into it: it exists, is not empty and is not a {what} folder "
            f"(no {marker}); choose a new output directory"
        )
    if path.is_file() and not _safe(is_ours, path):
        raise OutputPathError(f"{option} {out}: refusing to write into it: {path} was not written by {what}")
    return out


def read_manifest(build_dir: str | Path) -> dict | None:
    """The manifest of a build directory of ours, or None when ``build_dir`` is not one.

    Ours = ``build.json`` is a JSON object with :data:`MANIFEST_MARKER`, or (builds made before the
    marker) with all of the keys ``steps_done``, ``finn_plus`` and ``board``.
    """
    path = Path(build_dir) / MANIFEST_FILE
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(state, dict):
        return None
    if isinstance(state.get(MANIFEST_MARKER), int):
        return state
    return state if all(k in state for k in _LEGACY_KEYS) else None


def owned_entries(build_dir: str | Path) -> list[str]:
    """Top-level entries of a build directory of ours that the build created (present ones only)."""
    build_dir = Path(build_dir)
    state = read_manifest(build_dir)
    if state is None:
        return []
    listed = state.get(OUTPUTS_KEY)
    if not isinstance(listed, list) or not all(isinstance(n, str) for n in listed):
        listed = list(LEGACY_BUILD_ENTRIES)
    safe = [n for n in listed if n and "/" not in n and n not in (".", "..")]
    return sorted(n for n in safe if (build_dir / n).exists() or (build_dir / n).is_symlink())


def check_build_dir(
    out: str | Path, *, inputs: Iterable[str | Path] = (), force: bool = False, resume: bool = False
) -> str:
    """Check a build directory path before any work; returns "new", "empty" or "ours".

    OutputPathError for: an input or a directory containing one; an existing file; a non-empty
    directory that is not a build directory of ours; a build directory of ours without ``force`` or
    ``resume``; a foreign entry in it whose name a build writes (it would be replaced).
    """
    out = Path(out)
    check_not_input(out, inputs)
    if not out.exists():
        for parent in out.parents:
            if parent.exists() and not parent.is_dir():
                raise OutputPathError(f"-o {out}: {parent} is a file, not a directory")
        return "new"
    if not out.is_dir():
        raise OutputPathError(f"-o {out}: is an existing file, not a build directory; choose another path")
    if not any(out.iterdir()):
        return "empty"
    if read_manifest(out) is None:
        raise OutputPathError(
            f"-o {out}: is a non-empty directory that is not a pcnn-hw build directory (no {MANIFEST_FILE} "
            "of ours); nothing in it is touched: choose a new or empty directory"
        )
    if not (force or resume):
        raise OutputPathError(f"-o {out}: holds a previous build; pass --force to replace it")
    ours = set(owned_entries(out))
    clash = sorted(n for n in LEGACY_BUILD_ENTRIES if (out / n).exists() and n not in ours)
    if clash:
        raise OutputPathError(f"-o {out}: {', '.join(clash)} in it were not written by the build; move them")
    return "ours"


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def copy_owned(build_dir: Path, work: Path) -> None:
    """Copy the entries of build directory ``build_dir`` that are ours into ``work`` (for a resume)."""
    for name in owned_entries(build_dir):
        src = build_dir / name
        if src.is_dir() and not src.is_symlink():
            shutil.copytree(src, work / name, symlinks=True, dirs_exist_ok=True)
        else:
            shutil.copy2(src, work / name, follow_symlinks=False)


def replace_build_dir(work: Path, out: Path) -> None:
    """Move the finished build in ``work`` to ``out``; ``work`` is gone afterwards.

    ``out`` missing → one rename. ``out`` an empty directory or a build directory of ours → the entries
    the old manifest lists as ours are removed, then every entry of ``work`` is renamed into ``out``;
    anything else in ``out`` is left alone. The caller checked ``out`` with :func:`check_build_dir`.
    """
    if not out.exists():
        work.rename(out)
        return
    old = set(owned_entries(out))
    new = sorted(p.name for p in work.iterdir())
    foreign = [n for n in new if (out / n).exists() and n not in old]
    if foreign:
        raise OutputPathError(f"-o {out}: {', '.join(foreign)} appeared in it during the build; not replaced")
    for name in sorted(old):
        _remove(out / name)
    for name in new:
        (work / name).rename(out / name)
    work.rmdir()


def user_cache_dir(*parts: str) -> Path:
    """A writable per-user cache directory ``$XDG_CACHE_HOME/pcnn-hw/<parts>`` (default ~/.cache),
    created on demand; a per-user folder in the temp directory when that cannot be written.

    Used for compiled kernels, Yosys results and tool scratch space: never the source checkout, so a
    read-only install works.
    """
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    for root in (Path(base) / "pcnn-hw", fallback_cache_root()):
        path = root.joinpath(*parts)
        try:
            path.mkdir(parents=True, exist_ok=True)
            if os.access(path, os.W_OK | os.X_OK):
                return path
        except OSError:
            continue
    raise OutputPathError(
        f"no writable cache directory: {Path(base) / 'pcnn-hw'} and {fallback_cache_root()}"
    )


def fallback_cache_root() -> Path:
    """The per-user temp folder used when the user cache directory is not writable."""
    return Path(tempfile.gettempdir()) / f"pcnn-hw-{os.getuid()}"
