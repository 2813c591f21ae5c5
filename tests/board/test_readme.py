"""bitstreams/README.md shows the IP parameter table the code checks against (kept in sync)."""

from __future__ import annotations

from pathlib import Path

from pcnn_hw.board.ipparams import markdown_table

README = Path(__file__).resolve().parents[2] / "bitstreams" / "README.md"


def test_readme_has_the_ip_table() -> None:
    """The table in the README is exactly ipparams.markdown_table() (regenerate it when the table changes)."""
    assert markdown_table() in README.read_text()
