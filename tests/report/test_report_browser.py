"""report.html in a real browser: headless Chromium (Debian's ``chromium``) loads it offline.

The page carries a small script that, once the page has loaded, writes
``data-thumbs="loaded/in view"`` on ``<body>``; ``--dump-dom`` shows the DOM
after the scripts ran.  Chromium's own log (``--enable-logging=stderr``)
must show no failed load and no script error.  Skipped when Chromium is not
installed (``.ci/run`` installs it).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers import (
    run_with_failures,
)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--enable-logging=stderr",
    "--v=0",
    "--virtual-time-budget=5000",
]
TALL = "--window-size=1280,9000"  # the whole first page in view, so no poster frame is left lazy
PAGE_ERRORS = re.compile(r"Uncaught|net::ERR_|Failed to load|Not allowed to load", re.IGNORECASE)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)"),
]


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    profile = tmp_path / "chromium-profile"
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


def test_report_renders_offline_with_every_thumbnail_in_view(tmp_path, sim, monkeypatch):
    out, code = run_with_failures(tmp_path, sim, monkeypatch)
    assert code == 1
    page = (out / "report.html").resolve().as_uri()

    dom = chromium(tmp_path, TALL, "--dump-dom", page)
    assert dom.returncode == 0, dom.stderr[-2000:]
    marker = re.search(r'data-thumbs="(\d+)/(\d+)"', dom.stdout)
    assert marker, "the page's load check did not run"
    loaded, in_view = int(marker.group(1)), int(marker.group(2))
    assert in_view == 21 and loaded == in_view  # every completed video's poster frame, decoded
    assert not PAGE_ERRORS.findall(dom.stderr), PAGE_ERRORS.findall(dom.stderr)
    assert dom.stdout.count("<svg") == 3

    shot = tmp_path / "report.png"
    png = chromium(tmp_path, "--window-size=1280,2400", f"--screenshot={shot}", page)
    assert png.returncode == 0, png.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
