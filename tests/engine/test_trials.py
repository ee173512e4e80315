"""One job at a time of a kind on trial: the others wait without a slot while it is in flight, are held while its
submit's outcome is unknown and a job it made would not be through, and jobs of other kinds go on past them."""

from __future__ import annotations

import anyio
import pytest

from batchgen.clock import FakeClock
from batchgen.engine.book import JobBook
from batchgen.engine.outliving import Outliving
from batchgen.engine.pollplan import latency_key
from batchgen.engine.trials import Lineup, Trials
from batchgen.errors import AmbiguousSubmit
from batchgen.jobs import Event, JobSpec, JobState, TrackedJob
from tests.engine.doubles import MemoryLedger, pending
from tests.engine.test_audit_outliving import feed_and_submit, trial_kit


def other_kind(job_id: str) -> TrackedJob:
    return TrackedJob(JobSpec(job_id, "kling-2.6", {"prompt": job_id}), JobState.PENDING, 0.28)


def trials_over(jobs: list[TrackedJob], *, through: bool = False) -> tuple[Trials, JobBook, Outliving]:
    kinds = Outliving(lambda: False)
    kinds.carry(latency_key(jobs[0].spec), 2, 0)  # an earlier run held it
    book = JobBook(jobs, MemoryLedger())
    return Trials(book, FakeClock(), lambda: kinds, lambda sent_at: through, lambda job: False), book, kinds


def test_a_job_an_earlier_run_left_of_unknown_outcome_tries_its_kind_until_a_job_it_made_would_be_through():
    left, nxt = pending("a"), pending("b", prompt="a hare")
    left.state, left.posted_epoch = JobState.SUBMITTING, 1_000.0  # the killed run's trial, its answer lost
    for through, held in ((False, True), (True, False)):
        trials, book, _ = trials_over([left, nxt], through=through)
        trials.resumed([left])
        assert (trials.held(nxt) is not None) is held and not trials.waits(nxt)
        if held:
            assert "job a of the kind may or may not have been made" in (trials.held(nxt) or "")
        else:
            book.take(nxt)
            trials.claim(nxt)  # through by now: the next goes to try the kind
            assert trials.blocker(left) is nxt


def test_the_latest_post_of_the_jobs_an_earlier_run_left_unknown_is_its_kinds_trial():
    older, newer, nxt = pending("a"), pending("b", prompt="a hare"), pending("c", prompt="an owl")
    older.state = newer.state = JobState.SUBMITTING
    older.posted_epoch, newer.posted_epoch = 1_000.0, 2_000.0
    trials, _, _ = trials_over([older, newer, nxt])
    trials.resumed([newer, older])
    assert trials.blocker(nxt) is newer


def test_the_line_sets_aside_a_kind_on_trial_while_its_trial_is_in_flight_and_keeps_the_manifests_order():
    trial, b, c = pending("a"), pending("b", prompt="a hare"), pending("c", prompt="an owl")
    owl = other_kind("o")
    trials, book, kinds = trials_over([trial, b, owl, c])
    line = Lineup([trial, b, owl, c], trials)
    assert line.next(stopping=False) is trial
    book.take(trial)
    trials.claim(trial)
    assert line.next(stopping=False) is owl  # b and c wait for the trial, with no slot
    assert line.next(stopping=False) is None and line.waiting and not line.ready()
    assert list(line.left()) == [b, c]
    kinds.made(latency_key(trial.spec))  # the trial made a video: the kind is sent again
    assert line.ready() and [line.next(stopping=False), line.next(stopping=False)] == [b, c]
    assert line.next(stopping=False) is None and not line.waiting


def test_a_stop_takes_the_jobs_set_aside_out_of_the_line_to_be_deferred():
    trial, b = pending("a"), pending("b", prompt="a hare")
    trials, book, _ = trials_over([trial, b])
    book.take(trial)
    trials.claim(trial)
    line = Lineup([b], trials)
    assert line.next(stopping=False) is None and line.waiting
    assert line.next(stopping=True) is b and not line.waiting


async def test_the_feeder_keeps_a_held_kinds_job_back_at_once_without_waiting_for_a_slot():
    busy, held = other_kind("o"), pending("h")
    k, life, stage_ = trial_kit([busy, held], ["r-o"])
    life.now = 1  # one in flight at most, and the other kind's job holds it
    kind = latency_key(held.spec)
    life.kinds.died(kind)
    life.kinds.died(kind)
    send, receive = anyio.create_memory_object_stream[TrackedJob](8)
    stage_.fed_all = False
    async with k.clock.autojump():
        with anyio.fail_after(5):
            async with anyio.create_task_group() as tg:
                k.book.take(busy)
                await stage_.submit(busy)  # in flight, for as long as the test lasts
                tg.start_soon(stage_.feed, send, [held])
                await k.book.until(lambda: stage_.fed_all)
                tg.cancel_scope.cancel()
    receive.close()
    assert held.state is JobState.DEFERRED and k.ledger.events("h") == ["outlives_record"]
    assert not held.holds_slot and busy.holds_slot and busy.request_id == "r-o"


async def test_a_held_job_an_earlier_run_deferred_gets_a_line_of_this_runs_reason():
    held = pending("h")
    held.state = JobState.DEFERRED  # an earlier run's stop deferred it
    k, life, stage_ = trial_kit([held], [])
    kind = latency_key(held.spec)
    life.kinds.died(kind)
    life.kinds.died(kind)
    send, receive = anyio.create_memory_object_stream[TrackedJob](8)
    async with k.clock.autojump():
        with anyio.fail_after(5):
            await stage_.feed(send, [held])
    receive.close()
    assert k.ledger.events("h") == [Event.OUTLIVES_RECORD]
    assert "outlive their request records" in (held.error or "") and k.report.held_back[0][0] == "h"


def test_a_job_put_back_in_the_line_waits_at_the_head_of_its_kind():
    first, b, c = pending("a"), pending("b", prompt="a hare"), pending("c", prompt="an owl")
    trials, book, _ = trials_over([first, b, c])
    line = Lineup([b, c], trials)
    assert line.next(stopping=False) is b  # no job tries the kind yet
    book.take(first)
    trials.claim(first)  # one went to try it (made again, or looked up) while b waited for room
    assert line.set_aside(b) and line.current is None
    assert line.next(stopping=False) is None and list(line.left()) == [b, c]
    assert not line.set_aside(other_kind("o"))  # a job of another kind never waits


def test_a_job_of_the_kind_an_earlier_run_left_being_looked_up_is_waited_for_though_another_is_its_trial():
    older, newer, nxt = pending("a"), pending("b", prompt="a hare"), pending("c", prompt="an owl")
    trials, book, _ = trials_over([older, newer, nxt])
    for job, at in ((older, 1_000.0), (newer, 2_000.0)):
        book.adopt(job, JobState.SUBMITTING, in_flight=True)  # both being looked up
        job.posted_epoch = at
    trials.resumed([older, newer])
    newer.state = JobState.FAILED  # (its look-up found it made, and it failed)
    book.drop(newer)
    assert trials.blocker(nxt) is older and trials.waits(nxt)


async def test_a_trial_of_unknown_outcome_does_not_wait_for_a_job_set_aside_in_the_feeders_line_to_settle_it():
    trial, nxt = jobs = [pending("a"), pending("b", prompt="a hare")]
    # a history that answers and does not list it (nor yet any finished job of ours with its link)
    k, life, stage_ = trial_kit(jobs, [AmbiguousSubmit("no answer after sending"), "r-b"], on_trial=trial)
    life.unknown = lambda sent_at: None  # (the life cap's own slot for it: not here)
    # its look-ups (under ten minutes) are over
    stuck = await feed_and_submit(k, stage_, jobs, 900, lambda: trial.holds_slot)
    assert not stuck and k.ledger.events("a")[-1] == "settle_later"  # not waiting a record's life for "a hare"
    assert [p["prompt"] for p in k.api.posted] == ["a fox"]
    assert nxt.state is JobState.DEFERRED and k.ledger.events("b") == ["outlives_record"]


@pytest.mark.parametrize("made", [True, False])
async def test_a_held_kinds_job_waits_aside_while_jobs_of_its_kind_in_flight_may_end_the_hold(made):
    flying, held = pending("f"), pending("h", prompt="a hare")
    k, life, stage_ = trial_kit([flying, held], ["r-h"])
    kind = latency_key(held.spec)
    life.kinds.died(kind)
    life.kinds.died(kind)  # held, while one of its jobs is still in flight
    flying.request_id = "r-f"
    k.book.adopt(flying, JobState.SUBMITTED, in_flight=True)

    async def ends() -> list[str]:
        waited = [str(held.state), str(len(k.api.posted))]
        if made:  # it makes a video, and so do two more of the kind elsewhere: more videos than deaths
            for _ in range(3):
                life.kinds.made(kind)
            await k.book.record(flying, Event.RESULT, JobState.DOWNLOADING)
        else:
            await k.book.finish(flying, Event.FAILED, JobState.FAILED, error={"detail": "model error"})
        await k.clock.sleep(60)
        return waited

    waited = await feed_and_submit(k, stage_, [held], 600, ends)
    assert waited == ["pending", "0"]  # not held back at once: a video of the job in flight may end the hold
    if made:
        assert held.request_id == "r-h" and [p["prompt"] for p in k.api.posted] == ["a hare"]
    else:
        assert held.state is JobState.DEFERRED and k.ledger.events("h") == ["outlives_record"] and not k.api.posted
