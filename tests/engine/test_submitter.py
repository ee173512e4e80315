"""The Submitter's outcomes, one by one, against a scripted API on a fake clock."""

from __future__ import annotations

import anyio
import pytest

from batchgen.clock import parse_time
from batchgen.config import LimitSettings, RetrySettings, Settings
from batchgen.errors import (
    AmbiguousSubmit,
    InsufficientCredits,
    NetworkError,
    RateLimited,
    RequestRejected,
)
from batchgen.jobs import JobState, StopReason, TrackedJob
from tests.engine.doubles import Kit, ScriptedApi, kit, pending, row_for, submitter
from tests.helpers import Outbox


async def submit_one(api: ScriptedApi) -> tuple[Kit, TrackedJob, Outbox]:
    job = pending()
    k = kit(api, [job])
    stage, tracked = submitter(k)
    k.book.take(job)  # as the feeder does
    async with k.clock.autojump():
        await stage.submit(job)
    return k, job, tracked


async def test_an_accepted_submit_is_recorded_durably_then_sent_to_the_poller():
    k, job, tracked = await submit_one(ScriptedApi(submits=["r1"]))
    assert k.ledger.events() == ["submitting", "submitted"]
    assert job.state is JobState.SUBMITTED and job.request_id == "r1"
    assert tracked.sent == [job] and k.book.in_flight == 1  # it keeps its slot while in flight
    assert k.report.submitted == 1 and len(k.api.posted) == 1


async def test_a_refused_submit_fails_that_job_and_frees_its_slot():
    k, job, tracked = await submit_one(ScriptedApi(submits=[RequestRejected("HTTP 422: bad prompt", status=422)]))
    assert k.ledger.events() == ["submitting", "failed"]
    assert job.state is JobState.FAILED and "bad prompt" in (job.error or "")
    assert tracked.sent == [] and k.book.in_flight == 0 and k.book.committed == 0.0


async def test_a_rate_limited_submit_waits_for_the_gate_and_is_sent_again():
    k, job, _ = await submit_one(ScriptedApi(submits=[RateLimited("429", retry_after=5.0), "r1"]))
    # each POST has its line, dated when it went out: a later run bounds when the one that made the job did
    assert k.ledger.events() == ["submitting", "submitting", "submitted"] and job.request_id == "r1"
    first, again = (parse_time(line[3]["posting_at"]) for line in k.ledger.lines[:2])
    assert first is not None and again is not None and again - first >= 5.0
    assert len(k.api.posted) == 2 and k.clock.now() >= 5.0  # the server's hint was waited out
    assert k.gateway.budget.throttled == 1


async def test_a_submit_lost_before_sending_is_sent_again():
    unsent = NetworkError("connection refused", reached_server=False)
    k, job, _ = await submit_one(ScriptedApi(submits=[unsent, "r1"]))
    assert k.ledger.events() == ["submitting", "submitting", "submitted"] and job.request_id == "r1"
    assert len(k.api.posted) == 2


async def test_a_submit_lost_after_sending_is_found_in_the_history_never_sent_twice():
    job = pending()
    api = ScriptedApi(submits=[AmbiguousSubmit("no answer after sending")])
    k = kit(api, [job])
    api.rows = [row_for(job, "created-anyway", k.clock.epoch() + 1)]  # the server made it
    stage, tracked = submitter(k)
    k.book.take(job)
    async with k.clock.autojump():
        await stage.submit(job)
    assert k.ledger.events() == ["submitting", "submit_unknown", "reconciled", "submitted"]
    assert job.request_id == "created-anyway" and len(api.posted) == 1 and tracked.sent == [job]


async def test_a_submit_refused_for_credits_stops_submission_and_defers_the_job():
    k, job, tracked = await submit_one(
        ScriptedApi(submits=[InsufficientCredits("HTTP 406", detail="Insufficient credits: balance is 0.12")])
    )
    assert k.ledger.events() == ["submitting", "deferred"] and job.state is JobState.DEFERRED
    assert k.control.stopping and k.report.stop_reason is StopReason.CREDITS and k.report.balance == 0.12
    assert k.book.in_flight == 0 and tracked.sent == []


async def test_the_feeder_defers_what_would_pass_the_spend_cap():
    jobs = [pending("a"), pending("b"), pending("c")]
    settings = Settings(limits=LimitSettings(max_spend_usd=0.6, concurrency=8), retry=RetrySettings(max_attempts=2))
    k = kit(ScriptedApi(), jobs, settings=settings)
    stage, _ = submitter(k)
    send, receive = anyio.create_memory_object_stream[TrackedJob](8)
    handed: list[str] = []
    with receive:
        async with anyio.create_task_group() as tg:
            tg.start_soon(stage.feed, send, jobs)
            await anyio.wait_all_tasks_blocked()
            for job in jobs[:2]:  # charged: neither gives its estimate back
                job.cost = 0.28
            k.book.wake()
        while True:
            try:
                handed.append(receive.receive_nowait().spec.id)
            except (anyio.WouldBlock, anyio.EndOfStream):
                break
    assert handed == ["a", "b"]  # 2 x $0.28 fit under $0.60; a third would not
    assert k.ledger.events("c") == ["deferred"] and "cap of $0.60" in (jobs[2].error or "")
    assert k.report.stop_reason is StopReason.SPEND_CAP and k.api.posted == []


@pytest.mark.parametrize("reason", [StopReason.INTERRUPTED, StopReason.CREDITS])
async def test_a_job_reaching_a_submitter_after_a_stop_is_not_sent(reason):
    job = pending()
    k = kit(ScriptedApi(submits=["never"]), [job])
    stage, tracked = submitter(k)
    k.book.take(job)
    k.control.request_stop(reason)
    await stage.submit(job)
    assert k.api.posted == [] and tracked.sent == [] and k.book.in_flight == 0
    if reason is StopReason.INTERRUPTED:  # a signal leaves it as it was, for the next run
        assert k.ledger.lines == [] and job.state is JobState.PENDING
    else:
        assert k.ledger.events() == ["deferred"] and job.state is JobState.DEFERRED


async def test_a_submit_cancelled_mid_wait_says_nothing_was_sent():
    job = pending()
    k = kit(ScriptedApi(submits=[RateLimited("429", retry_after=60.0), "r1"]), [job])
    stage, _ = submitter(k)
    k.book.take(job)
    async with anyio.create_task_group() as tg:
        tg.start_soon(stage.submit, job)
        await anyio.wait_all_tasks_blocked()
        assert len(k.api.posted) == 1  # ... and the 429 gate is closed for a minute of (fake) time
        tg.cancel_scope.cancel()  # the run stops while the submit waits out the 429
    assert k.ledger.events() == ["submitting", "submit_postponed"] and job.state is JobState.PENDING
    assert len(k.api.posted) == 1
