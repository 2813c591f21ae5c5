"""#14: C-sim only reads the build directory (its project, testbench and runs live in the user cache),
and long C-sim steps print progress lines."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from pcnn_hw.hls.csim import CSim, csim_level


def snapshot(root: Path) -> dict[str, str]:
    """Every entry under root: relative path -> sha256 of a file's bytes, 'dir' for a directory."""
    out = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        out[rel] = "dir" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def test_csim_level_leaves_build_dir_identical(model_builds, tc, tmp_path, monkeypatch):
    """csim_level + predict: the build dir's files and bytes are unchanged; the project is in the cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    build = model_builds("mini-cnv")
    before = snapshot(build)
    lines: list[str] = []
    lv = csim_level(build, progress=lines.append)
    imgs = np.random.default_rng(5).integers(0, 256, size=(10, 1, 28, 28)) / 255.0
    labels, _ = lv.predict(imgs)
    assert snapshot(build) == before
    projects = sorted((tmp_path / "cache" / "pcnn-hw" / "hls").glob("mini_cnv-*"))
    assert len(projects) == 1 and (projects[0] / "top.cpp").is_file()
    assert not list(projects[0].glob("run-*")), "the scratch run directory is removed"
    assert any(ln.startswith("hls c-sim: compiling") for ln in lines), lines
    assert lines[-1].startswith("hls c-sim: image 10/10"), lines
    # the same design again: the same cached project, no recompilation
    again: list[str] = []
    cs = CSim(build, progress=again.append)
    assert cs.design.out_dir == projects[0] and cs.cached
    assert again[0].startswith("hls c-sim: cached testbench") and not any("compiling" in ln for ln in again)
    assert np.array_equal(labels.shape, (10,))


def test_progress_lines_per_chunk(model_builds, tc, tmp_path, monkeypatch):
    """A batch runs in chunks (first FIRST_CHUNK images), one 'image k/n' line each, in order."""
    import pcnn_hw.hls.csim as csim_mod

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(csim_mod, "CHUNK_SECONDS", 0.0)  # one image per chunk after the first
    build = model_builds("sfc")
    lines: list[str] = []
    cs = CSim(build, progress=lines.append)
    fmt = cs.design.inp.fmt
    x = np.random.default_rng(2).integers(fmt.lo, fmt.hi + 1, size=[7] + cs.input_shape[1:])
    y = cs.run(x)
    assert np.array_equal(y, cs.sim.run(x))
    prog = [ln.split()[3] for ln in lines if ln.startswith("hls c-sim: image")]
    assert prog == [f"{k}/7" for k in (csim_mod.FIRST_CHUNK, 5, 6, 7)], lines


def test_verify_cli_leaves_build_dir_identical(model_builds, tc, tmp_path, monkeypatch, capsys):
    """`pcnn-hw verify` with the C-sim level: nothing in the build directory changes except the
    verify record verify.json, which is verify's own output (read by `pcnn-hw report`)."""
    from pcnn_hw.cli import main

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    build = model_builds("mini-cnv")
    (build / "verify.json").unlink(missing_ok=True)
    before = snapshot(build)
    onnx = build.parent / "mini-cnv.onnx"
    rc = main(["verify", str(onnx), str(build), "--data", "mnist5k", "--limit", "6"])
    cap = capsys.readouterr()
    assert rc == 0, cap.out + cap.err
    assert "C-sim (g++)" in cap.out and "hls c-sim: image 6/6" in cap.err
    after = snapshot(build)
    after.pop("verify.json")
    assert after == before
