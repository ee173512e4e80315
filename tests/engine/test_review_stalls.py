"""A watched job's stall time dated from the jobs of ours sent before it (``Poller.stalls_at``): what a chain of
stalled jobs costs, a job sent after it finishing, the sweeps stopping, and what a job given up behind another is
told; on the poll stage's doubles and a fake clock."""

from __future__ import annotations

from typing import Any

import anyio

from batchgen.api.answers import HistoryRow, Status
from batchgen.engine.messages import Replan
from batchgen.engine.pollplan import LatencyModel, latency_key
from batchgen.errors import NotFound, ServerError
from batchgen.jobs import TrackedJob
from tests.engine.doubles import MODEL, PollApi, pending, submitter
from tests.engine.doubles import POLL_LINK as LINK
from tests.engine.doubles import poll_stage as stage
from tests.engine.doubles import result_answer as done
from tests.engine.doubles import run_poller as run
from tests.engine.doubles import status_answer as status


class Watched(PollApi):
    """Every record gone (404) unless ``live`` says otherwise; the history shows each job PENDING, or COMPLETED
    with its link once ``done_at(request id, now)`` says so.  Each look-up in the history is kept, with its time."""

    def __init__(self) -> None:
        super().__init__(statuses=[NotFound("HTTP 404")], results=[done(metrics={"total_time": 1300.0})])
        self.clock: Any = None
        self.jobs: dict[str, TrackedJob] = {}
        self.looks: list[tuple[str, float]] = []
        self.live: dict[str, Any] = {}  # request id -> a function of now giving its status (None: 404)
        self.done_at: Any = lambda rid, now: False

    async def status(self, request_id: str) -> Status:
        self.calls.append("status")
        live = self.live.get(request_id)
        state = live(self.clock.now()) if live is not None else None
        if state is None:
            raise NotFound("HTTP 404")
        return status(state)

    async def history_get(self, request_id: str) -> HistoryRow:
        now = self.clock.now()
        self.looks.append((request_id, now))
        body = self.jobs[request_id].spec.payload()
        if self.done_at(request_id, now):
            return HistoryRow(request_id, MODEL, "COMPLETED", body, LINK, 0.28, None, None)
        return HistoryRow(request_id, MODEL, "PENDING", body, None, None, None, None)


def watched_stage(api: Watched, jobs: list[TrackedJob], took: float = 1300.0) -> tuple[Any, list[float]]:
    """The poll stage on ``jobs``, their kind learned to take ``took`` s (so taken for stalled three times that after
    it began), the history seen to list a request 2 s after its POST; each loss is timed."""
    latency = LatencyModel()
    for _ in range(4):
        latency.observe(latency_key(pending().spec), took)
    s = stage(api, jobs, latency=latency)
    api.clock, api.jobs = s.k.clock, {job.request_id or "": job for job in jobs}
    for rid in ("r-x", "r-y", "r-z"):
        s.k.reconciler.note_submitted(rid, s.k.clock.epoch() - 2.0)
        s.k.reconciler.note_seen(rid)
    times: list[float] = []
    lost = s.lost.send

    async def timed(message: Any) -> None:
        times.append(s.k.clock.now())
        await lost(message)

    s.lost.send = timed  # type: ignore[method-assign,assignment]
    return s, times


async def test_a_chain_of_stalled_watched_jobs_costs_look_ups_in_proportion_to_its_length():
    # Ten jobs sent 0.1 s apart long ago, every record gone and every row PENDING for good: each is seen gone at
    # its first poll (one look-up each) and given up as stalled in turn from 10 s on (one more each).
    n, took = 10, 1300.0
    jobs = [pending(f"j{i}") for i in range(n)]
    api = Watched()
    s, _ = watched_stage(api, jobs, took)
    for i, job in enumerate(jobs):
        job.submitted_at = job.sent_at = s.k.clock.now() - 3 * took + 10.0 + 0.1 * i
    await run(s, lambda: len(s.lost.sent) == n, step_s=600.0)
    assert [message.job for message in s.lost.sent] == jobs
    assert len(api.looks) <= 3 * n, len(api.looks)  # 65 look-ups for 10 jobs (152 for 16, 4,950+ for 100)


async def test_a_job_sent_after_it_finishing_does_not_restart_its_stall_clock_nor_is_told_as_one_before_it():
    # a, sent first, would be taken for stalled at 100 s (three times 1,300 s after it was made).  b, sent after
    # it, finishes at 2 s; a's record lives until 50 s, then dies with the history showing it PENDING.  Nothing
    # was sent before a: its time counts from when it was made (README), and it is given up at 100 s.
    took = 1300.0
    a, b = pending("a"), pending("b")
    api = Watched()
    api.live = {"r-a": lambda now: "PROCESSING" if now < 50.0 else None, "r-b": lambda now: "COMPLETED"}
    s, times = watched_stage(api, [a, b], took)
    a.submitted_at = a.sent_at = s.k.clock.now() - 3 * took + 100.0
    b.submitted_at = b.sent_at = a.submitted_at + 0.1
    await run(s, lambda: bool(s.lost.sent), step_s=100.0, limit_s=1000.0)
    assert s.downloads.sent == [b]
    assert [message.job for message in s.lost.sent] == [a], "a still watched at 1,000 s (given up at 3,902 s)"
    assert times[0] < 200.0
    assert "job sent before it" not in s.lost.sent[0].detail  # none was


async def test_a_watched_job_is_looked_at_within_a_poll_gap_once_the_sweeps_stop():
    # Sweeps work (per-job polls are a sparse net) when a's record is found gone, the history showing it PENDING
    # (taken for stalled only at 800 s).  At 200 s the sweeps stop; a is shown COMPLETED from then.  With no
    # sweep to show it, it must be looked up by id within a poll gap (60 s), not at its sparse look.
    took = 1500.0
    a = pending("a")
    api = Watched()
    api.done_at = lambda rid, now: now >= 200.0
    s, _ = watched_stage(api, [a], took)
    a.submitted_at = a.sent_at = s.k.clock.now() - 3700.0  # (its record past its life)
    sweeper = s.poller.sweeper
    sweeper.sweeping, sweeper.healthy = True, True  # sweeps work (none is read here: the sweeper's loop is off)
    s.poller.track(a)
    async with s.k.clock.autojump(), anyio.create_task_group() as tg:
        tg.start_soon(s.poller.loop, tg)
        while not api.looks:
            await s.k.clock.sleep(5.0)
        assert s.poller.by_request and a.record_gone  # watched
        await s.k.clock.sleep(200.0 - s.k.clock.now())
        sweeper.sweeping = False
        s.poller.hear(Replan())  # as Sweeper.stop sends it
        while not s.downloads.sent and s.k.clock.now() < 1200.0:
            await s.k.clock.sleep(100.0)
        tg.cancel_scope.cancel()
    assert s.downloads.sent == [a]
    assert api.looks[-1][1] <= 200.0 + 60.0 + 5.0, api.looks  # looked up at 800 s: its stall time


async def test_a_job_given_up_behind_one_just_given_up_is_told_of_the_last_job_before_it_that_finished():
    # c, sent first, finishes at once (its kind learned to take 20 s: taken for stalled 60 s after it began).  a and
    # b, sent after it, have their records gone with the history showing them PENDING: a is given up at about 60 s
    # (60 s after c was through: true), and b, woken behind it, at once, timed from c's finish too.
    took = 20.0
    c, a, b = pending("c"), pending("a"), pending("b")
    api = Watched()
    api.results = [done(metrics={"total_time": took})]
    api.live = {"r-c": lambda now: "COMPLETED"}
    s, _ = watched_stage(api, [c, a, b], took)
    c.submitted_at = c.sent_at = s.k.clock.now() - 3700.2  # (records past their life)
    a.submitted_at = a.sent_at = c.submitted_at + 0.1
    b.submitted_at = b.sent_at = a.submitted_at + 0.1
    for job in (c, a, b):
        s.poller.track(job)
    async with s.k.clock.autojump(), anyio.create_task_group() as tg:
        tg.start_soon(s.poller.loop, tg)
        await s.k.clock.sleep(5.0)
        assert s.downloads.sent == [c] and a.record_gone and b.record_gone
        s.poller.sweeper.sweeping = s.poller.sweeper.healthy = True  # from here polls are a sparse net (no look
        while len(s.lost.sent) < 2 and s.k.clock.now() < 500.0:  # every gap, only by each one's stall time)
            await s.k.clock.sleep(50.0)
        tg.cancel_scope.cancel()
    assert [message.job for message in s.lost.sent] == [a, b]
    # each is told how long after the last job sent before it finished (c, for both: a was given up, not finished)
    assert all("after the last job sent before it finished" in message.detail for message in s.lost.sent)


async def test_a_job_ahead_seen_finished_whose_result_is_not_yet_fetched_still_holds_back_the_jobs_behind_it():
    # a, sent first, runs until 100 s (its record lives); b, sent 0.1 s after it, waits behind it, its record gone
    # and the history showing it PENDING (its own stall time from when it was made passed at 10.1 s).  At 100 s a
    # poll sees a COMPLETED, but its result call fails (5xx) a few times: a is "done" (done_age set) yet still
    # tracked, so it is neither ahead of b (done_age is not None) nor a finish in ``finishes`` (added at untrack).
    # b's clock falls back to when it was made, and it is given up at its next look, right after a finished: b
    # began its own time at 100 s and is taken for stalled only 3,900 s after that.
    took = 1300.0
    a, b = pending("a"), pending("b")
    api = Watched()
    api.live = {"r-a": lambda now: "PROCESSING" if now < 100.0 else "COMPLETED"}
    api.results = [ServerError("HTTP 503")] * 6 + [done(metrics={"total_time": took})]
    s, times = watched_stage(api, [a, b], took)
    a.submitted_at = a.sent_at = s.k.clock.now() - 3 * took + 10.0
    b.submitted_at = b.sent_at = a.submitted_at + 0.1
    await run(s, lambda: bool(s.downloads.sent) and s.k.clock.now() > 1000.0, step_s=50.0, limit_s=1200.0)
    assert s.downloads.sent == [a]
    assert s.lost.sent == [], [(m.job.spec.id, t, m.detail) for m, t in zip(s.lost.sent, times, strict=False)]


async def test_a_watched_job_given_up_and_made_anew_is_polled_as_a_new_request_not_watched_from_its_first_poll():
    # a's record dies while the history shows it PENDING: watched (record_gone), then taken for stalled at 10 s, and
    # --resubmit-lost makes it anew (the same TrackedJob, a new request r-new).  Nothing reset record_gone (nor
    # polls, pending_age): the new request, whose record lives and says COMPLETED, was never status-polled; its
    # first poll was a look-up in the history by id, which does not list it yet, and the paid video was lost again.
    took = 1300.0
    a = pending("a")
    api = Watched()
    s, _ = watched_stage(api, [a], took)
    a.submitted_at = a.sent_at = s.k.clock.now() - 3 * took + 10.0
    await run(s, lambda: bool(s.lost.sent), step_s=5.0, limit_s=100.0)
    assert [message.job for message in s.lost.sent] == [a] and a.record_gone  # it was watched, then given up

    api.submits = ["r-new"]
    api.live = {"r-new": lambda now: "COMPLETED"}
    api.results = [done(metrics={"total_time": 30.0})]
    api.looks.clear()
    looked_up = api.history_get

    async def history_get(request_id: str) -> HistoryRow:
        if request_id == "r-new":  # a request just made: not listed yet
            api.looks.append((request_id, s.k.clock.now()))
            raise NotFound("HTTP 404")
        return await looked_up(request_id)

    api.history_get = history_get  # type: ignore[method-assign]
    sub, tracked = submitter(s.k, resubmit_lost=True)
    await sub.expire(a, s.lost.sent[0].detail)
    assert tracked.sent == [a] and a.request_id == "r-new"
    s.lost.sent.clear()
    s.poller.track(a)
    await run(s, lambda: bool(s.downloads.sent or s.lost.sent), track=False, step_s=100.0, limit_s=4000.0)
    assert s.downloads.sent == [a] and s.lost.sent == [], (api.looks, [m.detail for m in s.lost.sent])
    assert api.looks == []  # polled by its status, as any new request


async def test_a_re_attached_watched_job_counts_its_stall_time_from_the_earlier_runs_last_finish_before_it():
    # r was sent by an earlier run 3,000 s ago, q 100 s before it; the earlier run saw q finish 100 s ago (its
    # ledger line: the lineup handed to track_many).  r waited behind q for a worker until then.  Re-attached now, r's
    # record is gone and the history shows it PENDING: its own time began when q was seen finished, so it is taken
    # for stalled 3,900 s after that (at 3,800 s), not at 900 s from its submit.  ``Finishes`` is fed only by this
    # run's finishes: the lineup's are ignored, and r is given up some 2,900 s early.
    took = 1300.0
    r = pending("r")
    api = Watched()
    s, times = watched_stage(api, [r], took)
    clock = s.k.clock
    r.submitted_at = clock.now() - 3000.0
    r.sent_at = r.made_by = None  # re-attached from the ledger
    lineup = [
        (clock.epoch() - 3100.0, clock.epoch() - 100.0, True, "r-q"),
        (clock.epoch() - 3000.0, None, False, "r-r"),
    ]
    s.poller.track_many([r], lineup)
    await run(s, lambda: bool(s.lost.sent), track=False, step_s=100.0, limit_s=1500.0)
    assert s.lost.sent == [], (times, [m.detail for m in s.lost.sent])
