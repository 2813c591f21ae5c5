"""Fill the text templates of `pcnn_hw/board/templates/` (TCL, Verilog, Markdown).

Placeholders are `@NAME@` (upper case): Tcl's `$`, `[...]` and `{...}` and Verilog's `{...}` stay
literal, so the templates read as the language they are. Filling checks that every placeholder got a
value and every value was used (a typo in either fails at generation time, not in Vivado).
"""

from __future__ import annotations

import re
from importlib import resources

_PLACEHOLDER = re.compile(r"@([A-Z][A-Z0-9_]*)@")


def template_text(name: str) -> str:
    """The text of template `name` (a file of pcnn_hw/board/templates/)."""
    return resources.files("pcnn_hw.board").joinpath("templates", name).read_text()


def fill(name: str, **values: object) -> str:
    """Template `name` with every `@KEY@` replaced by `values[KEY]` (all keys used, none missing)."""
    text = template_text(name)
    found = set(_PLACEHOLDER.findall(text))
    missing, unused = found - set(values), set(values) - found
    assert not missing and not unused, (name, sorted(missing), sorted(unused))
    return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), text)
