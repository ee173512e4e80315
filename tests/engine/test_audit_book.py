"""Audit of ``batchgen/engine/book.py``: what a job was paid stays counted however many times it is made again, a
request it ended leaves nothing of itself (cost, link) on the new attempt, and a job adopted as the ledger left
it holds a slot only when it is in flight."""

from __future__ import annotations

import pytest

from batchgen.clock import FakeClock
from batchgen.engine.book import JobBook
from batchgen.jobs import Event, JobSpec, JobState, TrackedJob
from batchgen.store.ledger import Ledger


def job(job_id: str = "a", estimate: float = 0.28) -> TrackedJob:
    return TrackedJob(JobSpec(job_id, "kling-text2video", {"prompt": job_id}), JobState.PENDING, estimate)


async def test_a_job_made_again_twice_counts_both_earlier_charges_in_its_spend_and_against_the_cap(tmp_path):
    async with Ledger(tmp_path / "l.jsonl", clock=FakeClock()) as ledger:
        a = job()
        book = JobBook([a], ledger)
        book.take(a)
        for request_id, cost in (("r-1", 0.3), ("r-2", 0.4)):
            await book.record(a, Event.SUBMITTING, JobState.SUBMITTING)
            a.request_id = request_id
            await book.record(a, Event.SUBMITTED, JobState.SUBMITTED)
            a.cost = cost  # charged, and its video lost after
            await book.record(a, Event.EXPIRED, JobState.EXPIRED, error={"detail": "gone"})
            book.remake(a)
        assert a.paid_before == pytest.approx(0.7) and book.spend == pytest.approx(0.7)
        assert book.committed == pytest.approx(0.7) and a.ended_requests == ["r-1", "r-2"]


async def test_a_job_made_again_keeps_no_link_of_the_request_it_ended(tmp_path):
    async with Ledger(tmp_path / "l.jsonl", clock=FakeClock()) as ledger:
        a = job()
        book = JobBook([a], ledger)
        book.adopt(a, JobState.EXPIRED, in_flight=False)
        a.request_id, a.cost, a.output_url = "r-1", 0.28, "https://cdn.example/r-1.mp4"
        book.remake(a)
        assert a.request_id is None and a.cost is None and a.output_url is None


async def test_a_job_adopted_as_not_in_flight_takes_no_slot(tmp_path):
    async with Ledger(tmp_path / "l.jsonl", clock=FakeClock()) as ledger:
        left, sent = job("left"), job("sent")
        book = JobBook([left, sent], ledger)
        book.adopt(left, JobState.SUBMITTING, in_flight=False)
        book.adopt(sent, JobState.SUBMITTED, in_flight=True)
        assert book.in_flight == 1 and book.holding() == [sent] and not left.holds_slot
        assert book.committed == pytest.approx(0.56)
