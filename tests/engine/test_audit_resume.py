"""Audit of ``batchgen/engine/resume.py``: what a resumed run reads of the earlier runs' requests from the ledger
(which made a video, which records were found gone and how soon) is what they did, so the cap on jobs in flight
is not set by requests that never waited in the account's queue."""

from __future__ import annotations

from batchgen.clock import FakeClock, iso_utc, parse_time
from batchgen.engine.resume import lineup, records_gone
from tests.engine.test_resume_counts import T0


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
