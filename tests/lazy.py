"""Session fixtures that build expensive things (model builds) once per name, on first use."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def built_once(make: Callable[[str, Path], T], work: Path) -> Callable[[str], T]:
    """`get(name)` returning make(name, work), computed on the first call for each name."""
    cache: dict[str, T] = {}

    def get(name: str) -> T:
        if name not in cache:
            cache[name] = make(name, work)
        return cache[name]

    return get
