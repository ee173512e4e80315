"""Audit of ``batchgen/engine/resume.py``: what a resumed run reads of the earlier runs' requests from the ledger
(which made a video, which records were found gone and how soon) is what they did, so the cap on jobs in flight
is not set by requests that never waited in the account's queue; and what each job takes up from its record (the
requests it ended, the estimates that may yet be charged, the body it was sent with, its video's size and path)
keeps it from being paid twice, counted short, or taken for a video it is not."""

from __future__ import annotations

import pytest

from batchgen.api.answers import HistoryRow
from batchgen.clock import FakeClock, iso_utc, parse_time
from batchgen.engine.resume import lineup, records_gone
from batchgen.engine.verdicts import Attach
from batchgen.jobs import JobState
from tests.engine.doubles import MODEL, finished, pending, run_downloader, submitter
from tests.engine.test_downloader_units import LINK, VIDEO
from tests.engine.test_resume_counts import DONE, T0, _replay, _resume


def test_the_ledgers_lineup_says_a_video_was_made_only_for_a_request_that_made_one():
    sent, seen = "2027-01-15T08:00:00Z", "2027-01-15T08:05:00Z"
    known = {
        "done": {"state": "completed", "request_id": "r-d", "submitted_at": sent, "ts": seen},
        "fetching": {"state": "downloading", "request_id": "r-f", "submitted_at": sent, "ts": seen},
        "refused": {"state": "failed", "request_id": "r-x", "submitted_at": sent, "ts": seen},
        "queued": {"state": "submitted", "request_id": "r-q", "submitted_at": sent, "ts": seen},
        "never": {"state": "deferred", "submitted_at": sent, "ts": seen},
    }
    at, left = parse_time(sent), parse_time(seen)
    assert sorted(lineup(known), key=lambda request: request[3]) == [
        (at, left, True, "r-d"),
        (at, left, True, "r-f"),
        (at, None, False, "r-q"),  # not seen finished
        (at, left, False, "r-x"),  # seen finished, refused: left the queue with no video
    ]


def test_only_a_record_found_gone_with_its_output_nowhere_tells_how_long_records_live():
    sent, gone = iso_utc(T0 - 3600), iso_utc(T0 - 1200)  # before the resume
    expired = {"state": "expired", "request_id": "r-1", "submitted_at": sent, "ts": gone}
    known = {
        "gone": {**expired, "error": {"http": 404, "detail": "not in the history"}},
        "adopted": {**expired, "request_id": "r-2", "error": {"detail": "submitted with another account's key"}},
        "cut": {**expired, "request_id": "r-3", "error": {"http": 410, "detail": "its output link is gone"}},
    }
    assert records_gone(known, FakeClock()) == [("r-1", 2400.0)]


async def test_a_video_found_missing_is_named_by_its_path_in_the_line_that_fetches_it_again():
    replay = _replay({"job_id": "gone", **DONE})
    k, plan = await _resume(replay, [pending("gone")])
    assert [job.spec.id for job in plan.download] == ["gone"]
    (line,) = k.ledger.lines
    assert line[1:3] == ("file_missing", "downloading")
    assert line[3]["error"] == {"detail": "videos/gone.mp4 is missing or damaged; fetching it again"}


async def test_a_job_made_again_once_more_carries_every_earlier_request_and_unreported_estimate_forward():
    # run 1 made it again after r1 was lost (r1's estimate 0.5 unreported); run 2's r2 was lost too; run 3 sends
    # it a third time: its 'submitting' line names both ended requests and counts both estimates, so a later run
    # neither takes r1 for this job's lost submit nor forgets what r1 may have cost
    replay = _replay(
        {"job_id": "a", "event": "submitting", "state": "submitting", "unreported_before": 0.5,
         "ended_requests": ["r1"], "posting_at": iso_utc(T0)},
        {"job_id": "a", "event": "submitted", "state": "submitted", "request_id": "r2",
         "submitted_at": iso_utc(T0 + 1)},
        {"job_id": "a", "event": "expired", "state": "expired", "error": {"http": 404, "detail": "gone"}},
    )  # fmt: skip
    job = pending("a", estimate=0.28)
    k, plan = await _resume(replay, [job], resubmit_lost=True)
    assert plan.submit == [job]
    k.api.submits = ["r3"]
    stage, _ = submitter(k, resubmit_lost=True)
    async with k.clock.autojump():
        await stage.submit(job)
    (submitting,) = [fields for _, event, _, fields in k.ledger.lines if event == "submitting"]
    assert submitting["ended_requests"] == ["r1", "r2"]
    assert submitting["unreported_before"] == pytest.approx(0.5 + 0.28)
    assert job.request_id == "r3" and k.book.committed == pytest.approx(0.5 + 0.28 + 0.28)


async def test_a_lost_submit_is_matched_by_what_the_history_showed_of_an_earlier_runs_request_bodies():
    # the history fills in a default (a seed) in each row's body; the ledger's request r-a, sent with its body as
    # recorded, shows that rows hold the body sent with more beside: b's row is found by the fields it was sent
    # with, and b is attached to it, not sent again and paid twice
    a, b = pending("a", prompt="a"), pending("b", prompt="b")
    replay = _replay(
        {"job_id": "a", "event": "submitted", "state": "submitted", "request_id": "r-a",
         "params": a.spec.payload(), "submitted_at": iso_utc(T0), "posted_at": iso_utc(T0)},
        {"job_id": "b", "event": "submitting", "state": "submitting", "posting_at": iso_utc(T0 + 10)},
    )  # fmt: skip
    k, plan = await _resume(replay, [a, b])
    assert plan.reconcile == [b] and b.submitted_epoch is not None
    k.api.rows = [
        HistoryRow(rid, MODEL, "QUEUED", {**job.spec.payload(), "seed": 7}, None, None, at, None)
        for rid, job, at in (("r-a", a, T0 + 0.5), ("r-b", b, T0 + 10.5))
    ]
    async with k.clock.autojump():
        assert await k.reconciler.settle(b, since=b.submitted_epoch) == Attach("r-b")


async def test_a_download_an_earlier_run_left_is_held_to_the_size_the_api_said(tmp_path):
    # the result line gave the video's size; the link now serves 100 bytes less: not the video that was paid for
    replay = _replay(
        {"job_id": "j", "event": "submitted", "state": "submitted", "request_id": "r1",
         "submitted_at": iso_utc(T0)},
        {"job_id": "j", "event": "result", "state": "downloading", "output_url": LINK, "cost": 0.28,
         "file_size": len(VIDEO) + 100},
    )  # fmt: skip
    job = pending("j")
    k, plan = await _resume(replay, [job])
    assert plan.download == [job]
    k.api.downloads, k.api.results = [VIDEO] * 20, [finished(LINK, size=len(VIDEO) + 100)]
    _, folder = await run_downloader(k, job, tmp_path)
    assert "completed" not in k.ledger.events("j") and job.state is JobState.DOWNLOADING
    assert not folder.video_path("j", MODEL).exists()
