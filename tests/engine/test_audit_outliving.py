"""Audit of ``batchgen/engine/outliving.py``: a kind of job seen to outlive its records where nothing else can fetch
them is held until more of its jobs made a video than died so, one job of it on trial goes alone and never keeps
the rest waiting once it is over, a video made in any way counts, and the next run reads the hold off the ledger as
the latest line and the latest video say."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import anyio
from anyio.abc import TaskGroup

from batchgen.api.gateway import Gateway
from batchgen.api.ratelimit import RequestBudget
from batchgen.engine.outliving import Outliving, holds
from batchgen.engine.pollplan import latency_key
from batchgen.engine.resume import outlived
from batchgen.jobs import Event, JobSpec, JobState, TrackedJob
from tests.engine.doubles import PollApi, ScriptedApi, kit, pending, submitter
from tests.engine.doubles import poll_stage as stage
from tests.engine.doubles import result_answer as done
from tests.engine.doubles import run_poller as run
from tests.engine.doubles import status_answer as status
from tests.engine.test_submitter_units import limited

KIND = ("kling-2.6", "pro", 10)


class Room:
    """A life cap whose room the test sets, with no request history to stand in for a record that dies."""

    def __init__(self, now: int) -> None:
        self.now = now
        self.kinds = Outliving(lambda: False)

    def room(self, concurrency: int, in_flight: int) -> int:
        return self.now

    def dead_ahead(self) -> int:
        return 0

    def recheck_in(self) -> float:
        return float("inf")

    def through(self, sent_at: float) -> bool:
        return False  # (a job sent, if made, is in flight still)


def trial_kit(jobs: list[TrackedJob], submits: list[Any], *, on_trial: TrackedJob | None = None, per_minute: int = 0):
    """A submit stage of two slots over ``jobs`` whose life cap's room the test sets, ``on_trial``'s kind taken up
    on trial (an earlier run held it), and ``per_minute`` requests a minute if given."""
    k = kit(ScriptedApi(submits=submits), jobs, settings=limited(concurrency=2))
    if per_minute:
        k.gateway = Gateway(RequestBudget(per_minute, clock=k.clock), k.policy, k.clock)
    life = Room(2)
    if on_trial is not None:
        life.kinds.carry(latency_key(on_trial.spec), 2, 0)
    stage_, _ = submitter(k, life=life)  # type: ignore[arg-type]
    return k, life, stage_


async def feed_and_submit(
    k, stage_, jobs: list[TrackedJob], seconds: float, look: Callable[[], Any] = lambda: None
) -> Any:
    """The feeder and the submitters (one a slot, and one more, as Run starts them) for ``seconds`` run seconds;
    what ``look`` sees then, before they are cancelled."""
    send, receive = anyio.create_memory_object_stream[TrackedJob](8)

    def start(tg: TaskGroup) -> None:
        tg.start_soon(stage_.feed, send, jobs)
        for _ in range(3):
            tg.start_soon(stage_.loop, receive.clone())
        receive.close()

    return await _for_a_while(k, start, seconds, look)


async def submit_each(k, stage_, jobs: list[TrackedJob], seconds: float, look: Callable[[], Any] = lambda: None) -> Any:
    """Each of ``jobs`` handed over and submitted at once, side by side, for ``seconds`` run seconds; what ``look``
    sees then, before the submits are cancelled."""

    def start(tg: TaskGroup) -> None:
        for job in jobs:
            k.book.take(job)
        for job in jobs:
            tg.start_soon(stage_.submit, job)

    return await _for_a_while(k, start, seconds, look)


async def _for_a_while(k, start: Callable[[TaskGroup], None], seconds: float, look: Callable[[], Any]) -> Any:
    async with k.clock.autojump():
        with anyio.fail_after(8):
            async with anyio.create_task_group() as tg:
                start(tg)
                await k.clock.sleep(seconds)
                seen = look()
                if inspect.isawaitable(seen):  # (a look that acts, then says what it saw)
                    seen = await seen
                tg.cancel_scope.cancel()
    return seen


def test_a_kind_stays_held_while_its_videos_are_no_more_than_its_deaths_and_is_sent_again_once_they_are_more():
    kinds = Outliving(lambda: False)
    kinds.died(KIND)
    kinds.died(KIND)
    kinds.made(KIND)
    kinds.made(KIND)
    assert holds(2, 2) and kinds.held(KIND) is not None  # as many videos as deaths: still held
    kinds.made(KIND)
    assert not holds(2, 3) and kinds.held(KIND) is None


def test_the_next_run_takes_up_a_hold_whose_line_counts_as_many_videos_as_deaths():
    spec = JobSpec("j0", "kling-2.6", {"prompt": "0", "mode": "pro", "duration": 10})
    jobs = [spec]
    known = {"j0": {"state": "deferred", "ts": "2026-12-01T10:05:00Z", "outlived": {"died": 2, "made": 2}}}
    assert outlived(known, jobs) == {KIND: (2, 2)}


def test_a_history_not_yet_known_to_stand_in_is_taken_for_none_a_kind_is_held_and_taken_up_on_trial():
    kinds = Outliving(lambda: None)
    kinds.died(KIND)
    kinds.died(KIND)
    assert kinds.held(KIND) is not None
    kinds.carry(("kling-2.6", "pro", 5), 2, 0)
    assert kinds.on_trial(("kling-2.6", "pro", 5))


def _jobs(*lines: tuple[str, dict]) -> tuple[dict[str, dict], list[JobSpec]]:
    known, jobs = {}, []
    for i, (_, line) in enumerate(lines):
        jobs.append(JobSpec(f"j{i}", "kling-2.6", {"prompt": str(i), "mode": "pro", "duration": 10}))
        known[f"j{i}"] = line
    return known, jobs


def test_a_trial_video_the_earlier_run_left_downloading_ends_the_hold_for_the_next_run():
    known, jobs = _jobs(
        ("hold", {"state": "deferred", "ts": "2026-12-01T10:05:00Z", "outlived": {"died": 2, "made": 0}}),
        # the trial, sent after the hold: its video was made, and the run was stopped while it downloaded
        ("trial", {"state": "downloading", "ts": "2026-12-02T09:10:00Z", "submitted_at": "2026-12-02T09:00:00Z"}),
    )
    assert outlived(known, jobs) == {}


def test_the_latest_video_of_a_kind_ends_its_hold_whatever_the_order_of_the_manifest():
    known, jobs = _jobs(
        # a video sent after the hold's line, first in the manifest ...
        ("after", {"state": "completed", "ts": "2026-12-01T11:00:00Z", "submitted_at": "2026-12-01T10:30:00Z"}),
        # ... and one sent before it, later in the manifest
        ("before", {"state": "completed", "ts": "2026-12-01T10:09:00Z", "submitted_at": "2026-12-01T10:01:00Z"}),
        ("hold", {"state": "expired", "ts": "2026-12-01T10:05:00Z", "outlived": {"died": 2, "made": 0}}),
    )
    assert outlived(known, jobs) == {}


async def test_a_video_found_at_a_jobs_first_poll_counts_for_its_kind_and_ends_its_trial():
    job = pending()
    s = stage(PollApi(statuses=[status("COMPLETED")], results=[done()]), [job])
    kind = latency_key(job.spec)
    s.poller.life.kinds = kinds = Outliving(lambda: False)
    kinds.carry(kind, 2, 0)
    await run(s, lambda: bool(s.downloads.sent))
    assert s.downloads.sent == [job] and job.pending_age == 0  # never seen unfinished
    assert kinds.tallies(kind) == {"died": 0, "made": 1} and not kinds.on_trial(kind)


async def test_a_trial_job_that_fails_on_the_server_lets_the_next_job_of_its_kind_go_as_the_trial():
    trial, nxt = jobs = [pending("a"), pending("b", prompt="a hare")]
    k, _, stage_ = trial_kit(jobs, ["r-a", "r-b"], on_trial=trial)
    async with k.clock.autojump():
        with anyio.fail_after(5):
            async with anyio.create_task_group() as tg:
                for job in jobs:
                    k.book.take(job)
                await stage_.submit(trial)
                tg.start_soon(stage_.submit, nxt)
                await k.clock.sleep(600)
                assert [p["prompt"] for p in k.api.posted] == ["a fox"]  # the rest wait for the trial
                await k.book.finish(trial, Event.FAILED, JobState.FAILED, error={"detail": "model error"})
    assert nxt.request_id == "r-b" and len(k.api.posted) == 2


async def test_a_trial_job_that_waited_for_room_is_sent_and_never_waits_for_itself():
    other = TrackedJob(JobSpec("o", "kling-2.6", {"prompt": "other"}), JobState.PENDING, 0.28)
    trial = pending("a")
    k, life, stage_ = trial_kit([other, trial], ["r-o", "r-a"], on_trial=trial)
    async with k.clock.autojump():
        with anyio.fail_after(5):
            async with anyio.create_task_group() as tg:
                for job in (other, trial):
                    k.book.take(job)
                await stage_.submit(other)
                life.now = 1  # a wait was seen: one in flight at most, and the other job holds it
                tg.start_soon(stage_.submit, trial)
                await k.clock.sleep(600)
                assert trial.request_id is None
                await k.book.finish(other, Event.FAILED, JobState.FAILED, error={"detail": "model error"})
    assert trial.request_id == "r-a" and k.ledger.events("a") == ["submitting", "submitted"]


async def test_a_job_whose_kind_is_held_while_its_post_waits_for_the_budget_is_not_sent_but_held_back():
    first, second = jobs = [pending("a"), pending("b", prompt="a hare")]
    k, life, stage_ = trial_kit(jobs, ["r-a", "r-b"], per_minute=1)
    kind = latency_key(first.spec)
    async with k.clock.autojump():
        with anyio.fail_after(5):
            async with anyio.create_task_group() as tg:
                for job in jobs:
                    k.book.take(job)
                await stage_.submit(first)
                tg.start_soon(stage_.submit, second)
                await k.clock.sleep(1)  # its POST waits for the budget
                assert second.request_id is None
                life.kinds.died(kind)
                life.kinds.died(kind)
    assert [p["prompt"] for p in k.api.posted] == ["a fox"] and second.request_id is None
    assert second.state is JobState.DEFERRED and k.ledger.events("b")[-1] == "outlives_record"
    assert k.report.held_back and k.report.held_back[0][0] == "b"


async def test_no_job_of_a_kind_on_trial_is_sent_while_one_an_earlier_run_left_in_flight_is_still_in_flight():
    left, nxt = jobs = [pending("a"), pending("b", prompt="a hare")]
    k, _, stage_ = trial_kit(jobs, ["r-b"], on_trial=nxt)
    left.request_id = "r-a"
    k.book.adopt(left, JobState.SUBMITTED, in_flight=True)  # re-attached: the killed run's trial
    async with k.clock.autojump():
        with anyio.fail_after(5):
            async with anyio.create_task_group() as tg:
                k.book.take(nxt)
                tg.start_soon(stage_.submit, nxt)
                await k.clock.sleep(600)
                assert not k.api.posted  # it waits for the job in flight
                await k.book.finish(left, Event.EXPIRED, JobState.EXPIRED, error={"http": 404, "detail": "gone"})
    assert nxt.request_id == "r-b" and [p["prompt"] for p in k.api.posted] == ["a hare"]
