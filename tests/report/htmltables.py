"""Read the report page back (stdlib html.parser): the rows of a table by id, section ids, images."""

from __future__ import annotations

from html.parser import HTMLParser


class PageReader(HTMLParser):
    """Collects every table's rows (cells as text, plus data-col keyed cells), ids, img srcs, scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[dict]] = {}
        self.ids: set[str] = set()
        self.img_src: list[str] = []
        self.links: list[str] = []
        self.scripts = 0
        self._table: str | None = None
        self._row: dict | None = None
        self._cell: list[str] | None = None
        self._col: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "table":
            self._table = a.get("id") or f"table{len(self.tables)}"
            self.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self._row = {"cells": [], "cols": {}, "attrs": a}
        elif tag in ("td", "th") and self._row is not None:
            self._cell, self._col = [], a.get("data-col")
        elif tag == "img":
            self.img_src.append(a.get("src") or "")
        elif tag == "script":
            self.scripts += 1
        elif tag in ("link", "a") and a.get("href"):
            self.links.append(a["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            text = "".join(self._cell).strip()
            self._row["cells"].append(text)
            if self._col:
                self._row["cols"][self._col] = text
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def read_page(text: str) -> PageReader:
    """Parse a report page."""
    p = PageReader()
    p.feed(text)
    return p
