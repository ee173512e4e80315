"""Audit of ``batchgen/engine/recovery.py``: what the request history says of a job is read for what it is, so
a paid video is fetched from a real link and never written off or paid for twice."""

from __future__ import annotations

from batchgen.api.answers import HistoryRow
from batchgen.clock import FakeClock
from batchgen.engine.verdicts import Found, Later
from tests.engine.test_recovery import MODEL, FakeApi, job, reconciler


async def test_a_finished_history_row_without_a_link_is_no_link_to_download_and_the_job_waits():
    clock = FakeClock()
    j = job()
    j.request_id = "r"
    bare = HistoryRow("r", MODEL, "COMPLETED", {"prompt": "a fox"}, None, 0.28, clock.epoch(), None)
    found = await reconciler(clock, FakeApi([], {"r": bare})).look_up(j)
    assert isinstance(found, Later) and "COMPLETED, with no link" in found.detail
    linked = HistoryRow("r", MODEL, "COMPLETED", {"prompt": "a fox"}, "http://127.0.0.1/v.mp4", 0.28, 0.0, None)
    assert await reconciler(clock, FakeApi([], {"r": linked})).look_up(j) == Found("http://127.0.0.1/v.mp4", 0.28)
