"""Audit of ``batchgen/engine/submitter.py``: what the ledger keeps of a submit is what a later run needs to
settle a lost one without paying twice, and a credit stop defers the jobs set aside for their kind's trial at
once, not once the trial ends."""

from __future__ import annotations

from typing import Any

import anyio

from batchgen.api.answers import Submitted
from batchgen.clock import FakeClock, parse_time
from batchgen.jobs import JobState, StopReason, TrackedJob
from tests.engine.doubles import ScriptedApi, kit, pending, submitter
from tests.engine.test_audit_outliving import trial_kit


class SlowAnswers(ScriptedApi):
    """The API answers each submit some seconds after its POST went out (an upload, a busy gateway)."""

    clock = FakeClock()  # the kit's, once built

    def __init__(self, delay_s: float, **scripted: Any) -> None:
        super().__init__(**scripted)
        self.delay_s = delay_s

    async def submit(self, model: str, params: Any) -> Submitted:
        answered = await super().submit(model, params)
        await self.clock.sleep(self.delay_s)
        return answered


async def test_the_submitted_line_dates_the_post_that_made_the_request_not_its_answer():
    job = pending()
    api = SlowAnswers(20.0, submits=["r-1"])
    k = kit(api, [job])
    api.clock = k.clock
    stage, tracked = submitter(k)
    k.book.take(job)
    async with k.clock.autojump():
        await stage.submit(job)
    (_, _, _, stamped), (_, event, state, made) = k.ledger.lines
    assert (event, state) == ("submitted", "submitted") and made["request_id"] == "r-1"
    posted, answered = parse_time(made["posted_at"]), parse_time(made["submitted_at"])
    assert posted is not None and answered is not None
    # a later run counts r-1 as sent after a lost submit only from when its POST went out
    assert made["posted_at"] == stamped["posting_at"]
    assert answered - posted >= 20.0
    assert tracked.sent == [job]


async def test_a_credit_stop_defers_the_jobs_set_aside_for_their_kinds_trial_without_waiting_for_the_trial_to_end():
    trial, nxt = jobs = [pending("a"), pending("b", prompt="a hare")]
    k, _, stage_ = trial_kit(jobs, ["r-a"], on_trial=trial)
    send, receive = anyio.create_memory_object_stream[TrackedJob](8)
    async with k.clock.autojump():
        with anyio.fail_after(5):
            async with anyio.create_task_group() as tg:
                tg.start_soon(stage_.feed, send, jobs)
                tg.start_soon(stage_.loop, receive)
                await k.book.until(lambda: trial.request_id is not None)
                await k.clock.sleep(600)  # the trial is in flight: b waits for it, set aside
                assert nxt.state is JobState.PENDING and not stage_.fed_all
                k.control.request_stop(StopReason.CREDITS)  # credits ran out
                k.book.wake()  # (as the run's stop wakes every wait)
                await k.clock.sleep(1)
                fed = stage_.fed_all
                tg.cancel_scope.cancel()
    assert fed and trial.holds_slot and trial.state is JobState.SUBMITTED
    assert nxt.state is JobState.DEFERRED and k.ledger.events("b") == ["deferred"]
