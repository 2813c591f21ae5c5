"""The three users of the content-hashed build cache (native kernels, HLS C-sim with g++, Verilator
models): an unchanged input hits the entry, a changed source, flag or tool version misses and makes a
new entry, old entries stay, and a build that fails leaves nothing. The tools themselves are replaced
by fakes that record their calls (the real builds are covered by tests/sim, tests/hls and tests/rtl),
except g++ on a two-line C-sim project, which is fast."""

from __future__ import annotations

from pathlib import Path

import pytest

from pcnn_hw.errors import SimulationError


# -- native kernels ------------------------------------------------------------------------------------
def test_native_kernels_changed_source_misses(monkeypatch, tmp_path: Path) -> None:
    import pcnn_hw.sim.native as native

    calls: list[Path] = []
    monkeypatch.setattr(native, "cache_dir", lambda: tmp_path / "cache")
    monkeypatch.setattr(native, "_compile", lambda cc, inc, out: (calls.append(out), out.write_text("so")))
    src = tmp_path / "kernels.c"
    src.write_text(native.SOURCE.read_text())
    monkeypatch.setattr(native, "SOURCE", src)
    first = native.build()
    assert native.build() == first and len(calls) == 1  # unchanged: a hit
    src.write_text(src.read_text() + "\n/* changed */\n")
    second = native.build()
    assert second != first and len(calls) == 2 and first.is_file()  # changed: a miss; old entry kept
    monkeypatch.setattr(native, "_compiler_version", lambda cc: "cc 99.0")
    assert native.build() not in (first, second) and len(calls) == 3  # another compiler: a miss


# -- Verilator -----------------------------------------------------------------------------------------
class _FakeDesign:
    """What build_model reads of a stitched Design: its files (and _tb_config's fields, patched)."""

    def __init__(self, top: str) -> None:
        self.files = {"top.v": top, "pcnn_fifo.v": "module pcnn_fifo; endmodule\n"}


def _fake_verilator(monkeypatch, calls: list[list[str]], fail: bool = False) -> None:
    import pcnn_hw.rtl.verilate as v

    def run_tool(tool, args, cwd, log, timeout_s, what):  # noqa: ARG001 - the real signature
        calls.append(list(args))
        log.write_text("fake verilator\n")
        if fail:
            raise SimulationError("verilate top failed (fake)")
        (Path(args[args.index("-Mdir") + 1]) / "Vtop").write_text("binary")

    monkeypatch.setattr(v, "run_tool", run_tool)
    monkeypatch.setattr(v, "find_verilator", lambda: None)
    monkeypatch.setattr(v, "write_design", lambda d, rtl_dir: None)
    monkeypatch.setattr(v, "_tb_config", lambda d: "#define FAKE 1\n")


def test_verilator_model_hit_miss_and_variants(monkeypatch, tmp_path: Path) -> None:
    import pcnn_hw.rtl.verilate as v

    calls: list[list[str]] = []
    _fake_verilator(monkeypatch, calls)
    d = _FakeDesign("module top; endmodule\n")
    exe = v.build_model(d, tmp_path / "rtl", tmp_path / "sim")  # type: ignore[arg-type]
    assert exe.name == "Vtop" and exe.parent.parent == (tmp_path / "sim").resolve() and len(calls) == 1
    assert (exe.parent / "verilator.log").is_file() and (exe.parent / "src" / "tb.cpp").is_file()
    assert v.build_model(d, tmp_path / "rtl", tmp_path / "sim") == exe and len(calls) == 1  # hit
    vcd = v.build_model(d, tmp_path / "rtl", tmp_path / "sim", trace=True)  # type: ignore[arg-type]
    assert vcd.parent.parent.name == "vcd" and "--trace" in calls[-1] and len(calls) == 2
    d2 = _FakeDesign("module top; wire w; endmodule\n")
    exe2 = v.build_model(d2, tmp_path / "rtl", tmp_path / "sim")  # type: ignore[arg-type]
    assert exe2 != exe and exe.is_file() and len(calls) == 3  # changed Verilog: a miss, old entry kept
    monkeypatch.setattr(v, "VERILATOR_FLAGS", (*v.VERILATOR_FLAGS, "-DOTHER"))
    assert v.build_model(d, tmp_path / "rtl", tmp_path / "sim") not in (exe, exe2)  # changed flags
    monkeypatch.setattr(v.importlib.metadata, "version", lambda name: "9.999")
    assert v.build_model(d, tmp_path / "rtl", tmp_path / "sim") not in (exe, exe2)  # another Verilator
    assert len(calls) == 5


def test_verilator_default_root_is_user_cache_and_failure_leaves_nothing(monkeypatch, tmp_path: Path) -> None:
    import pcnn_hw.rtl.verilate as v

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    calls: list[list[str]] = []
    _fake_verilator(monkeypatch, calls)
    exe = v.build_model(_FakeDesign("module top; endmodule\n"), tmp_path / "rtl")  # type: ignore[arg-type]
    assert exe.parent.parent == tmp_path / "xdg" / "pcnn-hw" / "verilator"
    _fake_verilator(monkeypatch, calls, fail=True)
    with pytest.raises(SimulationError, match="fake"):
        v.build_model(_FakeDesign("module top; reg r; endmodule\n"), tmp_path / "rtl")  # type: ignore[arg-type]
    assert sorted(p.name for p in exe.parent.parent.iterdir()) == [exe.parent.name]  # no partial entry


# -- HLS C-sim (real g++ on a tiny project) ------------------------------------------------------------
TB = """#include <cstdio>
#include "top.h"
int main(int argc, char **argv) { (void)argc; (void)argv; std::printf("%d\\n", top_value()); return 0; }
"""


def _fake_generate(value: int):
    """A generate_hls stand-in writing a two-file project whose top returns `value`."""
    from pcnn_hw.hls.generate import HlsDesign

    def generate_hls(build_dir, out_dir, sim):  # noqa: ARG001 - the real signature
        out = Path(out_dir)
        (out / "include").mkdir(parents=True, exist_ok=True)
        (out / "tb").mkdir(exist_ok=True)
        (out / "top.h").write_text("int top_value();\n")
        (out / "top.cpp").write_text(f'#include "top.h"\nint top_value() {{ return {value}; }}\n')
        (out / "tb.cpp").write_text(TB)
        return HlsDesign(out, [], None, None, [1, 1], [1, 1])  # type: ignore[arg-type]

    return generate_hls


def test_csim_project_and_testbench_hit_and_miss(monkeypatch, tmp_path: Path) -> None:
    import pcnn_hw.hls.csim as csim
    from pcnn_hw.errors import ToolMissingError
    from pcnn_hw.hls.toolchain import run_exe

    try:
        csim.toolchain()
    except ToolMissingError as exc:
        pytest.skip(str(exc))
    build = tmp_path / "my-build"
    build.mkdir()
    root = tmp_path / "cache"
    monkeypatch.setattr(csim, "generate_hls", _fake_generate(7))
    lines: list[str] = []
    a = csim.CSim(build, sim=object(), cache_dir=root, progress=lines.append)
    assert not a.cached and any(ln.startswith("hls c-sim: compiling") for ln in lines)
    assert a.design.out_dir.parent == root and a.design.out_dir.name.startswith("my_build-")
    assert run_exe(a.exe, [], cwd=tmp_path).strip() == "7"
    lines.clear()
    b = csim.CSim(build, sim=object(), cache_dir=root, progress=lines.append)
    assert b.cached and b.exe == a.exe and not any("compiling" in ln for ln in lines)  # unchanged: hit
    monkeypatch.setattr(csim, "generate_hls", _fake_generate(8))
    c = csim.CSim(build, sim=object(), cache_dir=root, progress=None)
    assert not c.cached and c.design.out_dir != a.design.out_dir  # changed generated source: a miss
    assert run_exe(c.exe, [], cwd=tmp_path).strip() == "8" and a.exe.is_file()  # the old entry stays
    assert not [p for p in root.iterdir() if p.name.startswith(".")]  # no scratch/temporary dirs left
