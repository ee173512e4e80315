"""The submit stage's promises at the unit level: never more in flight than allowed, never past the spend cap,
nothing sent after a stop, a lost video made again only when asked (and its first cost remembered), and the
balance warning; against a scripted API on a fake clock."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import pytest

from batchgen.api.answers import Credits, HistoryRow, Submitted
from batchgen.clock import iso_utc, parse_time
from batchgen.config import LimitSettings, RetrySettings, Settings
from batchgen.engine.identity import fingerprint
from batchgen.engine.messages import Lost
from batchgen.engine.outliving import Outliving
from batchgen.engine.submitter import Submitter
from batchgen.errors import (
    AmbiguousSubmit,
    ApiError,
    AuthError,
    InsufficientCredits,
    NetworkError,
    NotTheApi,
    RateLimited,
    RequestRejected,
)
from batchgen.jobs import Event, JobSpec, JobState, StopReason, TrackedJob
from tests.engine.doubles import MODEL, Kit, MemoryLedger, ScriptedApi, kit, pending, row_for, submitter
from tests.helpers import Outbox


def limited(*, concurrency: int = 8, cap: float | None = None) -> Settings:
    return Settings(
        limits=LimitSettings(max_spend_usd=cap, concurrency=concurrency),
        retry=RetrySettings(max_attempts=3, backoff_initial_s=1.0, backoff_max_s=4.0),
    )


def drained(receive: anyio.abc.ObjectReceiveStream[TrackedJob]) -> list[str]:
    handed: list[str] = []
    while True:
        try:
            handed.append(receive.receive_nowait().spec.id)  # type: ignore[attr-defined]
        except (anyio.WouldBlock, anyio.EndOfStream):
            return handed


async def feed_all(k: Kit, jobs: list[TrackedJob]) -> list[str]:
    """The feeder on ``jobs``, each job it hands over charged its estimate at once (the API said what it cost):
    none gives its estimate back, so a job the spend cap refuses is deferred then and there."""
    stage, _ = submitter(k)
    send, receive = anyio.create_memory_object_stream[TrackedJob](len(jobs) + 1)
    handed: list[str] = []
    with receive:
        async with anyio.create_task_group() as tg:
            tg.start_soon(stage.feed, send, jobs)
            await anyio.wait_all_tasks_blocked()
            while not stage.fed_all:
                for job_id in drained(receive):
                    job = next(job for job in jobs if job.spec.id == job_id)
                    job.cost = job.estimate or 0.0
                    handed.append(job_id)
                k.book.wake()
                await anyio.wait_all_tasks_blocked()
        assert stage.fed_all  # the run waits for this before it can end
        return handed + drained(receive)


async def test_the_feeder_never_lets_more_jobs_in_flight_than_the_concurrency():
    jobs = [pending(name) for name in "abcd"]
    k = kit(ScriptedApi(), jobs, settings=limited(concurrency=2))
    stage, _ = submitter(k)
    send, receive = anyio.create_memory_object_stream[TrackedJob](8)
    handed: list[str] = []
    with receive:
        async with anyio.create_task_group() as tg:
            tg.start_soon(stage.feed, send, jobs)
            await anyio.wait_all_tasks_blocked()
            handed += drained(receive)
            assert handed == ["a", "b"] and k.book.in_flight == 2 and not stage.fed_all
            k.book.drop(jobs[0])  # a slot frees
            await anyio.wait_all_tasks_blocked()
            handed += drained(receive)
            assert handed == ["a", "b", "c"] and k.book.in_flight == 2
            k.book.drop(jobs[1])
            k.book.drop(jobs[2])
        handed += drained(receive)
    assert handed == ["a", "b", "c", "d"] and stage.fed_all


def two_unknown_then_one() -> tuple[list[TrackedJob], Kit]:
    """Jobs a, b and c on one slot: a's and b's submits come back of unknown outcome, c's is answered."""
    jobs = [pending(name, prompt=name) for name in "abc"]
    unknown = AmbiguousSubmit("no answer after sending")
    return jobs, kit(ScriptedApi(submits=[unknown, unknown, "r-c"]), jobs, settings=limited(concurrency=1))


@asynccontextmanager
async def feeding(k: Kit, jobs: list[TrackedJob]) -> AsyncIterator[Outbox]:
    """The feeder and the submitters on ``jobs``, as the run starts them; they run to their end on leaving."""
    stage, tracked = submitter(k)
    send, receive = anyio.create_memory_object_stream[TrackedJob](0)
    async with k.clock.autojump(), anyio.create_task_group() as tg:
        tg.start_soon(stage.feed, send, jobs)
        for _ in range(k.settings.limits.concurrency + 1):  # one submitter more than the slots
            tg.start_soon(stage.loop, receive.clone())
        receive.close()
        yield tracked


async def test_with_every_slot_held_by_submits_of_unknown_outcome_one_job_is_sent_beside_them_never_two():
    # Only a request sent after an unknown submit, listed, can show the history caught up with it; with
    # its one slot held while it is looked up, nothing would be sent.  The job sent beside it errs too:
    # no third is sent however each ends (a server erring on every submit would have them all sent).
    jobs, k = two_unknown_then_one()
    async with feeding(k, jobs) as tracked:
        await k.clock.sleep(200.0)  # both look-ups are waiting for the history to catch up
        assert [body["prompt"] for body in k.api.posted] == ["a", "b"] and k.book.in_flight == 2
    # a and b were left for a later run (the history never listed anything), and c sent once they were
    assert [job.state for job in jobs] == [JobState.SUBMITTING, JobState.SUBMITTING, JobState.SUBMITTED]
    assert k.ledger.events("a")[-1] == "settle_later" and k.ledger.events("b")[-1] == "settle_later"
    assert [job.spec.id for job in tracked.sent] == ["c"]


async def test_a_stop_while_the_feeder_waits_for_a_slot_defers_every_job_left():
    jobs = [pending(name) for name in "abcd"]
    k = kit(ScriptedApi(), jobs, settings=limited(concurrency=1))
    stage, _ = submitter(k)
    send, receive = anyio.create_memory_object_stream[TrackedJob](8)
    with receive:
        async with anyio.create_task_group() as tg:
            tg.start_soon(stage.feed, send, jobs)
            await anyio.wait_all_tasks_blocked()
            k.control.credit_stop(InsufficientCredits("HTTP 406", detail="Insufficient credits: balance is 0.10"))
            k.book.wake()
        assert drained(receive) == ["a"]
    for name in "bcd":
        assert k.ledger.events(name) == ["deferred"]
    assert {j.error for j in jobs[1:]} == {"Insufficient credits: balance is 0.10"}
    assert stage.fed_all


@pytest.mark.parametrize(
    ("reason", "detail", "events", "error"),
    [
        (StopReason.CREDITS, None, ["deferred"], "submission stopped"),
        (StopReason.CREDITS, "Insufficient credits", ["deferred"], "Insufficient credits"),
        (StopReason.INTERRUPTED, None, [], None),  # a signal leaves what was not sent as it was
    ],
)
async def test_jobs_fed_after_a_stop_are_never_sent_and_say_why(reason, detail, events, error):
    jobs = [pending(name) for name in "abc"]
    k = kit(ScriptedApi(), jobs)
    k.control.request_stop(reason)
    k.report.stop_detail = detail
    assert await feed_all(k, jobs) == []
    for tracked in jobs:
        assert k.ledger.events(tracked.spec.id) == events and tracked.error == error
    assert k.book.in_flight == 0 and k.api.posted == []


async def test_the_spend_cap_admits_jobs_up_to_it_exactly_and_a_cheaper_job_after_a_refused_one():
    jobs = [pending("a", estimate=0.25), pending("b", estimate=0.5), pending("c", estimate=0.25)]
    k = kit(ScriptedApi(), jobs, settings=limited(cap=0.5))
    assert await feed_all(k, jobs) == ["a", "c"]  # $0.25 + $0.25 is the cap itself: allowed
    assert k.ledger.events("b") == ["deferred"]
    assert jobs[1].error == "the estimated spend would pass the cap of $0.50"
    assert k.report.stop_reason is StopReason.SPEND_CAP


async def test_a_job_the_cap_refuses_waits_for_the_jobs_in_flight_and_is_sent_once_one_fails():
    # a and b are in flight, each holding its $0.28 estimate; c would pass the $0.6 cap.  b then fails (its
    # estimate given back): c fits.  Deferred at once, it was left unsent by a cap with room for it, and the
    # summary said "the same cap stops here again" of a cap that sent it on the next run.
    jobs = [pending("a"), pending("b"), pending("c")]
    k = kit(ScriptedApi(), jobs, settings=limited(cap=0.6))
    stage, _ = submitter(k)
    send, receive = anyio.create_memory_object_stream[TrackedJob](8)
    with receive:
        async with anyio.create_task_group() as tg:
            tg.start_soon(stage.feed, send, jobs)
            await anyio.wait_all_tasks_blocked()
            assert drained(receive) == ["a", "b"] and not stage.fed_all
            for job in jobs[:2]:
                job.request_id = f"r-{job.spec.id}"
                await k.book.record(job, Event.SUBMITTING, JobState.SUBMITTING)
                await k.book.record(job, Event.SUBMITTED, JobState.SUBMITTED)
            await anyio.wait_all_tasks_blocked()
            assert not stage.fed_all and k.ledger.events("c") == []  # c waits: a or b may yet fail
            await k.book.finish(jobs[1], Event.FAILED, JobState.FAILED, error={"detail": "model error"})
            await anyio.wait_all_tasks_blocked()
            assert drained(receive) == ["c"] and stage.fed_all
    assert k.report.stop_reason is None and k.book.committed == pytest.approx(0.56)


async def test_a_job_the_cap_refuses_is_deferred_once_no_job_in_flight_may_give_its_estimate_back():
    jobs = [pending("a"), pending("b")]
    k = kit(ScriptedApi(), jobs, settings=limited(cap=0.5))
    stage, _ = submitter(k)
    send, receive = anyio.create_memory_object_stream[TrackedJob](8)
    with receive:
        async with anyio.create_task_group() as tg:
            tg.start_soon(stage.feed, send, jobs)
            await anyio.wait_all_tasks_blocked()
            assert drained(receive) == ["a"]
            a = jobs[0]
            a.request_id = "r-a"
            await k.book.record(a, Event.SUBMITTING, JobState.SUBMITTING)
            await k.book.record(a, Event.SUBMITTED, JobState.SUBMITTED)
            await anyio.wait_all_tasks_blocked()
            assert k.ledger.events("b") == []
            a.cost = 0.28  # its result says what it cost: it gives nothing back, and the line says so at once
            await k.book.record(a, Event.RESULT, JobState.DOWNLOADING)  # (not once its video is fetched)
            await anyio.wait_all_tasks_blocked()
            assert k.ledger.events("b") == ["deferred"] and stage.fed_all
    assert k.report.stop_reason is StopReason.SPEND_CAP


async def test_the_spend_cap_forgives_float_sums_and_a_job_of_unknown_price_costs_nothing_in_advance():
    jobs = [pending("a", estimate=0.1), pending("b", estimate=0.1), pending("c", estimate=0.1)]
    unknown = pending("d")
    unknown.estimate = None
    k = kit(ScriptedApi(), [*jobs, unknown], settings=limited(cap=0.3))
    assert await feed_all(k, [*jobs, unknown]) == ["a", "b", "c", "d"]  # 0.1 + 0.1 + 0.1 > 0.3 in floats
    assert k.report.stop_reason is None


async def test_a_credit_stop_keeps_an_earlier_spend_cap_as_the_reason():
    jobs = [pending("a", estimate=0.5), pending("b", estimate=0.5)]
    k = kit(ScriptedApi(), jobs, settings=limited(cap=0.6))
    k.report.stop_reason = StopReason.CREDITS
    await feed_all(k, jobs)
    assert k.report.stop_reason is StopReason.CREDITS


# ---------------------------------------------------------------------- lost videos


def lost_one(submits: list[object]) -> tuple[Kit, TrackedJob]:
    job = pending()
    k = kit(ScriptedApi(submits=submits), [job])
    job.request_id, job.cost, job.output_url = "r-old", 0.28, "http://127.0.0.1:9/old.mp4"
    k.book.adopt(job, JobState.DOWNLOADING, in_flight=True)
    return k, job


async def test_a_lost_video_is_left_expired_without_resubmit_lost():
    k, job = lost_one(["never"])
    stage, tracked = submitter(k, resubmit_lost=False)
    await stage.expire(job, "the record is gone")
    assert k.ledger.lines[-1][1:] == ("expired", "expired", {
        "model": MODEL, "request_id": "r-old", "error": {"http": 404, "detail": "the record is gone"}})  # fmt: skip
    assert k.api.posted == [] and tracked.sent == [] and k.book.in_flight == 0


async def test_a_lost_video_is_made_again_with_resubmit_lost_and_its_first_cost_is_kept():
    k, job = lost_one(["r-new"])
    stage, tracked = submitter(k, resubmit_lost=True)
    async with k.clock.autojump():
        await stage.expire(job, "output gone", event=Event.LOST, http=None)
    assert k.ledger.events() == ["lost", "submitting", "submitted"]
    assert k.ledger.lines[0][3]["error"] == {"detail": "output gone"}
    assert k.ledger.lines[1][3]["paid_before"] == 0.28  # what the first attempt cost, carried forward
    assert job.request_id == "r-new" and job.cost is None and job.output_url is None
    assert len(k.api.posted) == 1 and tracked.sent == [job] and k.book.in_flight == 1
    # the spend cap counts both: the $0.28 paid for the lost video, and the new request's estimate
    assert k.book.committed == pytest.approx(0.28 + (job.estimate or 0.0))


async def test_a_lost_video_is_not_made_again_once_submission_has_stopped():
    k, job = lost_one(["never"])
    stage, _ = submitter(k, resubmit_lost=True)
    k.control.request_stop(StopReason.CREDITS)
    await stage.expire(job, "gone")
    assert k.ledger.events() == ["expired"] and k.api.posted == [] and job.state is JobState.EXPIRED


async def test_lost_news_is_acted_on_for_each_job_the_stream_brings():
    k, job = lost_one(["r-1", "r-2"])
    other = pending("o")
    other.request_id = "r-o"
    k.book.jobs.append(other)
    k.book.adopt(other, JobState.SUBMITTED, in_flight=True)
    stage, tracked = submitter(k, resubmit_lost=True)
    send, receive = anyio.create_memory_object_stream[Lost](4)
    async with send:
        await send.send(Lost(job, "gone", event=Event.LOST, http=None))
        await send.send(Lost(other, "record expired"))
    async with k.clock.autojump():
        await stage.take_lost(receive)
    assert k.ledger.events() == ["lost", "submitting", "submitted"]
    assert k.ledger.events("o") == ["expired", "submitting", "submitted"]
    assert [line[3]["error"] for line in k.ledger.lines if line[1] in ("lost", "expired")] == [
        {"detail": "gone"},
        {"http": 404, "detail": "record expired"},
    ]
    assert {job.request_id, other.request_id} == {"r-1", "r-2"} and len(tracked.sent) == 2


# ---------------------------------------------------------------------- before and after


async def test_preflight_warns_when_the_balance_will_not_cover_the_batch(caplog):
    jobs = [pending("a"), pending("b")]
    k = kit(ScriptedApi(balance=0.5), jobs)
    stage, _ = submitter(k)
    with caplog.at_level(logging.WARNING, logger="batchgen"):
        await stage.preflight(jobs)
    message = (
        "the balance ($0.50) will not cover the estimated $0.56 for 2 jobs; the run will stop submitting "
        "when credits run out (exit 3)"
    )
    assert k.report.balance == 0.5 and k.report.warnings == [message]
    assert [r.getMessage() for r in caplog.records] == [f"warning: {message}"]
    covered = kit(ScriptedApi(balance=0.56), jobs)
    stage, _ = submitter(covered)
    await stage.preflight(jobs)
    assert covered.report.balance == 0.56 and covered.report.warnings == []


class _FreeCredits(ScriptedApi):
    async def credits(self) -> Credits:
        return Credits(0.26, 0.30)  # paid and free credits: the API spends both


async def test_preflight_counts_the_free_credits_with_the_paid_ones():
    jobs = [pending("a"), pending("b")]
    k = kit(_FreeCredits(), jobs)
    stage, _ = submitter(k)
    await stage.preflight(jobs)
    assert k.report.balance == pytest.approx(0.56) and k.report.warnings == []


async def test_preflight_goes_on_without_a_balance_but_not_without_a_valid_key():
    class NoBalance(ScriptedApi):
        def __init__(self, error: Exception) -> None:
            super().__init__()
            self.error = error

        async def credits(self) -> Credits:
            raise self.error

    k = kit(NoBalance(ApiError("HTTP 502")), [pending()])
    stage, _ = submitter(k)
    async with k.clock.autojump():
        await stage.preflight([pending()])
    assert k.report.balance is None and k.report.warnings == []
    k = kit(NoBalance(AuthError("HTTP 401: bad key")), [pending()])
    stage, _ = submitter(k)
    with pytest.raises(AuthError):
        await stage.preflight([pending()])


@pytest.mark.parametrize("sent_before", [30.0, None])
async def test_a_job_left_submitting_is_attached_to_what_the_history_shows_never_sent_again(sent_before):
    job = pending()
    k = kit(ScriptedApi(submits=["never"]), [job])
    sent = k.clock.epoch() - (sent_before or 0.0)
    job.submitted_epoch = sent if sent_before is not None else None  # when the earlier run sent it, if known
    k.api.rows = [row_for(job, "made-before", sent + 1)]
    k.book.adopt(job, JobState.SUBMITTING, in_flight=True)
    stage, tracked = submitter(k)
    async with k.clock.autojump():
        await stage.settle_resumed(job)
    assert k.ledger.events() == ["reconciled", "submitted"] and k.api.posted == []
    assert job.request_id == "made-before" and tracked.sent == [job]
    assert job.submitted_epoch == sent and k.ledger.lines[-1][3]["submitted_at"] == iso_utc(sent)
    # found in the history, it may have been made by an earlier POST: when is not known, only that it exists
    assert job.sent_at is None and job.made_by == k.clock.now()
    assert (k.report.submitted, k.report.reattached) == (0, 1)  # the summary: not "submitted now"


@pytest.mark.parametrize("other_sent_after", [3.0, 60.0])
async def test_a_job_left_submitting_counts_only_requests_sent_once_its_post_was_given_up_as_proof(other_sent_after):
    """An earlier run's submit left 'submitting' (killed mid-POST), its row not yet listed (a history that
    lags).  Its time is its ledger line's stamp, less a few seconds' slack: a submit that run sent 3 s later
    may have gone out before it, or been made first, and proves nothing (it was taken for proof the history
    had caught up, and the job was made again).  One sent after the POST was given up (the request timeout)
    does: the job is made."""
    job = pending()
    k = kit(ScriptedApi(submits=["again"]), [job])
    since = k.clock.epoch() - 300.0
    job.submitted_epoch = since
    other = pending()
    k.api.rows = [row_for(other, "other", since + other_sent_after)]
    k.reconciler.note_submitted(
        "other", since + other_sent_after, posted=since + other_sent_after, model="kling-text2video"
    )
    k.book.adopt(job, JobState.SUBMITTING, in_flight=True)
    stage, _ = submitter(k)
    async with k.clock.autojump():
        await stage.settle_resumed(job)
    if other_sent_after < 30.0:
        assert k.api.posted == [] and k.ledger.events()[-1] == "settle_later"
    else:
        assert len(k.api.posted) == 1 and "reconciled_absent" in k.ledger.events()


async def test_a_submitted_job_carries_when_its_post_was_sent_and_when_its_answer_came():
    job = pending()
    k = kit(ScriptedApi(submits=["r1"]), [job])

    class Slow(ScriptedApi):
        async def submit(self, model: str, params: Any) -> Submitted:
            await k.clock.sleep(3.0)  # the answer takes 3 s
            return await super().submit(model, params)

    k.api.__class__ = Slow
    k.clock.advance(10.0)
    stage, _ = submitter(k)
    k.book.take(job)
    async with k.clock.autojump():
        await stage.submit(job)
    assert job.request_id == "r1"
    assert job.sent_at == pytest.approx(10.0, abs=0.05) and job.made_by == pytest.approx(13.0, abs=0.05)
    assert k.reconciler._made_by["r1"] == pytest.approx(k.clock.epoch(), abs=0.05)  # the answer's time, as epoch
    # the POST's own time, as epoch: answers that come back out of order never make a listing look out of it
    assert k.reconciler._sent_from["r1"] == pytest.approx(k.clock.epoch() - 3.0, abs=0.05)


async def test_the_submit_loop_sends_every_job_its_stream_brings():
    jobs = [pending("a"), pending("b")]
    k = kit(ScriptedApi(submits=["r-a", "r-b"]), jobs)
    stage, tracked = submitter(k)
    send, receive = anyio.create_memory_object_stream[TrackedJob](4)
    async with send:
        for tracked_job in jobs:
            k.book.take(tracked_job)
            await send.send(tracked_job)
    async with k.clock.autojump():
        await stage.loop(receive)
    assert [j.request_id for j in jobs] == ["r-a", "r-b"] and tracked.sent == jobs


# ---------------------------------------------------------------------- one submit


async def submit(api: ScriptedApi, job: TrackedJob | None = None) -> tuple[Kit, TrackedJob, Outbox]:
    job = job or pending()
    k = kit(api, [job])
    stage, tracked = submitter(k)
    k.book.take(job)
    async with k.clock.autojump():
        await stage.submit(job)
    return k, job, tracked


async def test_the_submitting_line_records_what_is_sent_and_what_earlier_attempts_paid():
    job = pending()
    job.paid_before, job.ended_requests = 0.28, ["r0"]  # made again: its earlier request ended
    job.unreported_before = 0.56  # ... and two before it were lost with no charge reported
    k, _, _ = await submit(ScriptedApi(submits=["r1"]), job)
    (_, event, state, fields), _ = k.ledger.lines
    assert (event, state) == ("submitting", "submitting")
    assert fields == {
        "model": MODEL,
        "request_id": None,
        "params": {"prompt": "a fox", "duration": 5},
        "fingerprint": fingerprint(MODEL, {"prompt": "a fox", "duration": 5}),
        "paid_before": 0.28,
        "unreported_before": 0.56,  # (a later run counts them against the spend cap)
        "ended_requests": ["r0"],  # never taken for this attempt's row by a later run's look-up
        "posting_at": iso_utc(k.clock.epoch()),  # written as its POST went out
    }
    assert k.api.posted == [{"prompt": "a fox", "duration": 5}]
    k, _, _ = await submit(ScriptedApi(submits=["r1"]))
    fields = k.ledger.lines[0][3]
    assert fields["paid_before"] is None and fields["ended_requests"] is None  # nothing before: no field
    assert "unreported_before" not in fields


# a stop, and what a job stopped with nothing sent becomes: deferred by a 406, pending again when interrupted
STOPS = pytest.mark.parametrize(
    ("reason", "event", "state"),
    [
        (StopReason.CREDITS, "deferred", JobState.DEFERRED),
        (StopReason.INTERRUPTED, "submit_postponed", JobState.PENDING),
    ],
)


@STOPS
async def test_a_stop_while_a_submit_waits_for_its_turn_sends_nothing_and_says_why(reason, event, state):
    job = pending()
    k = kit(ScriptedApi(submits=[RateLimited("429", retry_after=60.0), "never"]), [job])
    stage, tracked = submitter(k)
    k.book.take(job)
    async with k.clock.autojump(), anyio.create_task_group() as tg:
        tg.start_soon(stage.submit, job)
        await k.clock.sleep(10.0)  # the 429 gate is closed for a minute
        k.control.request_stop(reason)
        k.report.stop_detail = "stopped by the test"
    assert k.ledger.events() == ["submitting", event] and job.state is state
    assert k.ledger.lines[-1][3]["error"] == {"detail": "stopped by the test"}
    assert len(k.api.posted) == 1 and tracked.sent == [] and k.book.in_flight == 0


async def test_a_run_that_ends_while_a_submit_waits_after_a_429_leaves_it_pending_and_says_why():
    job = pending()
    k = kit(ScriptedApi(submits=[RateLimited("429", retry_after=60.0), "r1"]), [job])
    stage, _ = submitter(k)
    k.book.take(job)
    k.report.stop_detail = "interrupted (SIGINT)"
    async with anyio.create_task_group() as tg:
        tg.start_soon(stage.submit, job)
        await anyio.wait_all_tasks_blocked()
        tg.cancel_scope.cancel()
    assert k.ledger.events() == ["submitting", "submit_postponed"]
    assert k.ledger.lines[-1][3]["error"] == {"detail": "interrupted (SIGINT)"}


@pytest.mark.parametrize(("detail", "expected"), [(None, "submission stopped"), ("credits ran out", "credits ran out")])
async def test_a_job_reaching_a_submitter_after_a_credit_stop_is_deferred_with_the_reason(detail, expected):
    job = pending()
    k = kit(ScriptedApi(submits=["never"]), [job])
    stage, _ = submitter(k)
    k.book.take(job)
    k.control.request_stop(StopReason.CREDITS)
    k.report.stop_detail = detail
    await stage.submit(job)
    assert k.ledger.lines == [("j", "deferred", "deferred", {"model": MODEL, "request_id": None,
                                                             "error": {"detail": expected}})]  # fmt: skip


async def test_a_submit_whose_outcome_cannot_be_settled_is_left_for_a_later_run_never_sent_again():
    class NoHistory(ScriptedApi):
        async def history(self, **_: object) -> list[HistoryRow]:
            raise RequestRejected("HTTP 400: history unavailable", status=400)

    k, job, tracked = await submit(NoHistory(submits=[AmbiguousSubmit("no answer after sending"), "never"]))
    assert k.ledger.events() == ["submitting", "submit_unknown", "reconcile_failed"]
    assert job.state is JobState.SUBMITTING and len(k.api.posted) == 1 and tracked.sent == []
    assert k.ledger.lines[-1][3]["error"]["detail"].startswith("the request history could not be read (")
    assert k.book.in_flight == 0


async def test_an_unknown_submit_the_history_has_not_caught_up_with_is_left_submitting_never_sent_again():
    k, job, tracked = await submit(ScriptedApi(submits=[AmbiguousSubmit("no answer after sending"), "never"]))
    assert k.ledger.events() == ["submitting", "submit_unknown", "settle_later"]
    assert len(k.api.posted) == 1 and job.state is JobState.SUBMITTING and tracked.sent == []
    assert k.ledger.lines[-1][3]["error"]["detail"].startswith(
        "the submit's outcome is unknown and the request history has not caught up with it as far as anything "
        "shows: no request of ours was sent after it"  # nor can one be: the only job, and this run sends no other
    )
    assert k.book.in_flight == 0


async def test_a_request_sent_while_a_submit_was_unanswered_does_not_show_the_history_caught_up_past_it():
    # The POST's outcome comes back unknown 5 s after it went out; another job's request, sent 1 s after the
    # POST, is listed.  It may have been made before the lost one (an upload still under way): it proves nothing,
    # and the lost submit is left, never sent again on its account (that could pay twice).
    job, other = pending(), pending("o", prompt="another")

    class AnsweredLate(ScriptedApi):
        async def submit(self, model: str, params: dict[str, Any] | bytes | bytearray) -> Submitted:
            self.posted.append(dict(params) if isinstance(params, dict) else {})
            sent = k.clock.epoch()
            await k.clock.sleep(5.0)
            k.reconciler.note_submitted("r-other", sent + 1.0, made_by=sent + 2.0, sent_from=sent + 1.0, model=MODEL)
            self.rows = [row_for(other, "r-other", sent + 1.0)]
            raise AmbiguousSubmit("no answer after sending")

    k = kit(AnsweredLate(), [job])
    stage, _ = submitter(k)
    k.book.take(job)
    async with k.clock.autojump():
        await stage.submit(job)
    assert len(k.api.posted) == 1 and k.ledger.events() == ["submitting", "submit_unknown", "settle_later"]


async def test_preflight_counts_a_job_of_unknown_price_as_nothing_and_says_when_it_cannot_read_the_balance(caplog):
    priced, unknown = pending("a"), pending("b")
    unknown.estimate = None
    k = kit(ScriptedApi(balance=0.3), [priced, unknown])
    stage, _ = submitter(k)
    await stage.preflight([priced, unknown])
    assert k.report.warnings == []  # $0.28 of $0.30

    class NoBalance(ScriptedApi):
        async def credits(self) -> Credits:
            raise RequestRejected("HTTP 400: no balance here", status=400, detail="no balance here")

    k = kit(NoBalance(), [priced])
    stage, _ = submitter(k)
    with caplog.at_level(logging.INFO, logger="batchgen"):
        await stage.preflight([priced])
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (
            logging.WARNING,
            "warning: the credit balance could not be read: GET http://127.0.0.1:1/v1/get-user-credits answered "
            "HTTP 400 (no balance here). The run goes on without it: the balance only warns ahead of a batch it "
            "will not cover, and a submit the credits do not cover still stops the run (exit 3)",
        )
    ]


async def test_a_lost_video_made_again_carries_every_earlier_cost():
    job = pending()
    k = kit(ScriptedApi(submits=["r-new"]), [job])
    job.request_id, job.cost, job.paid_before = "r-old", 0.28, 0.5
    k.book.adopt(job, JobState.DOWNLOADING, in_flight=True)
    stage, _ = submitter(k, resubmit_lost=True)
    async with k.clock.autojump():
        await stage.expire(job, "gone")
    assert k.ledger.lines[1][3]["paid_before"] == 0.78
    free = pending("f")
    k = kit(ScriptedApi(submits=["r-new"]), [free])
    free.request_id = "r-old"
    k.book.adopt(free, JobState.DOWNLOADING, in_flight=True)
    stage, _ = submitter(k, resubmit_lost=True)
    async with k.clock.autojump():
        await stage.expire(free, "gone")
    assert k.ledger.events("f") == ["expired", "submitting", "submitted"]
    assert k.ledger.lines[1][3]["paid_before"] is None  # nothing was paid: nothing carried


async def test_every_accepted_submit_is_counted_and_polled_from_when_it_was_sent():
    jobs = [pending("a"), pending("b")]
    k = kit(ScriptedApi(submits=["r-a", "r-b"]), jobs)
    stage, tracked = submitter(k)
    async with k.clock.autojump():
        for job in jobs:
            k.book.take(job)
            await stage.submit(job)
            assert job.submitted_at == k.clock.now() and job.submitted_epoch == k.clock.epoch()
    assert k.report.submitted == 2 and tracked.sent == jobs
    assert {"r-a", "r-b"} <= k.reconciler.claimed  # neither id can be attached to another job


async def test_a_run_wide_error_while_making_a_lost_video_again_stops_the_run_not_the_stage():
    job = pending()
    k = kit(ScriptedApi(submits=[AuthError("HTTP 401: bad key")]), [job])
    job.request_id = "r-old"
    k.book.adopt(job, JobState.DOWNLOADING, in_flight=True)
    stage, _ = submitter(k, resubmit_lost=True)
    send, receive = anyio.create_memory_object_stream[Lost](1)
    async with send:
        await send.send(Lost(job, "gone"))
    async with k.clock.autojump():
        await stage.take_lost(receive)  # returns: the error is the run's, not this task's
    assert k.report.stop_reason is StopReason.AUTH and k.control.done.is_set()
    # refused (401): nothing was made, so it is pending again, not a submit of unknown outcome
    assert k.ledger.events() == ["expired", "submitting", "submit_postponed"] and job.state is JobState.PENDING
    assert k.ledger.lines[-1][3]["error"]["detail"].startswith("HTTP 401")


class SlowLedger(MemoryLedger):
    """A ledger whose writes take a moment (an fsync on a busy disk); ``writing`` is set once a
    line of the event ``flag`` has begun."""

    def __init__(self, flag: str = "submitted") -> None:
        super().__init__()
        self.flag = flag
        self.writing = anyio.Event()

    async def append(self, job_id: str, event: str, state: Any, **fields: Any) -> dict[str, Any]:
        if str(event) == self.flag:
            self.writing.set()
        for _ in range(3):
            await anyio.sleep(0.01)
        return await super().append(job_id, event, state, **fields)


async def test_a_request_id_being_written_when_the_run_is_cancelled_still_reaches_the_ledger():
    job = pending()
    k = kit(ScriptedApi(submits=["r1"]), [job])
    ledger = SlowLedger()
    k.book.ledger = k.ledger = ledger
    stage, _ = submitter(k)
    k.book.take(job)
    async with anyio.create_task_group() as tg:
        tg.start_soon(stage.submit, job)
        await ledger.writing.wait()  # the POST was answered; its 'submitted' line is being written
        tg.cancel_scope.cancel()
    assert k.ledger.events() == ["submitting", "submitted"]  # the paid job's id is durable: never sent again
    assert k.ledger.lines[-1][3]["request_id"] == "r1"


@pytest.mark.parametrize("earlier", [JobState.PENDING, JobState.FAILED])
async def test_a_submit_that_never_got_its_turn_before_the_run_ended_is_left_as_it_was(earlier):
    first, second = pending("a"), pending("b")
    second.state = earlier  # FAILED: a failed job made again (--retry-failed)
    k = kit(ScriptedApi(submits=[RateLimited("429", retry_after=60.0), "r-a"]), [first, second])
    stage, _ = submitter(k)
    k.report.stop_detail = "interrupted (SIGTERM)"
    async with anyio.create_task_group() as tg:
        for job in (first, second):
            k.book.take(job)
            tg.start_soon(stage.submit, job)
        await anyio.wait_all_tasks_blocked()  # a's 429 closed the gate before b was ever sent
        tg.cancel_scope.cancel()
    assert len(k.api.posted) == 1 and k.book.in_flight == 0
    # No line at all, as for a job never handed out, and as a run killed with it waiting leaves it: a failed
    # job keeps naming its ended request, whose cost the next run counts once (a 'pending' line would have
    # passed that request's id and cost on to the next 'submitting' line)
    assert k.ledger.events("b") == [] and second.state is earlier
    assert k.ledger.events("a") == ["submitting", "submit_postponed"]  # a's 429 was sent: its line says why
    assert k.ledger.lines[-1][3]["error"] == {"detail": "interrupted (SIGTERM)"}


async def test_a_submit_that_surely_never_arrived_is_pending_again_if_the_run_ends_before_its_retry():
    job = pending()
    unsent = NetworkError("connection refused", reached_server=False)
    k = kit(ScriptedApi(submits=[unsent, "r1"]), [job])
    stage, _ = submitter(k)
    k.book.take(job)
    async with anyio.create_task_group() as tg:
        tg.start_soon(stage.submit, job)
        await anyio.wait_all_tasks_blocked()  # waiting out the backoff before the second try
        tg.cancel_scope.cancel()
    assert len(k.api.posted) == 1
    assert k.ledger.events() == ["submitting", "submit_postponed"] and job.state is JobState.PENDING


def image_job(tmp_path: Any, data: bytes) -> TrackedJob:
    import hashlib

    path = tmp_path / "a.png"
    path.write_bytes(data)
    image = {"path": str(path), "file": "a.png", "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    image["format"] = "png"
    spec = JobSpec("j", "kling-1.6-image2video", {"prompt": "waves", "image": image})
    return TrackedJob(spec, JobState.PENDING, 0.28)


async def test_an_image_job_sends_its_images_bytes_and_records_only_their_digest(tmp_path):
    import base64

    from tests.helpers import png_bytes

    data = png_bytes(64, 64, seed=3)
    job = image_job(tmp_path, data)
    k, _, tracked = await submit(ScriptedApi(submits=["r1"]), job)
    [body] = k.api.posted
    # the bytes, sent once, as a data: URI (the page types the field "string (uri)")
    assert body == {"prompt": "waves", "image": "data:image/png;base64," + base64.b64encode(data).decode("ascii")}
    assert k.ledger.lines[0][3]["params"]["image"]["sha256"] == job.spec.params["image"]["sha256"]
    assert tracked.sent == [job] and k.ledger.events() == ["submitting", "submitted"]


async def test_an_image_changed_after_it_was_checked_is_never_sent(tmp_path):
    from tests.helpers import png_bytes

    job = image_job(tmp_path, png_bytes(64, 64, seed=3))
    (tmp_path / "a.png").write_bytes(png_bytes(64, 64, seed=4))  # edited after the manifest was checked
    k, _, tracked = await submit(ScriptedApi(submits=["never"]), job)
    assert k.api.posted == [] and tracked.sent == [] and k.book.in_flight == 0
    assert k.ledger.events() == ["image_changed"] and job.state is JobState.DEFERRED
    assert k.ledger.lines[0][3]["error"]["detail"].startswith("image 'a.png' changed after it was checked (sha256 ")


def slow_line(submit: str) -> tuple[TrackedJob, Kit, SlowLedger, Submitter, Outbox]:
    """A job handed to a submitter whose 'submitting' line takes a moment to write (``ledger.writing``)."""
    job = pending()
    k = kit(ScriptedApi(submits=[submit]), [job])
    ledger = SlowLedger(flag="submitting")
    k.book.ledger = k.ledger = ledger
    stage, tracked = submitter(k)
    k.book.take(job)
    return job, k, ledger, stage, tracked


async def test_a_run_cancelled_while_the_submitting_line_is_written_says_after_it_that_nothing_was_sent():
    job, k, ledger, stage, _ = slow_line("never")
    k.report.stop_detail = "interrupted (SIGINT)"
    async with anyio.create_task_group() as tg:
        tg.start_soon(stage.submit, job)
        await ledger.writing.wait()
        tg.cancel_scope.cancel()
    assert k.api.posted == [] and job.state is JobState.PENDING and k.book.in_flight == 0
    assert k.ledger.lines[-1][:3] == ("j", "submit_postponed", "pending")
    assert k.ledger.lines[-1][3]["error"] == {"detail": "interrupted (SIGINT)"}


async def test_a_credit_refusal_records_the_apis_words_on_the_deferred_job():
    refusal = InsufficientCredits("HTTP 406", detail="Insufficient credits: balance is 0.12")
    k, job, _ = await submit(ScriptedApi(submits=[refusal]))
    assert k.ledger.lines[-1][1] == "deferred"
    assert k.ledger.lines[-1][3]["error"]["detail"] == "Insufficient credits: balance is 0.12"
    assert job.error is not None and "balance is 0.12" in job.error


async def test_the_model_is_sent_with_every_body_and_earlier_spend_is_kept_to_a_millionth():
    models: list[str] = []

    class Models(ScriptedApi):
        async def submit(self, model: str, params: dict[str, Any] | bytes | bytearray) -> Any:
            models.append(model)
            return await super().submit(model, params)

    job = pending()
    job.paid_before = 0.1234567
    api = Models(submits=["r1"])
    k, _, _ = await submit(api, job)
    assert models == [MODEL] and k.ledger.lines[0][3]["paid_before"] == 0.123457


async def test_the_submitted_line_says_when_the_post_went_out_for_a_later_runs_reconciler():
    job = pending()
    api = ScriptedApi(submits=["r1"])
    k = kit(api, [job])
    stage, _tracked = submitter(k)
    k.book.take(job)
    before = k.clock.epoch()
    async with k.clock.autojump():
        await stage.submit(job)
    fields = next(f for jid, event, _, f in k.ledger.lines if event == "submitted")
    posted = parse_time(fields["posted_at"])
    assert posted is not None and before - 1.0 <= posted <= parse_time(fields["submitted_at"])  # type: ignore[operator]


async def test_an_unknown_submit_the_history_has_caught_up_past_without_it_is_sent_again_once():
    job = pending()
    api = ScriptedApi(submits=[AmbiguousSubmit("no answer after sending"), "r2"])
    k = kit(api, [job])
    # A request of ours sent after this attempt is already listed: the history has caught up, and ours is absent.
    k.reconciler.note_submitted(
        "r-later", k.clock.epoch() + 5.0, sent_from=k.clock.epoch() + 5.0, model="kling-text2video"
    )
    api.rows = [HistoryRow("r-later", MODEL, "QUEUED", {"prompt": "other"}, None, None, k.clock.epoch() + 5.0, None)]
    stage, tracked = submitter(k)
    k.book.take(job)
    async with k.clock.autojump():
        await stage.submit(job)
    assert k.ledger.events() == ["submitting", "submit_unknown", "reconciled_absent", "submitting", "submitted"]
    assert len(api.posted) == 2 and job.request_id == "r2" and tracked.sent == [job]


async def test_an_image_that_changes_between_its_check_and_the_post_is_never_sent(tmp_path, monkeypatch):
    import batchgen.engine.submitter as stage_module
    from tests.helpers import png_bytes

    job = image_job(tmp_path, png_bytes(64, 64, seed=3))
    checked: list[object] = []
    monkeypatch.setattr(stage_module, "verify_images", checked.append)  # passes; the file changes right after

    class Edited(ScriptedApi):
        pass

    (tmp_path / "a.png").write_bytes(png_bytes(64, 64, seed=5))
    k, _, tracked = await submit(Edited(submits=["never"]), job)
    assert len(checked) == 1 and k.api.posted == [] and tracked.sent == []
    assert k.ledger.events() == ["submitting", "image_changed"] and job.state is JobState.DEFERRED
    assert k.ledger.lines[-1][3]["error"]["detail"].startswith("image 'a.png' changed after it was checked")
    assert k.book.in_flight == 0


@pytest.mark.parametrize("ended", [JobState.EXPIRED, JobState.FAILED])
async def test_a_job_to_be_made_again_is_deferred_at_the_spend_cap_like_any_other(ended):
    """An expired (``--resubmit-lost``) or failed (``--retry-failed``) job the cap leaves unsent is deferred,
    not a crash of the run; what its lost request cost stays counted against the cap."""
    first, again = pending("a", estimate=0.5), pending("b", estimate=0.5)
    k = kit(ScriptedApi(), [first, again], settings=limited(cap=0.9))
    again.request_id, again.cost = "r-old", (0.28 if ended is JobState.EXPIRED else None)
    k.book.adopt(again, ended, in_flight=False)
    k.book.remake(again)
    assert await feed_all(k, [first, again]) == ["a"]
    assert k.ledger.events("b") == ["deferred"] and again.state is JobState.DEFERRED
    assert k.book.committed == pytest.approx(0.5 + (again.paid_before or 0.0))
    assert again.request_id is None and again.cost is None


@STOPS
async def test_a_stop_while_the_submitting_line_is_written_sends_nothing(reason, event, state):
    # The budget granted the POST and its line is being written (an fsync, a group commit behind others)
    # when the run is told to stop (the first SIGINT, a 406 on another job): nothing may go out after it.
    job, k, ledger, stage, tracked = slow_line("r1")
    k.report.stop_detail = "stopped by the test"
    async with anyio.create_task_group() as tg:
        tg.start_soon(stage.submit, job)
        await ledger.writing.wait()
        k.control.request_stop(reason)
    assert k.api.posted == [] and tracked.sent == [] and k.book.in_flight == 0
    assert k.ledger.events() == ["submitting", event] and job.state is state
    assert k.ledger.lines[-1][3]["error"] == {"detail": "stopped by the test"}


async def test_an_unknown_submit_left_with_one_sent_beside_it_of_unknown_outcome_too_says_no_more_than_is_known():
    # a errs, b is sent beside it and errs too: both are left for a later run.  b's POST went out after a's
    # outcome came back unknown, so a's message may not say that no request of ours was sent after it.
    jobs, k = two_unknown_then_one()
    async with feeding(k, jobs):
        pass
    assert [body["prompt"] for body in k.api.posted] == ["a", "b", "c"]
    details = {line[0]: line[3]["error"]["detail"] for line in k.ledger.lines if line[1] == "settle_later"}
    assert set(details) == {"a", "b"}
    assert "no request of ours was sent after it" not in details["a"]
    for detail in details.values():  # true of both: b's outcome is unknown, and nothing was sent after b
        assert "no request of ours known to have been made was sent after it" in detail


async def test_an_unknown_submit_left_while_the_spend_cap_defers_the_next_job_is_not_said_to_have_none_left():
    # a's submit comes back unknown; b, beside it, would pass the cap and is deferred.  b is a job still to
    # send: the re-run that raises the cap sends it, and once listed it settles a.  a's reason may not say
    # that no job is left to send in the manifest, nor mark it as one no re-run settles.
    jobs = [pending("a", prompt="a", estimate=0.5), pending("b", prompt="b", estimate=0.5)]
    k = kit(ScriptedApi(submits=[AmbiguousSubmit("no answer after sending"), "never"]), jobs,
            settings=limited(concurrency=1, cap=0.6))  # fmt: skip
    async with feeding(k, jobs):
        pass
    assert k.ledger.events("b") == ["deferred"] and k.report.stop_reason is StopReason.SPEND_CAP
    error = [line for line in k.ledger.lines if line[0] == "a"][-1][3]["error"]
    assert "No job is left to send" not in error["detail"] and "rerun" not in error
    assert k.report.rerun_cannot_settle == 0


def beside_c(jobs: list[TrackedJob], *submits: object, concurrency: int = 2) -> tuple[Kit, Submitter, TrackedJob]:
    """A kit whose first submit (of job a) comes back unknown, with --resubmit-lost and job c in flight beside
    it (downloading: it may be lost and made again); (the kit, the stage, c)."""
    k = kit(ScriptedApi(submits=[AmbiguousSubmit("no answer after sending"), *submits]), jobs,
            settings=limited(concurrency=concurrency))  # fmt: skip
    stage, _ = submitter(k, resubmit_lost=True)
    other = pending("c", prompt="c")
    other.request_id = "r-c"
    k.book.jobs.append(other)
    k.book.adopt(other, JobState.DOWNLOADING, in_flight=True)
    return k, stage, other


@asynccontextmanager
async def waiting(k: Kit, stage: Submitter, fed: list[TrackedJob]) -> AsyncIterator[None]:
    """The feeder and a submitter on ``fed``, until a's look-ups are spent with nothing sent after it: a
    waits, neither left nor sent again; they are cancelled on leaving."""
    send, receive = anyio.create_memory_object_stream[TrackedJob](0)
    async with k.clock.autojump(), anyio.create_task_group() as tg:
        tg.start_soon(stage.feed, send, fed)
        tg.start_soon(stage.loop, receive)
        await k.clock.sleep(1000.0)  # past every look-up
        assert k.ledger.events("a") == ["submitting", "submit_unknown"] and len(k.api.posted) == 1
        yield
        tg.cancel_scope.cancel()


async def test_an_unknown_submit_waits_while_this_run_may_send_a_request_after_it_and_is_settled_by_one():
    # a's submit comes back unknown once every job was handed over; with --resubmit-lost, c (in flight) may
    # still be made again.  a's look-ups run out with nothing sent after it: it waits, sending nothing, rather
    # than being left for a re-run.  c's video is lost and c is made again: its POST, sent after a's outcome
    # came back unknown and listed, shows the history caught up with a, which was never made: a is sent again.
    a = pending("a", prompt="a")
    k, stage, lost = beside_c([a], "r-new", "r-a")
    lost.cost, lost.output_url = 0.28, "http://127.0.0.1:9/old.mp4"
    k.api.rows = [row_for(lost, "r-new", k.clock.epoch() + 5000.0)]
    async with waiting(k, stage, [a]):
        await stage.expire(lost, "output gone", event=Event.LOST, http=None)
        await k.clock.sleep(600.0)
    assert k.ledger.events("a")[-3:] == ["reconciled_absent", "submitting", "submitted"] and a.request_id == "r-a"
    assert [p["prompt"] for p in k.api.posted] == ["a", "c", "a"] and k.report.rerun_cannot_settle == 0


def left(k: Kit, *, rerun: bool) -> bool:
    """Whether a was left for a later run, marked as one a plain re-run does (or does not) settle."""
    error = k.ledger.lines[-1][3]["error"]
    marked = error.get("rerun", True)
    return (
        k.ledger.events("a")[-1] == "settle_later" and marked is rerun and k.report.rerun_cannot_settle == (not rerun)
    )


async def test_an_unknown_submit_is_left_once_this_run_will_send_nothing_after_it():
    # as above, but c ends without being made again: nothing of this run can follow a, so a is left, with a
    # reason that says a plain re-run does not settle it either (no row is left to send)
    a = pending("a", prompt="a")
    k, stage, other = beside_c([a])
    async with waiting(k, stage, [a]):
        await k.book.finish(other, Event.COMPLETED, JobState.COMPLETED)
        await k.clock.sleep(100.0)
    assert left(k, rerun=False) and len(k.api.posted) == 1


async def test_an_unknown_submit_waits_for_a_request_after_it_no_longer_than_a_record_lives():
    # c stays in flight for hours (a record that never ends): a waits for it no longer than a record lives
    # from its POST, and is then left for a re-run (which may make c's video again and settle a)
    a = pending("a", prompt="a")
    k, stage, _ = beside_c([a])
    async with waiting(k, stage, [a]):
        await k.clock.sleep(2000.0)
        assert k.ledger.events("a") == ["submitting", "submit_unknown"]
        await k.clock.sleep(1000.0)  # an hour from its POST
    assert left(k, rerun=True) and len(k.api.posted) == 1


async def test_an_unknown_submit_left_by_a_stop_with_nothing_left_to_send_is_not_promised_to_a_plain_re_run():
    # a waits, its look-ups spent, while c (in flight, --resubmit-lost) may still be made again.  Ctrl-C, and c
    # ends: nothing of this run or of a re-run can follow a (no row is left unsent).  A stop once read as "a
    # re-run sends the rows it left" whether or not it left any: a was promised to a plain re-run.
    a = pending("a", prompt="a")
    k, stage, other = beside_c([a])
    async with waiting(k, stage, [a]):
        k.control.request_stop()
        await k.book.finish(other, Event.COMPLETED, JobState.COMPLETED)
        await k.clock.sleep(100.0)
    assert left(k, rerun=False) and len(k.api.posted) == 1


async def test_an_unknown_submit_left_by_a_stop_that_kept_a_row_from_being_sent_is_left_to_a_plain_re_run():
    # as above, but b (a failed row to be made again, --retry-failed) was still to be sent when Ctrl-C came:
    # the stop leaves it as it was, and a re-run sends it, after a
    a, b = pending("a", prompt="a"), pending("b", prompt="b")
    b.state = JobState.FAILED
    k, stage, other = beside_c([a, b])
    async with waiting(k, stage, [a, b]):
        assert k.ledger.events("b") == []
        k.control.request_stop()
        await k.book.finish(other, Event.COMPLETED, JobState.COMPLETED)
        await k.clock.sleep(100.0)
    assert left(k, rerun=True) and len(k.api.posted) == 1 and b.state is JobState.FAILED


async def test_an_unknown_submit_left_by_a_stop_that_kept_one_shown_never_made_from_being_sent_is_left_to_a_re_run():
    # as above, but b (an earlier run's lost submit) is shown never made once Ctrl-C has come: the stop keeps
    # it from being sent again, as it was left, and a re-run, settling it the same way, sends it after a
    a, b = pending("a", prompt="a"), pending("b", prompt="b")
    k, stage, other = beside_c([a], concurrency=3)
    k.book.jobs.append(b)
    b.submitted_epoch = k.clock.epoch() - 300.0
    k.api.rows = [row_for(pending("d", prompt="d"), "r-d", b.submitted_epoch + 60.0)]
    k.reconciler.note_submitted(
        "r-d", b.submitted_epoch + 60.0, posted=b.submitted_epoch + 60.0, model="kling-text2video"
    )
    k.book.adopt(b, JobState.SUBMITTING, in_flight=True)
    async with waiting(k, stage, [a]):
        k.control.request_stop()
        await k.book.finish(other, Event.COMPLETED, JobState.COMPLETED)
        await stage.settle_resumed(b)
        assert k.ledger.events("b") == ["reconciled_absent"] and b.state is JobState.SUBMITTING
        await k.clock.sleep(100.0)
    assert left(k, rerun=True) and len(k.api.posted) == 1


def unknown_outcomes(*jobs: TrackedJob) -> tuple[Kit, Submitter]:
    """A submit stage whose book holds ``jobs``, each sent, of unknown outcome, holding its slot."""
    k = kit(ScriptedApi(), list(jobs))
    stage, _ = submitter(k)
    for job in jobs:
        k.book.take(job)
        job.state = JobState.SUBMITTING
    return k, stage


async def wait_for_others(stage: Submitter, job: TrackedJob, done: Any, returned: list[str]) -> None:
    """``job``'s look-up waits for the others' (``Submitter._others_looked_up``), then says so in ``returned``."""
    await stage._others_looked_up(job, done)
    returned.append(job.spec.id)


async def test_a_look_up_whose_rows_nothing_tells_apart_waits_for_the_outcomes_unknown_then_and_no_later_ones():
    """It waits while another job sent or lost before it is of unknown outcome, not for one sent later (that made
    no row it read), nor for one whose rows nothing tells apart either; the others of unknown outcome, but those,
    are what a re-run may settle it by."""
    a, b, c, d = [pending(name) for name in "abcd"]
    k, stage = unknown_outcomes(a, b, d)
    k.book.jobs.append(c)
    stage.reconciler.torn["d"] = ("x", "y")  # its rows nothing tells apart either
    returned: list[str] = []
    async with anyio.create_task_group() as tg:
        tg.start_soon(wait_for_others, stage, a, lambda: False, returned)
        await anyio.wait_all_tasks_blocked()
        assert not returned  # b's outcome is unknown
        k.book.take(c)
        c.state = JobState.SUBMITTING  # sent after the look-up read its rows
        k.book.wake()
        await anyio.wait_all_tasks_blocked()
        assert not returned
        b.state = JobState.SUBMITTED  # attached (or answered)
        k.book.wake()
    assert returned == ["a"]
    assert stage._others_unsettled(a)  # c is still in flight
    c.state = JobState.SUBMITTED
    assert not stage._others_unsettled(a)  # d's rows nothing tells apart either
    del stage.reconciler.torn["d"]
    assert stage._others_unsettled(a)  # d is looked up, and may yet prove one of the rows its own
    stage.reconciler.torn_left.add("d")
    assert not stage._others_unsettled(a)


async def test_a_look_up_whose_rows_nothing_tells_apart_waits_for_another_so_torn_that_may_now_look_again():
    """b's rows could not be told apart either, but once c claims one of them b looks again and may take one of
    a's: a waits for that look-up rather than be left (told a plain re-run cannot settle it) while b takes it."""
    a, b, c = [pending(name) for name in "abc"]
    k, stage = unknown_outcomes(a, b, c)
    rec = stage.reconciler
    rec.torn["b"] = ("y", "z")  # b waits to see one of these claimed; a's rows are x and y
    returned: list[str] = []
    async with anyio.create_task_group() as tg:
        tg.start_soon(wait_for_others, stage, a, lambda: "y" in rec.claimed, returned)
        await anyio.wait_all_tasks_blocked()
        assert not returned  # c's outcome is unknown
        rec.claimed.add("z")  # c's look-up proved z its own...
        c.state = JobState.SUBMITTED
        k.book.wake()
        await anyio.wait_all_tasks_blocked()
        assert not returned  # ... so b looks again, and may prove y its own
        del rec.torn["b"]
        await anyio.wait_all_tasks_blocked()
        assert not returned
        rec.claimed.add("y")  # it did: a is left with x alone
        b.state = JobState.SUBMITTED
        k.book.wake()
    assert returned == ["a"]


async def test_a_look_up_whose_rows_nothing_tells_apart_waits_for_no_other_model_nor_counts_it_for_a_re_run():
    """A request of another model makes no row of this one's: its outcome tells nothing of them."""
    a, b = [pending(name) for name in "ab"]
    b.spec = JobSpec("b", "kling-2.1", {"prompt": "p", "aspect_ratio": "16:9", "duration": 5, "mode": "std"})
    _, stage = unknown_outcomes(a, b)
    with anyio.fail_after(5):
        await stage._others_looked_up(a, lambda: False)
    assert not stage._others_unsettled(a)


async def test_a_look_up_whose_rows_nothing_tells_apart_goes_on_once_another_submit_is_answered():
    """Another job's submit, in flight when the rows were read, answered: its outcome is known at once (not
    only once its video is made and its slot freed)."""
    a, b = [pending(name) for name in "ab"]
    k, stage = unknown_outcomes(a, b)
    returned: list[str] = []
    async with anyio.create_task_group() as tg:
        tg.start_soon(wait_for_others, stage, a, lambda: False, returned)
        await anyio.wait_all_tasks_blocked()
        assert not returned
        await stage.attach(b, "rb", sent=k.clock.epoch(), sent_at=k.clock.now(), sent_from=k.clock.epoch())
        await anyio.wait_all_tasks_blocked()
        assert returned == ["a"] and b.holds_slot
        tg.cancel_scope.cancel()


async def test_a_submit_a_plain_re_run_cannot_settle_is_no_hope_of_telling_another_jobs_rows_apart():
    """a is left with the word that the same command run again does not settle it: an image job x whose rows
    nothing tells apart is not told that a re-run may (a re-run settles a no more than this one did)."""
    a = pending("a", prompt="a")
    x = pending("x", prompt="x")
    k, stage, other = beside_c([a])
    k.book.jobs.append(x)
    x.state = JobState.SUBMITTING  # its rows nothing tells apart (being so left)
    async with waiting(k, stage, [a]):
        await k.book.finish(other, Event.COMPLETED, JobState.COMPLETED)
        await k.clock.sleep(100.0)
    assert left(k, rerun=False)
    assert not stage._others_unsettled(x)


async def test_an_unknown_submit_left_by_a_stop_after_every_row_was_sent_is_not_promised_to_a_plain_re_run():
    # b was sent and answered, then a's submit came back unknown; Ctrl-C while a is looked up.  Every row was
    # sent (b is only polled again by a re-run, never sent), so nothing can follow a: a's reason says that no
    # plain re-run settles it, and the summary gives no resume line for it
    b, a = pending("b", prompt="b"), pending("a", prompt="a")
    k = kit(ScriptedApi(submits=["r-b", AmbiguousSubmit("no answer after sending")]), [b, a],
            settings=limited(concurrency=2))  # fmt: skip
    stage, _ = submitter(k)
    send, receive = anyio.create_memory_object_stream[TrackedJob](0)
    async with k.clock.autojump(), anyio.create_task_group() as tg:
        tg.start_soon(stage.feed, send, [b, a])
        tg.start_soon(stage.loop, receive.clone())
        tg.start_soon(stage.loop, receive)
        await k.clock.sleep(0.5)
        assert k.ledger.events("a") == ["submitting", "submit_unknown"] and b.state is JobState.SUBMITTED
        k.control.request_stop()
        await k.clock.sleep(1000.0)
        tg.cancel_scope.cancel()
    assert left(k, rerun=False) and len(k.api.posted) == 2


async def test_a_row_sent_again_once_its_lost_submit_was_shown_never_made_is_not_left_unsent_by_a_later_stop():
    # a's lost submit is shown never made (a request of ours sent after it is listed) and a is sent again, in
    # this run.  Later b's submit comes back unknown and the run is stopped: every row was sent, so nothing
    # can follow b, and b's reason says that no plain re-run settles it (a is not still "to be sent again")
    a, b = pending("a", prompt="a"), pending("b", prompt="b")
    k = kit(ScriptedApi(submits=["r-a", "never"]), [a, b])
    stage, _ = submitter(k)
    for job in (a, b):
        k.book.take(job)
        await k.book.record(job, Event.SUBMITTING, JobState.SUBMITTING)
        job.posted = True
    stage._queued = {"a", "b"}
    since = k.clock.epoch() - 100
    k.reconciler.note_submitted("r-later", since + 20, sent_from=since + 20, model=MODEL)
    k.api.rows = [HistoryRow("r-later", MODEL, "QUEUED", {"prompt": "other"}, None, None, since + 20, None)]
    async with k.clock.autojump():
        assert await stage.settle(a, since=since, until=since + 10)  # shown never made: to be sent again
        await stage.submit(a)
        assert a.request_id == "r-a"
        await k.clock.sleep(60)
        k.control.request_stop()
        assert not await stage.settle(b, since=k.clock.epoch() - 5, until=k.clock.epoch())
    error = k.ledger.lines[-1][3]["error"]
    assert k.ledger.events("b")[-1] == "settle_later" and error.get("rerun") is False, error


@pytest.mark.parametrize(("status", "made"), [(403, False), (500, True)])
async def test_a_first_submit_answered_by_another_server_stops_the_run_and_leaves_its_job_as_the_answer_allows(
    status, made
):
    """A 4xx refused the submit: nothing made, the job is pending again.  A 5xx (or 2xx) may follow a job made:
    the job is left 'submitting' with the reason, for the next run to look up; either way the run stops at once."""
    job = pending()
    answered = f"POST http://127.0.0.1:1/v2/{MODEL} was answered HTTP {status} with an HTML page, not the API's answer"
    wrong = NotTheApi(f"{answered}, and nothing this run had ...", status=status, made=made, answered=answered)
    k = kit(ScriptedApi(submits=[wrong]), [job])
    stage, _ = submitter(k)
    k.book.take(job)
    async with k.clock.autojump():
        await k.control.guard(lambda: stage.submit(job))
    assert k.report.stop_reason is StopReason.UNREACHABLE and k.control.done.is_set()
    assert isinstance(k.report.fatal, NotTheApi) and str(k.report.fatal).startswith(answered)
    assert f"ob {job.spec.id}" in str(k.report.fatal)  # (Job j may have been made; it refused job j)
    if made:
        assert k.ledger.events() == ["submitting", "submit_unknown"] and job.state is JobState.SUBMITTING
        assert k.ledger.lines[-1][3]["error"]["detail"] == f"{answered}; it may have made a job all the same"
        assert "nothing was made" not in str(k.report.fatal)
    else:
        assert k.ledger.events() == ["submitting", "submit_postponed"] and job.state is JobState.PENDING
        assert str(k.report.fatal).endswith(
            f"It refused job {job.spec.id}'s submit (HTTP 403): nothing was made or paid for"
        )


async def test_until_the_api_has_answered_as_itself_the_feeder_hands_over_one_job_at_a_time():
    jobs = [pending(name) for name in "abc"]
    k = kit(ScriptedApi(submits=["r-a", "r-b", "r-c"]), jobs)
    k.api.spoken = False
    stage, _ = submitter(k)
    send, receive = anyio.create_memory_object_stream[TrackedJob](8)
    with receive:
        async with anyio.create_task_group() as tg:
            tg.start_soon(stage.feed, send, jobs)
            await anyio.wait_all_tasks_blocked()
            assert drained(receive) == ["a"]  # a slot's worth would be three: one waits on the first answer
            k.api.spoken = True  # the answer came, and it was the API's
            stage._answered(jobs[0])
            await anyio.wait_all_tasks_blocked()
            assert drained(receive) == ["b", "c"]
    assert stage.fed_all


async def test_an_image_job_waiting_for_another_ones_upload_dates_its_submit_by_its_own_post(tmp_path):
    """Image bodies go out one at a time.  The time a submit records (its 'submitting' line's posting_at, the
    look-up's lower bound for its row) is when its own POST went out, not when it began to wait for the image
    slot: dated a long upload earlier, a look-up would take for its own a row another run made in between."""
    import hashlib

    from tests.helpers import png_bytes

    def image_job_named(job_id: str, data: bytes) -> TrackedJob:
        path = tmp_path / f"{job_id}.png"
        path.write_bytes(data)
        image = {"path": str(path), "file": path.name, "sha256": hashlib.sha256(data).hexdigest(),
                 "bytes": len(data), "format": "png"}  # fmt: skip
        return TrackedJob(JobSpec(job_id, "kling-1.6-image2video", {"prompt": "waves", "image": image}),
                          JobState.PENDING, 0.28)  # fmt: skip

    first, second = image_job_named("a", png_bytes(64, 64, seed=3)), image_job_named("b", png_bytes(64, 64, seed=4))

    class SlowUpload(ScriptedApi):
        async def submit(self, model: str, params: Any) -> Submitted:
            if not self.posted:
                await k.clock.sleep(600.0)  # the first body takes ten minutes to upload
            return await super().submit(model, params)

    k = kit(SlowUpload(submits=["r-a", "r-b"]), [first, second])
    stage, _ = submitter(k)
    start = k.clock.epoch()
    async with k.clock.autojump(), anyio.create_task_group() as tg:
        for job in (first, second):
            k.book.take(job)
            tg.start_soon(stage.submit, job)
    posting = {jid: parse_time(f["posting_at"]) for jid, event, _, f in k.ledger.lines if event == "submitting"}
    assert posting["a"] == pytest.approx(start, abs=1.0)
    assert posting["b"] == pytest.approx(start + 600.0, abs=1.0)  # its POST, after the first upload: not at 0
    assert k.reconciler._sent_from["r-b"] == pytest.approx(start + 600.0, abs=1.0)


class _Room:
    """A life cap whose room the test sets (``now``), never looked at again with time alone."""

    def __init__(self, now: int, dead: int = 0) -> None:
        self.now = now
        self.dead = dead  # jobs whose records died that are still ahead in the account's queue
        self.kinds = Outliving(lambda: True)  # (no kind is held)

    def room(self, concurrency: int, in_flight: int) -> int:
        return self.now

    def dead_ahead(self) -> int:
        return self.dead

    def recheck_in(self) -> float:
        return float("inf")


async def test_a_job_that_waited_for_estimates_given_back_is_sent_only_if_the_room_still_has_it():
    # c passed the room check (2 in flight of 3), then waited minutes for a or b to give its estimate back; the
    # life cap meanwhile kept one in flight at most.  b failed, c fitted the cap, and was handed over as it was,
    # with a still in flight: past the room a record's life allows.
    life = _Room(3)
    jobs = [pending("a"), pending("b"), pending("c")]
    k = kit(ScriptedApi(), jobs, settings=limited(concurrency=3, cap=0.7))
    stage, _ = submitter(k, life=life)  # type: ignore[arg-type]
    send, receive = anyio.create_memory_object_stream[TrackedJob](8)
    with receive:
        async with anyio.create_task_group() as tg:
            tg.start_soon(stage.feed, send, jobs)
            await anyio.wait_all_tasks_blocked()
            assert drained(receive) == ["a", "b"]
            for job in jobs[:2]:
                job.request_id = f"r-{job.spec.id}"
                await k.book.record(job, Event.SUBMITTING, JobState.SUBMITTING)
                await k.book.record(job, Event.SUBMITTED, JobState.SUBMITTED)
            life.now = 1
            await k.book.finish(jobs[1], Event.FAILED, JobState.FAILED, error={"detail": "model error"})
            await anyio.wait_all_tasks_blocked()
            assert drained(receive) == [] and k.book.in_flight == 1  # c waits for the room
            await k.book.finish(jobs[0], Event.FAILED, JobState.FAILED, error={"detail": "model error"})
            await anyio.wait_all_tasks_blocked()
            assert drained(receive) == ["c"] and stage.fed_all


async def test_a_submit_the_room_had_when_handed_over_waits_if_the_life_cap_shrank_while_it_waited_for_the_budget():
    # Three jobs were handed over while the room had three (a 429's cooldown held c's POST); meanwhile a job was
    # seen to wait for a worker where no history stands in for a record, and the life cap fell to two.  c was
    # sent when the budget opened: one more in the account's queue than finish within a record's life (in a
    # drawn world, 7 of 17 paid videos written off as expired).  It now waits for the room, and goes once a
    # job sent before it is through.
    life = _Room(3)
    a, b, c = jobs = [pending("a"), pending("b"), pending("c")]
    k = kit(ScriptedApi(submits=["r-a", "r-b", "r-c"]), jobs, settings=limited(concurrency=3))
    stage, tracked = submitter(k, life=life)  # type: ignore[arg-type]
    async with k.clock.autojump(), anyio.create_task_group() as tg:
        for job in jobs:
            k.book.take(job)  # (the room had all three)
        for job in (a, b):
            await stage.submit(job)
        life.now = 2  # a wait was seen: two in flight at most
        tg.start_soon(stage.submit, c)
        await k.clock.sleep(600)  # (run seconds: the budget has long granted c's POST)
        assert [p["prompt"] for p in k.api.posted] == ["a fox", "a fox"] and c.request_id is None
        assert k.ledger.events("c") == []  # nothing written: nothing was sent
        await k.book.finish(a, Event.FAILED, JobState.FAILED, error={"detail": "model error"})
    assert c.request_id == "r-c" and len(k.api.posted) == 3 and k.ledger.events("c") == ["submitting", "submitted"]
    assert [job.spec.id for job in tracked.sent] == ["a", "b", "c"]


async def test_a_submit_the_room_had_waits_if_records_found_dead_meanwhile_fill_it_with_no_job_of_ours_in_flight():
    # c was handed over while the room had it; its POST waited (for the budget, or a loaded machine).  Meanwhile
    # the first wave's records were found dead: no job of ours holds a slot, but those jobs still fill the
    # account's queue, and the room is none.  Sent then, it waited behind them past its record's life (a paid
    # video written off as expired).  It now waits until they would be through.
    life = _Room(3)
    c = pending("c")
    k = kit(ScriptedApi(submits=["r-c"]), [c], settings=limited(concurrency=3))
    stage, tracked = submitter(k, life=life)  # type: ignore[arg-type]
    async with k.clock.autojump(), anyio.create_task_group() as tg:
        k.book.take(c)  # (the room had it)
        life.now, life.dead = 0, 12  # twelve records found dead, their jobs still ahead in the queue
        tg.start_soon(stage.submit, c)
        await k.clock.sleep(600)
        assert k.api.posted == [] and c.request_id is None and k.ledger.events("c") == []  # nothing sent
        life.now, life.dead = 1, 1  # most of them through: room for one
        k.book.wake()
    assert c.request_id == "r-c" and k.ledger.events("c") == ["submitting", "submitted"]
    assert [job.spec.id for job in tracked.sent] == ["c"]


async def test_a_submit_beside_submits_of_unknown_outcome_alone_is_never_held_by_the_life_cap():
    # Held behind submits being looked up, it would never be sent, and they wait for a request sent after them.
    lost, beside = pending("lost"), pending("beside", prompt="a hare")
    k = kit(ScriptedApi(submits=["r-beside"]), [lost, beside], settings=limited(concurrency=1))
    stage, _ = submitter(k, life=_Room(1))  # type: ignore[arg-type]
    k.book.take(lost)
    lost.state = JobState.SUBMITTING  # posted, its outcome unknown, being looked up (no request id)
    k.book.take(beside)
    async with k.clock.autojump():
        with anyio.fail_after(10):  # (real seconds: held, it would wait for ever)
            await stage.submit(beside)
    assert beside.request_id == "r-beside"
