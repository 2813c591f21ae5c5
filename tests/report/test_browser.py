"""The report page in a real headless browser (Debian's chromium): no console message, not blank.

Slow (a browser start per page). `make chromium` installs it; skipped with the reason when absent.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tests.report.test_page import _add_rtl_records

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--enable-logging=stderr", "--v=0", "--window-size=1280,2400")


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("chromium not installed (`make chromium` runs `apt-get install -y chromium`)")


def load_in_browser(page: Path, work: Path) -> tuple[list[str], np.ndarray]:
    """Open `page` in headless chromium; (console lines it logged, screenshot as an RGB array)."""
    from matplotlib.image import imread

    shot = work / "shot.png"
    profile = work / "profile"
    profile.mkdir()
    proc = subprocess.run(
        [_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--screenshot={shot}", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert shot.is_file(), proc.stderr[-2000:]
    console = [ln for ln in proc.stderr.splitlines() if ":CONSOLE" in ln]
    return console, imread(shot)[..., :3]


def _not_blank(img: np.ndarray) -> bool:
    """More than 2 % of the pixels differ from the most common colour."""
    flat = (img.reshape(-1, 3) * 255).astype(np.uint8)
    _, counts = np.unique(flat, axis=0, return_counts=True)
    return 1 - counts.max() / len(flat) > 0.02


@pytest.mark.slow
def test_browser_catches_console_errors(tmp_path: Path) -> None:
    """The check itself: a page with a script error and a blank page are both caught."""
    bad = tmp_path / "bad.html"
    bad.write_text("<html><body><script>undefinedFn();</script></body></html>")
    (tmp_path / "a").mkdir()
    console, img = load_in_browser(bad, tmp_path / "a")
    assert any("undefinedFn" in ln for ln in console)
    assert not _not_blank(img)


@pytest.mark.slow
@pytest.mark.parametrize("with_rtl", [False, True])
def test_report_page_in_chromium(build_copy: Path, tmp_path: Path, with_rtl: bool) -> None:
    from pcnn_hw.report import write_report

    if with_rtl:
        _add_rtl_records(build_copy)
    page = write_report(build_copy)
    console, img = load_in_browser(page, tmp_path)
    assert console == []
    assert _not_blank(img)
