"""Content-addressed stage store and the output-directory manifest of `pcnn-hw explore`.

A stage (train, build, verify) is named by the SHA-256 of the inputs that decide its result (its
settings, the keys of the stages it consumes, the pcnn-hw version), so trials that share a training run
share one directory and a rerun finds finished stages. Layout: ``STORE/<kind>/<key>/`` with the stage's
files and ``stage.json`` (written last: a directory without it does not exist as far as the store is
concerned). A stage runs in ``STORE/<kind>/.<key>.partial-<pid>-<rand>/`` and is renamed into place when
it succeeds, so a worker killed mid-stage leaves only a partial folder that nothing reads.

Why not a library: the store is a dozen lines over the file system (the Ray object store holds only
what lives as long as the cluster, and artefacts must outlive it and be readable without Ray).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pcnn_hw.outputs import check_claimable_dir

STAGE_FILE = "stage.json"
MANIFEST = "explore.json"
STORE_MANIFEST = "store.json"
TOOL = "pcnn-hw explore"


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pcnn-hw")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree without install
        return "0"


def canonical_json(obj: Any) -> str:
    """JSON with sorted keys and no whitespace: the byte string a key is hashed from."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)


def stage_key(kind: str, inputs: dict[str, Any]) -> str:
    """The content address of a stage: 20 hex digits of SHA-256 over kind, inputs and pcnn-hw version."""
    blob = canonical_json({"kind": kind, "inputs": inputs, "pcnn_hw": _version()})
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


def write_json(path: Path, obj: Any) -> None:
    """Write `obj` as indented JSON atomically (temp file beside it, then rename)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")
    tmp.write_text(json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n")
    os.replace(tmp, path)


class StageStore:
    """Finished stages under `root`, looked up by (kind, key)."""

    def __init__(self, root: str | Path):
        self.root = Path(root).resolve()

    def path(self, kind: str, key: str) -> Path:
        """Directory of a stage (it exists and is complete only when `done` returns a record)."""
        return self.root / kind / key

    def done(self, kind: str, key: str) -> dict | None:
        """The record of a finished stage, or None."""
        path = self.path(kind, key) / STAGE_FILE
        return json.loads(path.read_text()) if path.is_file() else None

    def run(self, kind: str, inputs: dict[str, Any], work: Callable[[Path], dict]) -> tuple[dict, bool]:
        """Return (record, ran): the finished stage, or run `work(folder)` for it and store its result.

        `work` writes its files into the folder it gets and returns a JSON-able result; an exception
        leaves nothing behind. Two workers racing on one key both finish; the first rename wins.
        """
        key = stage_key(kind, inputs)
        found = self.done(kind, key)
        if found is not None:
            return found, False
        final = self.path(kind, key)
        final.parent.mkdir(parents=True, exist_ok=True)
        partial = final.with_name(f".{key}.partial-{os.getpid()}-{uuid.uuid4().hex[:8]}")
        partial.mkdir()
        t0 = time.perf_counter()
        try:
            result = work(partial)
            record = {"kind": kind, "key": key, "inputs": inputs, "result": result,
                      "seconds": round(time.perf_counter() - t0, 2), "made_in": partial.name}  # fmt: skip
            write_json(partial / STAGE_FILE, record)
            try:
                partial.rename(final)
            except OSError:  # another worker finished the same stage first
                shutil.rmtree(partial, ignore_errors=True)
                record = self.done(kind, key) or record
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        return record, True

    def partials(self) -> list[Path]:
        """Folders of stages that were interrupted (a killed worker, a stopped sweep)."""
        return sorted(p for p in self.root.glob("*/.*.partial-*") if p.is_dir())


def claim_dir(path: Path, manifest_name: str, manifest: dict[str, Any]) -> None:
    """Make `path` ours: create it, or accept it when empty or when it holds our manifest.

    Refuses (OutputPathError, a ConfigError, naming the folder) anything else, so the tool never
    writes into a folder it did not create (the check: :func:`pcnn_hw.outputs.check_claimable_dir`).
    """
    marker = path / manifest_name

    def ours(p: Path) -> bool:
        state = json.loads(p.read_text())
        return isinstance(state, dict) and state.get("tool") == TOOL

    check_claimable_dir(path, manifest_name, ours, TOOL, option="output folder")
    path.mkdir(parents=True, exist_ok=True)
    wanted = {"tool": TOOL, "pcnn_hw": _version(), **manifest}
    if not marker.is_file() or json.loads(marker.read_text()) != json.loads(json.dumps(wanted, default=str)):
        write_json(marker, wanted)  # unchanged manifests are not rewritten: a rerun touches nothing
