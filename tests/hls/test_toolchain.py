"""compile_cached: g++ executables are entries of the one build cache (pcnn_hw.graph.cache.cached_build)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from pcnn_hw.errors import SimulationError
from pcnn_hw.hls.toolchain import compile_cached

MAIN = '#include <cstdio>\nint main() { std::printf("%d\\n", VALUE); return 0; }\n'


def _source(tmp_path: Path, text: str) -> Path:
    src = tmp_path / "src" / "main.cpp"
    src.parent.mkdir(exist_ok=True)
    src.write_text(text)
    return src


def test_compiled_once_then_reused_and_a_change_is_a_new_entry(tc, tmp_path: Path) -> None:
    """Same sources and flags -> the same entry, no recompilation; another define -> another entry, the
    old one kept; the executable really runs."""
    cache, calls = tmp_path / "cache", []
    src = _source(tmp_path, MAIN)
    first = compile_cached(
        tc, [src], [], cache, "demo", defines=("VALUE=7",), on_compile=lambda: calls.append(1)
    )
    assert not first.cached and calls == [1]
    assert first.exe.parent.parent == cache.resolve() and first.exe.parent.name.startswith("demo-")
    assert subprocess.run([str(first.exe)], capture_output=True, text=True, timeout=30).stdout == "7\n"
    again = compile_cached(
        tc, [src], [], cache, "demo", defines=("VALUE=7",), on_compile=lambda: calls.append(1)
    )
    assert again.cached and again.exe == first.exe and calls == [1]
    other = compile_cached(tc, [src], [], cache, "demo", defines=("VALUE=8",))
    assert other.exe != first.exe and first.exe.is_file()
    assert subprocess.run([str(other.exe)], capture_output=True, text=True, timeout=30).stdout == "8\n"
    assert not [p for p in cache.iterdir() if p.name.startswith(".tmp-")]  # no half-built entry left


def test_header_change_is_a_new_entry(tc, tmp_path: Path) -> None:
    """A header under an include directory is part of the key."""
    inc = tmp_path / "inc"
    inc.mkdir()
    (inc / "value.h").write_text("#define VALUE 1\n")
    src = _source(tmp_path, '#include "value.h"\n' + MAIN)
    a = compile_cached(tc, [src], [inc], tmp_path / "cache", "hdr")
    (inc / "value.h").write_text("#define VALUE 2\n")
    b = compile_cached(tc, [src], [inc], tmp_path / "cache", "hdr")
    assert not b.cached and a.exe != b.exe
    assert subprocess.run([str(b.exe)], capture_output=True, text=True, timeout=30).stdout == "2\n"


def test_failed_compile_keeps_its_log_and_leaves_no_entry(tc, tmp_path: Path) -> None:
    """A compile error: SimulationError naming the kept log (the full g++ output), no cache entry."""
    cache = tmp_path / "cache"
    src = _source(tmp_path, "int main() { return undefined_name; }\n")
    with pytest.raises(
        SimulationError, match=r"compile of broken failed .*log: .*failed/broken-\w+\.log"
    ) as e:
        compile_cached(tc, [src], [], cache, "broken")
    kept = Path(str(e.value).split("log: ")[1].split(")")[0])
    assert kept.is_file() and "undefined_name" in kept.read_text()
    assert sorted(p.name for p in cache.iterdir()) == ["failed"]
