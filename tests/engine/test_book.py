"""The job book: checked transitions, one idempotent finish, slots and spend kept by the book alone."""

from __future__ import annotations

import json

import anyio
import pytest

from batchgen.clock import FakeClock
from batchgen.engine.book import JobBook, TransitionError
from batchgen.jobs import Event, JobSpec, JobState, TrackedJob
from batchgen.store.ledger import Ledger, read_ledger


def job(job_id: str = "a", estimate: float = 0.28) -> TrackedJob:
    return TrackedJob(JobSpec(job_id, "kling-text2video", {"prompt": job_id}), JobState.PENDING, estimate)


async def submitting(book: JobBook, *jobs: TrackedJob) -> None:
    """Each of ``jobs`` handed over, its POST about to go out."""
    for one in jobs:
        book.take(one)
        await book.record(one, Event.SUBMITTING, JobState.SUBMITTING)


async def test_a_forbidden_transition_is_a_bug_and_writes_nothing(tmp_path):
    async with Ledger(tmp_path / "l.jsonl", clock=FakeClock()) as ledger:
        book = JobBook([j := job()], ledger)
        with pytest.raises(TransitionError, match="from pending to completed"):
            await book.record(j, Event.COMPLETED, JobState.COMPLETED)
    assert read_ledger(tmp_path / "l.jsonl").lines == 0
    assert j.state is JobState.PENDING


async def test_finish_frees_the_slot_and_settles_spend_exactly_once(tmp_path):
    async with Ledger(tmp_path / "l.jsonl", clock=FakeClock()) as ledger:
        a, b = job("a"), job("b", 0.56)
        book = JobBook([a, b], ledger)
        book.take(a)
        book.take(b)
        assert book.in_flight == 2 and book.committed == pytest.approx(0.84)
        await book.record(a, Event.SUBMITTING, JobState.SUBMITTING)
        await book.finish(a, Event.FAILED, JobState.FAILED, error={"detail": "no"})
        await book.finish(a, Event.FAILED, JobState.FAILED, error={"detail": "no"})  # idempotent
        assert book.in_flight == 1 and book.committed == pytest.approx(0.56)  # a failed job is not charged
        await book.record(b, Event.SUBMITTING, JobState.SUBMITTING)
        await book.record(b, Event.SUBMITTED, JobState.SUBMITTED)
        b.cost = 0.5
        await book.record(b, Event.RESULT, JobState.DOWNLOADING)
        assert book.committed == pytest.approx(0.5)  # the actual cost replaces the estimate
        await book.finish(b, Event.COMPLETED, JobState.COMPLETED)
        assert book.in_flight == 0 and book.committed == pytest.approx(0.5) and book.spend == pytest.approx(0.5)
        book.take(a)
        with pytest.raises(TransitionError, match="took a slot twice"):
            book.take(a)
    events = [line for line in (tmp_path / "l.jsonl").read_text().splitlines() if '"failed"' in line]
    assert len(events) == 1


async def test_an_unsent_job_gives_its_slot_back_and_a_waiter_wakes(tmp_path):
    async with Ledger(tmp_path / "l.jsonl", clock=FakeClock()) as ledger:
        a = job()
        book = JobBook([a], ledger)
        book.take(a)
        woke = []

        async def wait_for_room() -> None:
            await book.until(lambda: book.in_flight == 0)
            woke.append(True)

        async with anyio.create_task_group() as tg:
            tg.start_soon(wait_for_room)
            await anyio.wait_all_tasks_blocked()
            assert woke == []
            book.drop(a)
        assert woke == [True] and book.committed == 0.0 and a.state is JobState.PENDING


async def test_adopted_jobs_count_what_they_may_have_cost(tmp_path):
    async with Ledger(tmp_path / "l.jsonl", clock=FakeClock()) as ledger:
        done, flying, failed = job("done"), job("flying"), job("failed")
        done.cost = 0.3
        book = JobBook([done, flying, failed], ledger)
        book.adopt(done, JobState.COMPLETED, in_flight=False)
        book.adopt(flying, JobState.SUBMITTED, in_flight=True)
        book.adopt(failed, JobState.FAILED, in_flight=False)
        assert book.in_flight == 1 and book.committed == pytest.approx(0.3 + 0.28)
    assert read_ledger(tmp_path / "l.jsonl").lines == 0  # adopting writes nothing


async def test_a_job_completed_without_a_known_cost_counts_its_estimate(tmp_path):
    # the API told no cost for it: it was paid all the same, so the spend cap counts its estimate
    async with Ledger(tmp_path / "l.jsonl", clock=FakeClock()) as ledger:
        done, again = job("done"), job("again")
        book = JobBook([done, again], ledger)
        book.adopt(done, JobState.COMPLETED, in_flight=False)
        assert book.committed == pytest.approx(0.28)
        book.take(again)
        await book.record(again, Event.SUBMITTING, JobState.SUBMITTING)
        await book.record(again, Event.SUBMITTED, JobState.SUBMITTED)
        await book.record(again, Event.RESULT, JobState.DOWNLOADING)
        await book.finish(again, Event.COMPLETED, JobState.COMPLETED)
        assert book.committed == pytest.approx(0.56)


async def test_what_a_job_holds_follows_what_it_may_have_cost(tmp_path):
    async with Ledger(tmp_path / "l.jsonl", clock=FakeClock()) as ledger:
        a, free = job("a"), job("free", estimate=None)  # type: ignore[arg-type]
        book = JobBook([a, free], ledger)
        book.take(free)
        assert book.committed == 0.0  # a job without an estimate counts nothing
        await book.finish(free, Event.SUBMIT_POSTPONED, JobState.PENDING)
        assert free.holds_slot is False and book.in_flight == 0
        a.cost = 0.9  # charged, then the job ended otherwise: what was charged still counts
        book.take(a)
        await book.record(a, Event.SUBMITTING, JobState.SUBMITTING)
        await book.finish(a, Event.FAILED, JobState.FAILED)
        assert book.committed == pytest.approx(0.9)
        b, c = job("b"), job("c")
        book = JobBook([b, c], ledger)
        book.adopt(b, JobState.SUBMITTED, in_flight=True)
        book.adopt(c, JobState.DOWNLOADING, in_flight=True)
        book.adopt(c, JobState.DOWNLOADING, in_flight=True)  # adopting twice takes one slot
        assert book.in_flight == 2 and book.committed == pytest.approx(0.56)
        d = job("d")
        book.adopt(d, JobState.DEFERRED, in_flight=False)
        assert book.committed == pytest.approx(0.56) and d.state is JobState.DEFERRED


async def test_ledger_lines_keep_text_as_written_and_refuse_nan(tmp_path):
    async with Ledger(tmp_path / "l.jsonl", clock=FakeClock()) as ledger:
        await ledger.append("a", "submitting", JobState.SUBMITTING, params={"prompt": "café 🎬"})
        with pytest.raises(ValueError, match="JSON compliant"):
            await ledger.append("b", "submitting", JobState.SUBMITTING, params={"cfg_scale": float("nan")})
    raw = (tmp_path / "l.jsonl").read_text(encoding="utf-8")
    assert "café 🎬" in raw and '"job_id":"a"' in raw and raw.count("\n") == 1


async def test_record_writes_the_jobs_model_request_and_fields_then_moves_it(tmp_path):
    seen: list[tuple[str, str, JobState]] = []
    async with Ledger(tmp_path / "l.jsonl", clock=FakeClock()) as ledger:
        a = job()
        book = JobBook([a], ledger, on_event=lambda event, j: seen.append((event, j.spec.id, j.state)))
        await book.record(a, Event.SUBMITTING, JobState.SUBMITTING, params={"prompt": "a"})
        a.request_id = "r1"
        await book.finish(a, Event.FAILED, JobState.FAILED, error={"http": 422, "detail": "bad prompt"})
    lines = [json.loads(raw) for raw in (tmp_path / "l.jsonl").read_text().splitlines()]
    assert [{k: v for k, v in line.items() if k != "ts"} for line in lines] == [
        {"v": 1, "job_id": "a", "event": "submitting", "state": "submitting", "model": "kling-text2video",
         "params": {"prompt": "a"}},
        {"v": 1, "job_id": "a", "event": "failed", "state": "failed", "model": "kling-text2video",
         "request_id": "r1", "error": {"http": 422, "detail": "bad prompt"}},
    ]  # fmt: skip
    assert a.state is JobState.FAILED and a.error == "HTTP 422: bad prompt"
    assert seen == [("submitting", "a", JobState.SUBMITTING), ("failed", "a", JobState.FAILED)]


async def test_a_line_without_an_error_keeps_the_jobs_error_text(tmp_path):
    async with Ledger(tmp_path / "l.jsonl", clock=FakeClock()) as ledger:
        a = job()
        book = JobBook([a], ledger)
        await book.record(a, Event.DEFERRED, JobState.DEFERRED, error="the spend cap is reached")
        assert a.error == "the spend cap is reached"
        await book.record(a, Event.DEFERRED, JobState.DEFERRED)
        assert a.error == "the spend cap is reached"


async def test_a_reason_an_earlier_run_recorded_is_this_runs_once_this_run_writes_a_line_of_the_job(tmp_path):
    # the summary tells an earlier run's reason apart (with when it was recorded): once this run writes a line of
    # the job, even one that keeps the reason, the reason is what this run found
    async with Ledger(tmp_path / "l.jsonl", clock=FakeClock()) as ledger:
        a = job()
        book = JobBook([a], ledger)
        a.error, a.error_at = "the history could not be read", "2026-01-01T00:00:00.000Z"
        book.adopt(a, JobState.SUBMITTING, in_flight=True)
        await book.record(a, Event.SETTLE_LATER, JobState.SUBMITTING)
        assert a.error == "the history could not be read"
        assert a.error_at is None


async def test_a_recorded_state_holds_the_estimate_only_while_the_job_may_be_charged(tmp_path):
    async with Ledger(tmp_path / "l.jsonl", clock=FakeClock()) as ledger:
        a, b, free = job("a"), job("b"), job("free", estimate=None)  # type: ignore[arg-type]
        book = JobBook([a, b, free], ledger)
        await book.record(a, Event.DEFERRED, JobState.DEFERRED)  # not sent: holds nothing
        assert book.committed == 0.0 and a.held == 0.0
        await book.record(a, Event.SUBMITTING, JobState.SUBMITTING)  # may be charged: holds its estimate
        assert book.committed == pytest.approx(0.28) and a.held == pytest.approx(0.28)
        await book.record(free, Event.SUBMITTING, JobState.SUBMITTING)  # no estimate: holds nothing
        assert book.committed == pytest.approx(0.28) and free.held == 0.0
        b.cost = 0.4  # a cost reported earlier counts in any state
        await book.record(b, Event.DEFERRED, JobState.DEFERRED)
        assert book.committed == pytest.approx(0.68) and b.held == pytest.approx(0.4)


async def test_an_adopted_job_without_an_estimate_holds_nothing(tmp_path):
    async with Ledger(tmp_path / "l.jsonl", clock=FakeClock()) as ledger:
        free = job("free", estimate=None)  # type: ignore[arg-type]
        book = JobBook([free], ledger)
        book.adopt(free, JobState.SUBMITTED, in_flight=True)
        assert book.committed == 0.0 and book.in_flight == 1


async def test_spend_counted_beyond_the_live_jobs_adds_up(tmp_path):
    async with Ledger(tmp_path / "l.jsonl", clock=FakeClock()) as ledger:
        a = job()
        book = JobBook([a], ledger)
        book.take(a)
        book.count_spent(1.0)
        book.count_spent(0.5)
        assert book.committed == pytest.approx(1.78)
        assert repr(book) == "JobBook(jobs=1, in_flight=1, committed=$1.78)"


async def test_an_adopted_job_that_was_charged_counts_its_cost_whatever_state_it_ended_in(tmp_path):
    """A job the ledger left failed (or deferred) after the API reported a cost: that cost was paid and
    counts towards the spend cap when a later run adopts it."""
    async with Ledger(tmp_path / "l.jsonl", clock=FakeClock()) as ledger:
        failed, deferred = job("failed"), job("deferred")
        failed.cost, deferred.cost = 0.4, 0.3
        book = JobBook([failed, deferred], ledger)
        book.adopt(failed, JobState.FAILED, in_flight=False)
        book.adopt(deferred, JobState.DEFERRED, in_flight=False)
        assert book.committed == pytest.approx(0.7)


async def test_a_line_that_could_not_be_written_leaves_the_job_as_it_was():
    """Record, then act: when the ledger cannot take the line, the job does not move (nor hold more)."""
    from batchgen.errors import StorageError

    class FullDisk:
        async def append(self, *args: object, **fields: object) -> None:
            raise StorageError("no space left on device")

    a = job()
    book = JobBook([a], FullDisk())  # type: ignore[arg-type]
    with pytest.raises(StorageError):
        await book.record(a, Event.SUBMITTING, JobState.SUBMITTING)
    assert a.state is JobState.PENDING and book.committed == 0.0


async def test_the_spend_counts_every_charge_the_api_reported_not_only_videos_in_place(tmp_path):
    """A job's charge counts from the moment its result reports it: while its video downloads, and when the
    download failed for good (it was paid for all the same); a job made again adds what its first request
    cost.  A job never charged counts nothing."""
    async with Ledger(tmp_path / "l.jsonl", clock=FakeClock()) as ledger:
        a, b, c = job("a"), job("b"), job("c")
        c.paid_before = 0.28  # its first request was lost after it was charged
        book = JobBook([a, b, c], ledger)
        for j in (a, b):
            book.take(j)
            await book.record(j, Event.SUBMITTING, JobState.SUBMITTING)
            await book.record(j, Event.SUBMITTED, JobState.SUBMITTED)
            j.cost = 0.5
            await book.record(j, Event.RESULT, JobState.DOWNLOADING)
        assert book.spend == pytest.approx(1.28)  # both charged, neither video in place yet
        await book.finish(a, Event.COMPLETED, JobState.COMPLETED)
        await book.finish(b, Event.EXPIRED, JobState.EXPIRED, error={"detail": "the video could not be had"})
        assert book.spend == pytest.approx(1.28)


async def test_a_line_that_clears_the_error_clears_the_reason_the_summary_gives(tmp_path):
    # a submit of unknown outcome found in the history: its 'reconciled' line says the error is over
    async with Ledger(tmp_path / "l.jsonl", clock=FakeClock()) as ledger:
        book = JobBook([j := job()], ledger)
        await book.record(j, Event.SUBMITTING, JobState.SUBMITTING)
        await book.record(j, Event.SUBMIT_UNKNOWN, JobState.SUBMITTING, error={"http": 502, "detail": "bad gateway"})
        assert j.error == "HTTP 502: bad gateway"
        await book.record(j, Event.RECONCILED, JobState.SUBMITTING, error=None)
        assert j.error is None


async def test_a_job_left_for_a_later_run_while_it_may_be_charged_keeps_its_estimate_against_the_cap(tmp_path):
    """A submit of unknown outcome left for later (or a job left submitted) may yet be charged: freeing its slot
    does not free its estimate, or the jobs after it could take the folder past the spend cap."""
    async with Ledger(tmp_path / "l.jsonl", clock=FakeClock()) as ledger:
        a, b = job("a"), job("b")
        book = JobBook([a, b], ledger)
        await submitting(book, a, b)
        await book.finish(a, Event.SETTLE_LATER, JobState.SUBMITTING, error={"detail": "run again later"})
        await book.record(b, Event.SUBMITTED, JobState.SUBMITTED)
        await book.finish(b, Event.UNREACHABLE, JobState.SUBMITTED, error={"detail": "run again later"})
        assert book.in_flight == 0 and book.committed == pytest.approx(0.56)


async def test_a_lost_job_whose_cost_was_never_reported_keeps_its_estimate_against_the_cap_made_anew_or_not(tmp_path):
    # its record died before it finished: it may finish on the server, and be charged, all the same
    async with Ledger(tmp_path / "l.jsonl", clock=FakeClock()) as ledger:
        lost, known = job("lost"), job("known")
        book = JobBook([lost, known], ledger)
        await submitting(book, lost, known)
        for j in (lost, known):
            j.request_id = f"r-{j.spec.id}"
            await book.record(j, Event.SUBMITTED, JobState.SUBMITTED)
        known.cost = 0.2  # (a history row reported it)
        await book.finish(lost, Event.EXPIRED, JobState.EXPIRED, error={"http": 404, "detail": "gone"})
        await book.finish(known, Event.EXPIRED, JobState.EXPIRED, error={"http": 404, "detail": "gone"})
        assert book.committed == pytest.approx(0.28 + 0.2)
        book.remake(lost)  # made anew (--resubmit-lost): the lost request still counts, at its estimate
        book.remake(known)
        assert book.committed == pytest.approx(0.28 + 0.2) and lost.paid_before == 0.0 and known.paid_before == 0.2
        await book.record(lost, Event.SUBMITTING, JobState.SUBMITTING)
        assert book.committed == pytest.approx(0.56 + 0.2)  # and the new request at its own
        adopted = job("adopted")
        JobBook([adopted], ledger).adopt(adopted, JobState.EXPIRED, in_flight=False)
        assert adopted.held == pytest.approx(0.28)  # the next run counts it too
