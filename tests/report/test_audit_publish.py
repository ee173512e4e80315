"""Audit of ``batchgen/report/publish.py``: the report writes only inside the folder, tells the last run's
requests and 429s, keeps what it showed of an input image moved away, cleans up only its own stopped writes,
and a report that fails never stops the run."""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import anyio

from batchgen.config import ReportSettings
from batchgen.report import publish as publishing
from batchgen.report.exits import Verdict
from batchgen.report.pace import PACE_FILE
from batchgen.report.publish import (
    make_posters_while_running,
    publish,
    publish_at_end,
    refresh_reports,
)
from tests.helpers import run_cli
from tests.report.folders import SIM_MEDIA, image_job, ledger_line


def _folder(root: Path) -> Path:
    (root / "videos").mkdir(parents=True)
    shutil.copyfile(SIM_MEDIA / "16x9_5s.mp4", root / "videos" / "a.mp4")
    (root / "ledger.jsonl").write_bytes(ledger_line("a", "completed", file="videos/a.mp4"))
    return root


def test_a_report_pages_folder_that_is_a_link_is_refused_and_nothing_behind_it_is_touched(tmp_path):
    out = _folder(tmp_path / "out")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "page-7.html").write_text("someone else's page")
    (out / "report-pages").symlink_to(elsewhere)
    assert run_cli("report", str(out)) == 2
    assert [p.name for p in elsewhere.iterdir()] == ["page-7.html"]
    assert (elsewhere / "page-7.html").read_text() == "someone else's page"


def test_the_page_gives_the_requests_and_429s_of_the_last_run_in_the_pace_file(tmp_path):
    out = _folder(tmp_path / "out")

    def point(t: float, run: str, requests: int, throttled: int) -> str:
        return json.dumps({"t": t, "run": run, "requests": requests, "throttled": throttled, "rpm": 50}) + "\n"

    (out / PACE_FILE).write_text(
        point(1000.0, "first", 40, 1) + point(1060.0, "first", 120, 9) + point(5000.0, "last", 10, 0)
        + point(5060.0, "last", 31, 2)
    )  # fmt: skip
    html = publish(out, ReportSettings()).read_text()
    assert '<tr><th>API requests (last run)</th><td class="num">31 (2 answered 429)</td></tr>' in html


def test_an_input_image_moved_away_keeps_the_thumbnail_the_report_showed(tmp_path):
    root, image = image_job(tmp_path)
    assert 'src="thumbs/a.input.jpg"' in publish(root, ReportSettings()).read_text()
    image.unlink()
    assert 'src="thumbs/a.input.jpg"' in publish(root, ReportSettings()).read_text()
    assert (root / "thumbs" / "a.input.jpg").is_file()


async def test_the_final_report_removes_its_own_stopped_writes_and_nothing_else(tmp_path):
    out = _folder(tmp_path / "out")
    (out / "thumbs").mkdir()
    (out / "report-pages").mkdir()
    stopped = [
        out / ".report.html.0a1b2c3d.tmp",
        out / ".report.json.0a1b2c3d.tmp",
        out / ".index.parquet.0a1b2c3d.tmp",
        out / "thumbs" / ".b.jpg.0a1b2c3d.tmp",
        out / "report-pages" / ".page-2.html.0a1b2c3d.tmp",
    ]
    others = [out / ".results.csv.0a1b2c3d.tmp", out / ".notes.tmp", out / "videos" / ".a.mp4.0a1b2c3d.tmp"]
    for path in [*stopped, *others]:
        path.write_bytes(b"half")
    page = await publish_at_end(out, ReportSettings(), anyio.CapacityLimiter(1), verdict=Verdict(0), specs={})
    assert page.is_file()
    assert [p for p in stopped if p.exists()] == []
    assert [p for p in others if p.exists()] == others


class Broken:
    """A call that always fails with ``error``; ``third`` is set at its third call."""

    def __init__(self, error: Exception) -> None:
        self.error, self.calls, self.third = error, 0, anyio.Event()

    async def __call__(self, *args: object, **kwargs: object) -> Any:
        self.calls += 1
        if self.calls == 3:
            self.third.set()
        raise self.error


async def _until_third(broken: Broken, task: Callable[[], Coroutine[Any, Any, object]]) -> None:
    async with anyio.create_task_group() as tg:
        tg.start_soon(task)
        await broken.third.wait()
        tg.cancel_scope.cancel()


async def test_a_refresh_that_fails_is_told_and_the_refreshes_go_on(monkeypatch, caplog):
    broken = Broken(RuntimeError("the chart library broke"))
    monkeypatch.setattr(publishing, "publish_in_worker", broken)
    caplog.set_level(logging.WARNING, logger="batchgen")
    settings = ReportSettings(refresh_s=0.001)
    await _until_third(broken, lambda: refresh_reports(Path("out"), settings, anyio.CapacityLimiter(1), {}))
    told = [r.getMessage() for r in caplog.records]
    assert len(told) >= 3
    assert told[0] == "warning: could not refresh out/report.html (the chart library broke); the run goes on"


async def test_poster_frames_that_cannot_be_made_during_the_run_are_told_once_and_tried_again(monkeypatch, caplog):
    broken = Broken(OSError("no room left"))
    monkeypatch.setattr(publishing, "POSTERS_EVERY_S", 0.001)
    monkeypatch.setattr(anyio.to_process, "run_sync", broken)
    caplog.set_level(logging.WARNING, logger="batchgen")
    await _until_third(
        broken, lambda: make_posters_while_running(Path("out"), ReportSettings(), anyio.CapacityLimiter(1))
    )
    assert broken.calls >= 3
    assert [r.getMessage() for r in caplog.records] == [
        "warning: could not make poster frames during the run (no room left); the final report will"
    ]
