"""Clear typed errors when g++, the ap_types headers or Vitis HLS are missing (no compilation needed)."""

from __future__ import annotations

import stat

import pytest

from pcnn_hw.errors import PcnnHwError, ToolMissingError
from pcnn_hw.hls.toolchain import find_ap_types, find_compiler, toolchain


def test_missing_compiler_named():
    """A compiler that does not exist -> ToolMissingError naming it."""
    with pytest.raises(ToolMissingError, match="no-such-gxx"):
        find_compiler("/nonexistent/no-such-gxx")


def test_broken_compiler(tmp_path):
    """A 'compiler' that cannot run -> ToolMissingError."""
    fake = tmp_path / "g++"
    fake.write_text("#!/bin/sh\nexit 3\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    with pytest.raises(ToolMissingError, match="does not run"):
        find_compiler(fake)


def test_missing_ap_types(tmp_path):
    """A header directory without ap_int.h -> ToolMissingError naming the directory and hls4ml."""
    with pytest.raises(ToolMissingError, match=r"ap_int\.h.*hls4ml"):
        find_ap_types(tmp_path)


def test_installed_ap_types_found():
    """The pinned hls4ml wheel provides the Apache-2.0 ap_types (not copied into the repository)."""
    d = find_ap_types()
    assert (d / "ap_int.h").is_file() and "site-packages" in str(d)
    assert "Apache License" in (d / "ap_int.h").read_text()[:2000]


def test_csim_fails_fast_without_compiler(model_builds_stub):
    """CSim checks the toolchain before generating or compiling anything."""
    from pcnn_hw.hls.csim import CSim

    with pytest.raises(ToolMissingError, match="not found"):
        CSim(model_builds_stub, cxx="/nonexistent/g++")
    with pytest.raises(ToolMissingError, match="ap_types"):
        CSim(model_builds_stub, ap_types=model_builds_stub)
    assert not (model_builds_stub / "hls").exists()


@pytest.fixture
def model_builds_stub(tmp_path):
    """An empty directory standing in for a build directory (never read: the toolchain fails first)."""
    d = tmp_path / "build"
    d.mkdir()
    return d


def test_toolchain_resolves():
    """g++ is found here and the kernel library is read from the repository."""
    tc = toolchain()
    assert (tc.library / "include" / "pcnn" / "mvau.h").is_file()


def test_hls_ip_without_vitis(tmp_path, monkeypatch, capsys):
    """`python -m pcnn_hw.hls ip` without vitis_hls/vivado_hls: one clear line, exit status 1."""
    from pcnn_hw.hls import __main__ as cli

    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ToolMissingError, match="vitis_hls nor vivado_hls"):
        cli.find_hls_tool()
    assert cli.main(["ip", ""]) == 1
    assert "no build directory" in capsys.readouterr().err
    assert cli.main(["ip", str(tmp_path / "missing")]) == 1
    assert issubclass(ToolMissingError, PcnnHwError)
