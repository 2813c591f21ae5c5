"""Fixtures shared by several test folders: one registration each, so a session builds each case once."""

from tests.folded import folded_cases  # noqa: F401 - pytest fixture (tests/sim, tests/verify)
