"""Staleness guard of the resource model (pcnn_hw/resources/stale.py): fit.json names the RTL sources hash
it was fitted on, a change of any RTL source makes it stale, and the build report says so."""

from __future__ import annotations

import shutil

from pcnn_hw.resources import columns, stale
from pcnn_hw.resources.stale import PKG, fit_status, rtl_sha256, rtl_source_files


def test_sources_cover_templates_rom_and_layer_verilog():
    """The hash covers the RTL templates, the ROM template and generator, and the layers' own .v files."""
    names = {p.relative_to(PKG).as_posix() for p in rtl_source_files()}
    assert {"rtl/verilog/pcnn_mvau.v", "rtl/verilog/pcnn_rom.vt", "rtl/rom.py",
            "layers/addstreams/pcnn_addstreams.v"} <= names
    assert not any(n.endswith(".pyc") for n in names)


def test_hash_changes_with_one_byte_of_one_source(tmp_path, monkeypatch):
    """Copy the package's RTL sources, change one byte of one layer .v: the hash differs; unchanged: same."""
    fake = tmp_path / "pcnn_hw"
    for p in rtl_source_files():
        dst = fake / p.relative_to(PKG)
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(p, dst)
    monkeypatch.setattr(stale, "PKG", fake)
    same = rtl_sha256()
    monkeypatch.undo()
    assert same == rtl_sha256()
    monkeypatch.setattr(stale, "PKG", fake)
    v = fake / "layers" / "duplicate" / "pcnn_duplicate.v"
    v.write_text(v.read_text() + " ")
    assert rtl_sha256() != same


def test_fit_status_fresh_and_stale():
    """A fit recording the current hash is fresh; another hash or none is stale with the refit command."""
    here = rtl_sha256()
    assert fit_status({"rtl_sha256": here}).fresh
    old = fit_status({"rtl_sha256": "0123456789abcdef"})
    assert not old.fresh
    assert "resource model fitted on other RTL (refit: python benchmarks/resource_fit.py)" in old.message()
    assert "0123456789abcdef" in old.message()
    assert not fit_status({}).fresh
    pkg = stale.yosys_package_version()
    if pkg is not None:
        assert not fit_status({"rtl_sha256": here, "yosys_package": pkg + ".other"}).fresh
        assert fit_status({"rtl_sha256": here, "yosys_package": pkg}).fresh


def test_report_note_follows_the_status(monkeypatch):
    """model_notes (the build report's notes) carries the stale line exactly when the fit is stale."""
    import pcnn_hw.resources.model as model

    monkeypatch.setattr(model, "load_fit", lambda: {"rtl_sha256": "0" * 16})
    notes = columns.model_notes()
    assert len(notes) == 1 and notes[0].startswith("resource model fitted on other RTL")
    monkeypatch.setattr(model, "load_fit", lambda: {"rtl_sha256": rtl_sha256()})
    assert columns.model_notes() == []
