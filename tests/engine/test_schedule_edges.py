"""Edges of the poll schedule (schedule.py): the poll share while
submits wait, which jobs share it, a draining batch's patience for later polls only, and what a
sweep's row may hand the poller (fake clock, no server)."""

from __future__ import annotations

import heapq
import logging

import pytest

from batchgen.api.answers import HistoryRow
from batchgen.api.ratelimit import Priority, RequestBudget
from batchgen.clock import FakeClock
from batchgen.engine.history_links import HistoryLinks
from batchgen.engine.pollplan import LatencyModel, PollPlan
from tests.engine.doubles import SWEEP_KEY, swept_job
from tests.engine.test_polling import MODEL, plan_with, submitted
from tests.helpers import schedule_poller


def planned(poller, job) -> float:
    """When ``job`` is polled next (its live heap entry)."""
    return min(at for at, _, token, j in poller._heap if j is job and token == job.poll_token)


def test_status_polls_take_turns_at_their_share_of_the_budget_the_smaller_while_submits_wait():
    # One request a second: polls may take all of it while no submit waits (results and submits go first by
    # their priority), half while one does (submits are never starved).  A poll due while the turn is taken
    # waits for the next one, not a gap sized for every job.
    clock = FakeClock(10_000.0)
    budget = RequestBudget(60, clock=clock)  # one request a second
    poller = schedule_poller(clock, budget, plan_with())
    poller.sweeper.sweeping = False  # polls alone
    a, b, c = jobs = [submitted(f"j{i}", clock.now() - 500.0, polls=3) for i in range(3)]
    poller.track_many(jobs)
    now = clock.now()
    assert not poller.wait_turn(a, now, now)  # the turn is free: it goes
    assert poller.wait_turn(b, now, now) and planned(poller, b) == pytest.approx(now + 1.0)
    budget.waiting = lambda priority: priority == Priority.SUBMIT  # type: ignore[method-assign]
    clock.advance(1.0)
    now = clock.now()
    assert not poller.wait_turn(b, now, now - 1.0)  # its turn
    assert poller.wait_turn(c, now, now) and planned(poller, c) == pytest.approx(now + 1 / 0.5)
    # a result to fetch, and a poll at its record's expiry guard, take no turn
    c.result_due = True
    assert not poller.wait_turn(c, now, now)
    c.result_due = False
    c.submitted_at = now - poller.plan.guard  # (the turn is still taken)
    assert not poller.wait_turn(c, now, now)


def test_a_poll_due_just_before_its_expiry_guard_waits_for_a_turn_no_later_than_the_guard():
    """A budget lowered to one request a minute spaces the turns a minute apart, more than the records' margin (30 s):
    a poll due a second before its guard, its turn taken, waits at most until the guard (where it takes none), not
    for the next turn, by when its record has expired."""
    clock = FakeClock(10_000.0)
    plan = plan_with(expiry_s=300.0, expiry_margin_s=30.0)
    poller = schedule_poller(clock, RequestBudget(1, clock=clock), plan)
    poller.sweeper.sweeping = False  # polls alone
    other = submitted("o", clock.now() - 100.0, polls=3)
    near = submitted("n", clock.now() - plan.guard + 1.0, polls=3)
    poller.track_many([other, near])
    now = clock.now()
    assert poller.turn_gap() > plan.expiry - plan.guard
    assert not poller.wait_turn(other, now, now)  # takes the turn
    assert poller.wait_turn(near, now, now)
    assert planned(poller, near) == pytest.approx(near.submitted_at + plan.guard)
    clock.advance(1.0)
    assert not poller.wait_turn(near, clock.now(), now)  # at its guard: it goes


def test_only_the_poll_at_a_records_expiry_guard_takes_no_turn_not_every_later_poll_of_that_job():
    """A job polled at its guard and found unfinished is polled on (every max_interval_s at most) until its record
    is gone: those polls take turns as any, or jobs past their guard (records that outlive polling.expiry_s)
    would poll with no regard for the budget's share, ahead of every other job's."""
    clock = FakeClock(10_000.0)
    plan = plan_with()
    poller = schedule_poller(clock, RequestBudget(60, clock=clock), plan)
    poller.sweeper.sweeping = False  # polls alone
    other = submitted("o", clock.now() - 100.0, polls=3)
    past = submitted("p", clock.now() - plan.guard - 100.0, polls=9)
    poller.track_many([other, past])
    now = clock.now()
    assert not poller.wait_turn(other, now, now)  # takes the turn
    assert not poller.wait_turn(past, now, now)  # its guard poll, not asked yet: no turn
    past.pending_age = plan.guard + 1.0  # ... which found it unfinished
    assert poller.wait_turn(past, now, now) and planned(poller, past) == pytest.approx(now + 1.0)


def test_the_last_looks_before_a_record_dies_take_no_turn_and_a_turn_waits_no_later_than_the_next_one():
    """Records found to die at 600 s (guard 500 s), no history.  A job its guard poll found unfinished (at 501 s)
    is looked at again halfway to its record's end (550 s): that poll takes no turn, as the guard's does not; one
    due before it takes a turn, put back no later than the look; once the looks are spent, polls take turns as
    any."""
    clock = FakeClock(10_000.0)
    plan = plan_with()
    assert plan.records_expire_by(600.0)
    poller = schedule_poller(clock, RequestBudget(60, clock=clock), plan)
    poller.sweeper.sweeping = False  # polls alone
    now = clock.now()
    assert not poller.wait_turn(submitted("x", now - 50.0), now, now)  # the turn is taken: the next is later
    late = submitted("late", now - 550.5, polls=9)
    late.pending_age = 501.0
    early = submitted("early", now - 549.7, polls=9)
    early.pending_age = 501.0
    poller.track_many([late, early])
    assert not poller.wait_turn(late, now, now)  # its last look: no turn
    assert poller.wait_turn(early, now, now) and planned(poller, early) == pytest.approx(now + 0.3)  # (turn: +1 s)
    late.pending_age = 588.0  # (the three looks spent)
    assert poller.wait_turn(late, now, now)


def test_of_the_polls_waiting_for_a_turn_the_one_due_first_goes_first_then_the_one_more_likely_done():
    clock = FakeClock(10_000.0)
    poller = schedule_poller(clock, RequestBudget(60, clock=clock), plan_with())
    poller.sweeper.sweeping = False
    fresh, old, late = jobs = [submitted("fresh", clock.now()), submitted("old", clock.now() - 500.0),
                               submitted("late", clock.now() - 900.0)]  # fmt: skip
    poller.track_many(jobs)
    now = clock.now()
    assert not poller.wait_turn(submitted("x", now - 50.0), now, now)  # the turn is taken
    assert poller.wait_turn(late, now, now + 0.5)  # came due last, though the most likely done
    assert poller.wait_turn(fresh, now, now)
    assert poller.wait_turn(old, now, now)  # due with the fresh one, and more likely done
    order = [j for _, _, token, j in sorted(poller._heap) if token == j.poll_token]
    assert order == [old, fresh, late]


def test_only_jobs_old_enough_to_be_done_tell_whether_the_budget_affords_their_polls(caplog):
    """Ten of a hundred jobs are past their kind's earliest learned finish (30 s): they alone share the budget,
    each polled every 10 s, well within max_interval_s; a hundred such would be 100 s apart: the operator
    is told the budget binds."""
    clock = FakeClock(10_000.0)
    budget = RequestBudget(60, clock=clock)
    p = plan_with()
    for _ in range(30):
        p.latency.observe(MODEL, 30.0)
    poller = schedule_poller(clock, budget, p)
    poller.sweeper.sweeping = False
    old = [submitted(f"o{i}", clock.now() - 100.0, polls=3) for i in range(10)]
    young = [submitted(f"y{i}", clock.now() - 1.0) for i in range(90)]
    poller.track_many(old + young)
    with caplog.at_level(logging.WARNING, logger="batchgen"):
        poller.schedule(old[0], clock.now())
        assert not p.budget_bound and not caplog.records
        clock.advance(30.0)  # all of them past their earliest finish (counted afresh)
        poller.schedule(old[0], clock.now())
    assert p.budget_bound
    assert [r.getMessage() for r in caplog.records] == [
        "the request budget cannot afford a poll of every job within polling.max_interval_s (60s): polls are "
        "100s apart; raise limits.requests_per_minute or lower limits.concurrency to poll more often"
    ]


def test_while_the_batch_drains_a_jobs_later_polls_may_wait_but_not_its_first():
    clock = FakeClock(0.0)
    poller = schedule_poller(clock, RequestBudget(6000, clock=clock), plan_with())
    poller.sweeper.sweeping = False  # polls alone
    poller.sweeper.draining = lambda: True  # nothing waits to be sent
    clock.advance(10_000.0)  # the run is 10,000 s old: a find may wait 1% of it (capped at max_interval_s)
    patience = poller.sweeper.patience()
    assert patience == pytest.approx(60.0)
    first = submitted("a", clock.now())
    poller.track(first)
    assert planned(poller, first) == pytest.approx(clock.now() + 2.0)  # the probe's first poll, min_interval_s
    later = submitted("b", clock.now() - 10.0, polls=1)
    poller.track(later)
    assert planned(poller, later) == pytest.approx(clock.now() + patience)


def test_a_failed_row_never_hands_the_poller_a_link_to_download():
    """The history shows a job FAILED (with a URL in its row, as a hostile server might): it is
    settled by a result call, never downloaded from the row as a finished job would be."""
    clock = FakeClock(1_000.0)
    poller = schedule_poller(clock, RequestBudget(6000, clock=clock), plan_with())
    job = submitted("f", 900.0)
    poller.track(job)
    failed = HistoryRow(job.request_id or "", MODEL, "FAILED", {}, "http://127.0.0.1:9/f.mp4", 0.28, None, "boom")
    poller.fetch_now(job, failed)
    assert job.result_due and job.swept is None
    assert planned(poller, job) == clock.now()
    done = submitted("d", 900.0)
    poller.track(done)
    completed = HistoryRow(done.request_id or "", MODEL, "COMPLETED", {}, "http://127.0.0.1:9/d.mp4", 0.28, None, None)
    poller.fetch_now(done, completed)
    assert done.swept == ("http://127.0.0.1:9/d.mp4", 0.28)


def test_a_scout_keeps_its_safety_net_polls_after_its_first_one():
    """Sweeps work and the kind is not learned: the two scouts chosen first keep the safety net at
    every later poll (in turn: first ten and twenty max_interval_s out, then three times their age
    apart), while the others wait for the expiry guard."""
    clock = FakeClock(1_000.0)
    poller = schedule_poller(clock, RequestBudget(6000, clock=clock), plan_with())
    poller.sweeper.healthy = True  # the history has shown our jobs: per-job polls are a safety net
    jobs = [submitted(f"j{i}", 1_000.0) for i in range(4)]
    for tracked in jobs:
        poller.track(tracked)
    scouts = [t for t in jobs if planned(poller, t) < 1_000.0 + 3_000.0]
    assert sorted(planned(poller, t) for t in scouts) == pytest.approx([1_600.0, 2_200.0])
    clock.advance(600.0)
    for scout in scouts:  # each scout's first safety-net poll found it unfinished
        scout.polls = 1
        poller.schedule(scout, clock.now())
        assert planned(poller, scout) == pytest.approx(clock.now() + 3 * 600.0)


def test_a_job_taken_out_of_the_schedule_and_sent_again_carries_nothing_a_sweep_showed_of_its_first_request():
    """A sweep showed the job finished with a link; before that was settled, the job left the schedule
    (its record was gone, say) and was sent again.  The new request is polled as any new job: never
    settled at once from the old request's link."""
    clock = FakeClock(1_000.0)
    poller = schedule_poller(clock, RequestBudget(6000, clock=clock), plan_with())
    poller.sweeper.sweeping = False  # polls alone
    job = submitted("a", 900.0)
    poller.track(job)
    row = HistoryRow(job.request_id or "", MODEL, "COMPLETED", {}, "http://127.0.0.1:9/old.mp4", 0.28, None, None)
    poller.fetch_now(job, row)
    assert job.result_due and job.swept is not None
    poller.untrack(job)
    assert not job.result_due and job.swept is None
    job.request_id, job.submitted_at, job.polls = "r-a2", clock.now(), 0  # sent again
    poller.track(job)
    assert planned(poller, job) == pytest.approx(clock.now() + 2.0)  # the probe's first poll, not at once


def test_a_first_poll_held_for_the_first_sweep_still_comes_before_the_record_expires():
    """Until a sweep has shown a job, a first poll waits for the first sweep that could show it (five of
    the sweeps' intervals): that wait must not carry it past the expiry guard.  Records live 300 s here
    (guard 240 s) and the jobs are learned to take 300 s, so the sweeps' interval is a fifth of that and
    five of them (300 s) would pass the guard."""
    from batchgen.engine.pollplan import LatencyModel, PollPlan

    clock = FakeClock(1000.0)
    latency = LatencyModel()
    for _ in range(10):
        latency.observe((MODEL, "", 5), 300.0)
    plan = PollPlan(latency, min_interval_s=2.0, max_interval_s=60.0, expiry_s=300.0, expiry_margin_s=60.0)
    poller = schedule_poller(clock, RequestBudget(50, clock=clock), plan)
    job = submitted("a", clock.now())
    poller.track(job)
    assert not poller.sweeper.healthy and poller.sweeper.first_look() > plan.guard  # the hold would pass it
    assert planned(poller, job) - job.submitted_at == pytest.approx(plan.guard)


def test_a_later_poll_a_sweep_showed_unfinished_may_wait_but_never_past_the_expiry_guard():
    """Nothing waits to be sent, so a job a sweep just showed unfinished is looked at again only a minute on;
    but its record's expiry guard is ten seconds away, and the poll must come before the record expires."""
    clock = FakeClock(0.0)
    p = plan_with()
    poller = schedule_poller(clock, RequestBudget(6000, clock=clock), p)
    poller.sweeper.sweeping = False
    poller.sweeper.draining = lambda: True
    clock.advance(10_000.0)
    assert poller.sweeper.patience() == pytest.approx(60.0)
    job = submitted("a", clock.now() - p.guard + 10.0, polls=1)
    poller.sweeper._unfinished_at[job.request_id or ""] = clock.now()  # a sweep showed it unfinished just now
    poller.track(job)
    assert planned(poller, job) == pytest.approx(job.submitted_at + p.guard)


def test_a_job_a_sweep_saw_finish_while_it_was_being_polled_is_settled_next():
    clock = FakeClock(1_000.0)
    poller = schedule_poller(clock, RequestBudget(6000, clock=clock), plan_with())
    poller.sweeper.sweeping = False
    job = submitted("a", 900.0, polls=2)
    poller.track(job)
    assert planned(poller, job) > clock.now()
    job.result_due = True  # a sweep's row showed it finished while its poll was out
    poller.schedule(job, clock.now())  # the poll came back (unfinished, as it was asked before)
    assert planned(poller, job) == clock.now()


def test_a_job_looked_at_again_by_a_deadline_is_polled_by_then_and_one_out_of_the_schedule_is_never_polled():
    """A job whose record is gone but which the history shows running is looked at again by the age it would
    be taken for stalled; a job taken out of the schedule (settled) keeps no poll; and a row showing a job
    finished that is already being downloaded does not send it to be settled a second time."""
    from batchgen.jobs import JobState

    clock = FakeClock(1_000.0)
    poller = schedule_poller(clock, RequestBudget(6000, clock=clock), plan_with())
    poller.sweeper.sweeping = False
    job = submitted("a", 900.0, polls=3)
    poller.track(job)
    poller.schedule(job, clock.now(), by=clock.now() + 1.0)
    assert planned(poller, job) == pytest.approx(clock.now() + 1.0)
    poller.untrack(job)
    assert all(token != job.poll_token for _, _, token, j in poller._heap if j is job)
    busy = submitted("b", 900.0, polls=3)
    poller.track(busy)
    busy.state = JobState.DOWNLOADING
    row = HistoryRow(busy.request_id or "", MODEL, "COMPLETED", {}, "http://127.0.0.1:9/b.mp4", 0.28, None, None)
    poller.fetch_now(busy, row)
    assert not busy.result_due and busy.swept is None


@pytest.mark.parametrize(
    ("expiry", "margin", "fastest", "slowest"),
    [(700.0, 700.0 / 6, 200.0, 400.0), (3600.0, 600.0, 1000.0, 1900.0)],  # records found to live 700 s; defaults
)
def test_a_learned_job_never_polled_is_polled_at_its_guard_though_its_safety_net_would_come_later(
    expiry, margin, fastest, slowest
):
    """Sweeps work, but no history stands in for a record (its rows link no video), and twice the kind's 98th
    percentile is past the record's end: the safety net's first poll, planned again later each time it came due,
    would come after the record died.  The poll at the guard, and the looks after it, are sent."""
    clock = FakeClock(0.0)
    plan = PollPlan(
        LatencyModel(), min_interval_s=2.0, max_interval_s=60.0, expiry_s=expiry, expiry_margin_s=margin,
        stands_in=lambda: False,
    )  # fmt: skip
    poller = schedule_poller(clock, RequestBudget(6000, clock=clock), plan)
    poller.sweeper.healthy = True
    for i in range(64):
        poller.latency.observe(SWEEP_KEY, fastest + (slowest - fastest) * i / 63)
    poller.track(swept_job(1, 0.0))
    polled = []
    while poller._heap:
        at, _, token, j = heapq.heappop(poller._heap)
        if token != j.poll_token:
            continue
        clock.advance(max(0.0, at - clock.now()))
        if clock.now() >= plan.expiry:
            break
        if poller._planned_again(j):  # as the poll loop does: no request, planned again
            continue
        polled.append(clock.now())
        j.polls += 1  # the poll found it unfinished
        j.pending_age = clock.now() - j.submitted_at
        poller.schedule(j, clock.now())
    assert polled and polled[0] == pytest.approx(plan.guard)
    assert len(polled) == 4  # the guard and three looks, before the record's end


def test_once_records_are_found_to_die_sooner_a_poll_planned_at_the_old_guard_is_planned_at_the_new_one():
    """Sweeps work, and a job that is no scout is polled only at its guard (3,000 s).  Halfway there, a record is
    found gone 2,800 s after its submit: the job is now polled at the new guard, before its record dies."""
    clock = FakeClock(0.0)
    plan = PollPlan(
        LatencyModel(), min_interval_s=2.0, max_interval_s=60.0, expiry_s=3600.0, expiry_margin_s=600.0,
        stands_in=lambda: False,
    )  # fmt: skip
    poller = schedule_poller(clock, RequestBudget(6000, clock=clock), plan)
    poller.sweeper.healthy = True
    jobs = [swept_job(i, 0.0) for i in range(3)]
    for j in jobs:
        poller.track(j)
    assert planned(poller, jobs[2]) == pytest.approx(3000.0)
    clock.advance(1500.0)
    poller.record_gone_at("r-other", 2800.0)
    assert plan.guard == pytest.approx(2800.0 * 5 / 6)
    assert planned(poller, jobs[2]) == pytest.approx(plan.guard)


def test_once_the_historys_rows_no_longer_stand_in_for_records_a_job_past_its_guard_gets_its_last_looks():
    """A finished row of ours was shown with its link, so a job unfinished at its guard (3,000 s) was left to the
    sweeps and the safety net (its next poll at its record's end).  Then a finished row is shown with no link:
    the rows no longer stand in for a record that dies, and that job's next poll is its first look (3,300 s)."""
    clock = FakeClock(0.0)
    links = HistoryLinks()
    links.shown(linked=True)
    plan = PollPlan(
        LatencyModel(), min_interval_s=2.0, max_interval_s=60.0, expiry_s=3600.0, expiry_margin_s=600.0,
        stands_in=lambda: links.stand_in,
    )  # fmt: skip
    poller = schedule_poller(clock, RequestBudget(6000, clock=clock), plan)
    links.fell = poller.replan
    poller.sweeper.healthy = True  # sweeps work: polls are a safety net
    jobs = [swept_job(i, 0.0) for i in range(3)]  # the third is no scout
    for j in jobs:
        poller.track(j)
    late = jobs[2]
    clock.advance(plan.guard)
    late.polls, late.pending_age = 1, plan.guard  # its guard poll found it unfinished
    poller.schedule(late, clock.now())
    assert planned(poller, late) >= plan.expiry
    clock.advance(10.0)
    links.shown(linked=False)
    assert planned(poller, late) == pytest.approx(3300.0)
