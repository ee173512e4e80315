"""Audit of ``batchgen/engine/schedule.py``: polls that wait for their turn go at it, and a job that leaves the
schedule leaves the count of jobs in flight the life cap keeps, so a job failed or settled never holds the run to
fewer jobs at once."""

from __future__ import annotations

from batchgen.api.ratelimit import RequestBudget
from batchgen.clock import FakeClock
from batchgen.engine.life_cap import LifeCap
from batchgen.engine.poller import Poller
from batchgen.engine.pollplan import LatencyModel, PollPlan
from batchgen.jobs import TrackedJob
from tests.engine.doubles import PollApi, pending, swept_job
from tests.engine.doubles import poll_stage as stage
from tests.engine.doubles import run_poller as run
from tests.engine.doubles import status_answer as status
from tests.helpers import schedule_poller


def scheduled(poller: Poller, job: TrackedJob) -> float:
    return min(at for at, _, token, j in poller._heap if j is job and token == j.poll_token)


async def test_a_job_failed_at_its_poll_is_no_longer_counted_in_flight_by_the_life_cap():
    job = pending()
    s = stage(PollApi(statuses=[status("FAILED", "content policy")]), [job])
    life = s.poller.life = LifeCap(s.poller.plan, s.k.clock, history_works=lambda: False)
    job.sent_at = s.k.clock.now()  # a POST this run sent
    await run(s, lambda: s.k.book.in_flight == 0)
    assert [line[1] for line in s.k.ledger.lines] == ["failed"]
    s.k.clock.advance(2 * life.target())  # long after: a job still counted in flight would look like one that waited
    assert life.room(20, 0) == 20 and not life.wait_seen


def test_a_poll_due_between_two_turns_goes_at_the_next_turn_not_a_whole_gap_after_it_came_due():
    clock = FakeClock(1000.0)
    plan = PollPlan(LatencyModel(), min_interval_s=2.0, max_interval_s=60.0, expiry_s=3600.0, expiry_margin_s=600.0)
    poller = schedule_poller(clock, RequestBudget(60, clock=clock), plan)  # one status poll a second
    first, second = swept_job(1, 900.0), swept_job(2, 900.0)
    poller.track(first)
    poller.track(second)
    assert poller.turn_gap() == 1.0
    assert not poller.wait_turn(first, clock.now(), clock.now())  # it takes the turn: the next is in a second
    clock.advance(0.25)
    assert poller.wait_turn(second, clock.now(), clock.now())
    assert scheduled(poller, second) == 1001.0
