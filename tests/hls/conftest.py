"""Fixtures of the HLS tests: the resolved toolchain and a persistent compile cache in build/."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / "build" / "hls-test-cache"  # compiled testbenches by content hash (safe to delete)


@pytest.fixture(scope="session")
def tc():
    """The g++ / ap_types / kernel-library toolchain; the HLS C-sim tests skip when it is missing."""
    from pcnn_hw.errors import ToolMissingError
    from pcnn_hw.hls.toolchain import toolchain

    try:
        return toolchain()
    except ToolMissingError as exc:
        pytest.skip(f"HLS C-simulation toolchain missing: {exc}")


@pytest.fixture(scope="session")
def cache_dir() -> Path:
    """Directory of cached compiled testbenches (inside the repository's build/)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    return CACHE
