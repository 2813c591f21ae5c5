"""The content-hashed build cache: keys, hits, failed builds, unwritable roots, concurrent builders."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from pcnn_hw.errors import OutputPathError
from pcnn_hw.graph.cache import KEY_CHARS, cache_entry, cache_key, cached_build


def test_key_is_sha256_of_length_prefixed_parts(tmp_path):
    import hashlib

    f = tmp_path / "src.c"
    f.write_text("int x;")
    assert cache_key(["ab", "c"]) != cache_key(["a", "bc"])
    assert cache_key([f]) != cache_key(["int x;"]) != cache_key([b"int x;"])
    assert cache_key([b"q"]) == hashlib.sha256(len(b"bytes:q").to_bytes(8, "little") + b"bytes:q").hexdigest()
    before = cache_key([f, "-O3"])
    f.write_text("int y;")
    assert cache_key([f, "-O3"]) != before  # a Path counts by its contents
    with pytest.raises(TypeError, match="int"):
        cache_key([3])


def test_miss_builds_once_then_hits(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    calls = []

    def build(d: Path) -> None:
        calls.append(d)
        (d / "out.txt").write_text("built")

    assert cache_entry("demo", ["k1"]) is None
    first = cached_build("demo", ["k1"], build)
    assert first == tmp_path / "xdg" / "pcnn-hw" / "demo" / cache_key(["k1"])[:KEY_CHARS]
    assert (first / "out.txt").read_text() == "built" and len(calls) == 1 and calls[0] != first
    assert cached_build("demo", ["k1"], build) == first and len(calls) == 1
    assert cache_entry("demo", ["k1"]) == first
    assert cached_build("demo", ["k2"], build) != first and len(calls) == 2
    assert sorted(p.name for p in first.parent.iterdir()) == sorted(
        cache_key([k])[:KEY_CHARS] for k in ("k1", "k2"))  # no temporary directories left


def test_failed_build_leaves_nothing(tmp_path):
    def bad(d: Path) -> None:
        (d / "half.o").write_text("partial")
        raise RuntimeError("compiler crashed")

    with pytest.raises(RuntimeError, match="compiler crashed"):
        cached_build("demo", ["x"], bad, roots=[tmp_path])
    assert list(tmp_path.iterdir()) == [] and cache_entry("demo", ["x"], roots=[tmp_path]) is None


def test_unwritable_roots_fall_through_then_fail(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("a file where a directory should be")
    roots = [blocked / "c", tmp_path / "ok"]
    d = cached_build("demo", ["x"], lambda t: (t / "a").write_text("1"), roots=roots)
    assert d.parent == tmp_path / "ok"
    assert cache_entry("demo", ["x"], roots=[blocked / "c", tmp_path / "ok"]) == d
    with pytest.raises(OutputPathError, match="no writable demo cache directory"):
        cached_build("demo", ["y"], lambda t: None, roots=[blocked / "c", blocked / "d"])


def test_concurrent_builders_agree_on_one_complete_entry(tmp_path):
    n = 4
    barrier = threading.Barrier(n)
    results: list[Path] = []
    errors: list[BaseException] = []

    def build(d: Path) -> None:
        barrier.wait(timeout=30)  # every builder is inside build_fn at once: a real race
        (d / "lib.so").write_text(f"from {threading.get_ident()}")

    def worker() -> None:
        try:
            results.append(cached_build("demo", ["same"], build, roots=[tmp_path]))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors and len(results) == n and len(set(results)) == 1
    entry = results[0]
    assert [p.name for p in tmp_path.iterdir()] == [entry.name]  # the losers' copies are gone
    assert (entry / "lib.so").read_text().startswith("from ")
