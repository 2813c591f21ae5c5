"""Lazy package exports (PEP 562): a package names its public objects and where they live, and each is
imported on first use, so importing one submodule does not load the others."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_getattr(package: str, exports: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for `package`: ``exports[name]`` (a module path) is imported when
    ``package.name`` is first read; AttributeError for any other name."""

    def __getattr__(name: str) -> Any:
        if name in exports:
            return getattr(importlib.import_module(exports[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
