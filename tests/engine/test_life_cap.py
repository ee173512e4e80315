"""The cap on jobs in flight where a job must finish within its record's life (no history to stand in for it)."""

from __future__ import annotations

import itertools
import logging
import math
import random

import anyio
import pytest

from batchgen.clock import FakeClock
from batchgen.engine.book import JobBook
from batchgen.engine.life_cap import RECHECK_S, LifeCap, Request
from batchgen.engine.pollplan import LatencyModel, PollPlan

CONCURRENCY = 20


def cap_on(clock: FakeClock, *, history: bool | None = False, expiry_s: float = 3600.0) -> LifeCap:
    plan = PollPlan(LatencyModel(), min_interval_s=2.0, max_interval_s=60.0, expiry_s=expiry_s, expiry_margin_s=600.0)
    return LifeCap(plan, clock, history_works=lambda: history)


def send(cap: LifeCap, clock: FakeClock, count: int, first: int = 0) -> list[str]:
    ids = [f"r{first + i}" for i in range(count)]
    for place, rid in enumerate(ids, start=1):
        cap.sent(rid, clock.now(), place)
    return ids


def test_with_a_history_to_stand_in_for_records_the_configured_concurrency_holds():
    clock = FakeClock()
    cap = cap_on(clock, history=True)
    send(cap, clock, 20)
    clock.advance(10_000)  # every job far older than a record lives
    assert cap.room(CONCURRENCY, 20) == CONCURRENCY and not cap.told


def test_the_target_is_half_the_guard_or_room_for_long_jobs_below_nine_tenths_of_it():
    clock = FakeClock()
    cap = cap_on(clock)  # guard: 3600 - 600 s
    assert cap.target() == pytest.approx(1500)
    cap.sent("slow", 0.0, 1)
    cap.finished("slow", 1400)  # a job that takes 1400 s alone: 1.5x that, but no more than 0.9 of the guard
    assert cap.target() == pytest.approx(2100)
    cap.sent("slower", 0.0, 1)
    cap.finished("slower", 1300)
    cap.plan.records_expire_by(2000)  # records were found to live 2000 s: the guard shrinks with them
    assert cap.target() == pytest.approx(0.9 * cap.plan.guard)


def test_before_any_finish_nothing_more_is_sent_once_a_job_waited_past_the_target():
    clock = FakeClock()
    cap = cap_on(clock)
    send(cap, clock, 12)
    clock.advance(1499)
    assert cap.room(CONCURRENCY, 12) == CONCURRENCY  # no job of ours has waited long: nothing is known
    clock.advance(2)
    assert cap.room(CONCURRENCY, 12) == 12  # the first one has waited past the target: none more
    assert cap.told


def test_finishes_that_show_no_wait_leave_the_concurrency_and_a_wait_sets_the_cap_from_the_throughput():
    clock = FakeClock()
    cap = cap_on(clock)
    ids = send(cap, clock, 12)
    clock.advance(320)
    cap.finished(ids[0], 320)
    cap.finished(ids[1], 330)
    assert cap.room(CONCURRENCY, 10) == CONCURRENCY  # neither waited (both within 1.5x the fastest)
    clock.advance(320)
    cap.finished(ids[2], 640)  # three ahead (itself in) in 640 s: it waited behind two
    # jobs ahead per second: 1/320, 2/330, 3/640; the upper quartile is 2/330, times the target of 1500 s
    assert cap.room(CONCURRENCY, 9) == math.floor(2 / 330 * 1500)


def test_jobs_that_take_most_of_the_target_alone_with_workers_to_spare_keep_the_concurrency():
    # Many workers, so no job waits, but jobs take about 1900 s alone, spread as a server's times are: the
    # slower ones take more than 1.5 times the fastest finish and more than the target.  Each finish is
    # replaced by as many sends as the room allows.  Past the first wave, those that waited for none keep
    # all 16 in flight: their jobs ahead over their time, times a target shorter than it, would leave each
    # wave fewer in flight than the last.
    clock = FakeClock()
    cap = cap_on(clock)
    draw = random.Random(1)
    flight: dict[str, tuple[float, float]] = {}  # request id -> (sent, finishes)
    in_flight: list[int] = []
    ids = (f"r{i}" for i in itertools.count())

    def top_up() -> None:
        while len(flight) < cap.room(16, len(flight)):
            rid = next(ids)
            cap.sent(rid, clock.now(), len(flight) + 1)
            flight[rid] = (clock.now(), clock.now() + 1900 * draw.lognormvariate(-0.045, 0.3))

    top_up()
    for _ in range(100):
        rid = min(flight, key=lambda r: flight[r][1])
        sent_at, clock.now_s = flight.pop(rid)
        cap.finished(rid, clock.now() - sent_at)
        top_up()
        in_flight.append(len(flight))
    assert in_flight[20:] == [16] * 80


def test_a_job_whose_record_died_holds_its_place_ahead_until_it_would_have_finished(caplog):
    clock = FakeClock()
    cap = cap_on(clock)
    ids = send(cap, clock, 14)
    for place in range(3):
        clock.advance(320)
        cap.finished(ids[place], 320 * (place + 1))  # one worker: a job every 320 s
    room = cap.room(CONCURRENCY, 11)
    assert room == math.floor(1 / 320 * 1500)
    clock.now_s = 3600.0
    cap.died(ids[13])  # 14 ahead of it at a job per 320 s: through at 4480 s
    assert cap.room(CONCURRENCY, 0) == room - 1
    assert cap._through() == [pytest.approx(14 * 320)] and cap.dead_ahead() == 1  # (a submit waits behind it)
    assert cap.recheck_in() == RECHECK_S  # held: looked at again soon (the history may begin to answer)
    cap.sent("next", clock.now(), 1)  # a job sent now has the dead one ahead of it
    assert cap._sent["next"][1] == 2
    clock.now_s = 14 * 320 + 1
    assert cap.room(CONCURRENCY, 1) == room and cap._through() == [] and cap.dead_ahead() == 0
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING][:1] == [
        "no request history stands in for a request's record once it expires, and jobs wait in the account's "
        "queue: fewer jobs are kept in flight than limits.concurrency (4 now, not 20), so that each finishes "
        "within 1500 s of its submit, inside its record's life (3600 s)"
    ]


def test_a_dead_record_before_any_finish_holds_its_place_for_a_target():
    clock = FakeClock()
    cap = cap_on(clock)
    ids = send(cap, clock, 3)
    clock.advance(100)
    cap.died(ids[0])
    assert cap._through() == [pytest.approx(100 + 1500)]
    assert cap.room(CONCURRENCY, 2) == 1  # none finished: no more than in flight, less the one ahead


def test_a_lost_submit_keeps_its_slot_until_its_job_would_be_through_but_shows_no_wait(caplog):
    # No history to look it up in (it answers 404): a submit whose answer was lost may have made a job that is in
    # flight on the account as ours are.  Before any wait is seen it keeps its slot (a target after it was left,
    # with no finish to go by), and the operator is told so once; it does not make the cap bind, nor is a wait told.
    clock = FakeClock()
    cap = cap_on(clock, history=False)
    ids = send(cap, clock, 3)
    clock.advance(10)
    cap.unknown(5.0)  # its POST went out at 5 s, after the three
    assert cap._ghosts == [(5.0, 4, 10.0, False)] and cap.dead_ahead() == 0  # (a job beside it is never held)
    assert cap.room(CONCURRENCY, 3) == CONCURRENCY - 1 and not cap.wait_seen
    # through a target after its submit (the cap aims for jobs sent), not after it was left: an earlier run's lost
    # submit, left by this one long after it was sent, holds its slot no longer than one of this run's would
    assert cap._through() == [pytest.approx(5 + 1500)] and cap.recheck_in() == RECHECK_S
    clock.now_s = 320
    for rid in ids:
        cap.finished(rid, 320)  # no wait: the throughput, 3 jobs ahead in 320 s, places it
    assert cap.room(CONCURRENCY, 0) == CONCURRENCY - 1
    assert cap._through() == [pytest.approx(5 + 4 / (3 / 320))]
    clock.now_s = 5 + 4 / (3 / 320) + 1
    assert cap.room(CONCURRENCY, 0) == CONCURRENCY and cap.recheck_in() == math.inf
    assert not cap.wait_seen and not cap.told
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING] == [
        "no request history can show whether a submit of unknown outcome made a job: each keeps its slot until "
        "its job, if made, would be through the account's queue (1 of 20 slots now)"
    ]  # (told once; no wait told)
    unanswered = cap_on(clock, history=None)  # a history that has not answered yet may soon settle it
    unanswered.unknown(clock.now())
    assert unanswered.room(CONCURRENCY, 0) == CONCURRENCY
    # a history that answers settles it, even one whose rows do not link the videos
    unlinked = LifeCap(cap.plan, clock, history_works=lambda: True, stands_in=lambda: False)
    unlinked.unknown(clock.now())
    assert unlinked.room(CONCURRENCY, 0) == CONCURRENCY


def test_a_lost_submit_counts_ahead_once_a_wait_is_seen_until_its_turn_would_have_come():
    clock = FakeClock()
    cap = cap_on(clock)
    ids = send(cap, clock, 14)  # one worker: a job every 320 s
    for place in range(3):
        clock.advance(320)
        cap.finished(ids[place], 320 * (place + 1))
    room = cap.room(CONCURRENCY, 11)
    assert cap.wait_seen and room == math.floor(1 / 320 * 1500)
    cap.unknown(clock.now())  # sent now, behind the 11 of ours in flight
    assert cap.room(CONCURRENCY, 11) == room - 1
    assert cap._through() == [pytest.approx(960 + 12 * 320)]
    clock.now_s = 960 + 12 * 320 + 1
    assert cap.room(CONCURRENCY, 0) == room


def test_an_earlier_runs_lost_submit_is_placed_by_the_ledger_and_one_older_than_two_lives_is_through():
    clock = FakeClock(10_000.0)
    epoch = clock.epoch()
    cap = cap_on(clock)
    # five sent before it: three seen finished since (after it was sent), two never (their records died)
    lineup: list[Request] = [(epoch - 900 + i, epoch - 100 if i < 3 else None, i < 3, f"e{i}") for i in range(5)]
    cap.attached([], lineup)
    cap.unknown(clock.from_wall(epoch - 890))  # its POST after the five
    assert cap._ghosts[-1][1] == 6 and cap._ghosts[-1][3] is False
    cap.unknown(clock.from_wall(epoch - 2 * 3600 - 1))  # sent more than two configured lives ago
    assert len(cap._ghosts) == 3  # (the two dead records and the first)


async def test_the_feeder_wakes_when_the_room_grows_with_time_alone(tmp_path):
    # a wait on the book with a recheck returns once the condition holds after that many run seconds, with no
    # slot freed
    clock = FakeClock()
    book = JobBook([], None)  # type: ignore[arg-type]
    opens_at = 500.0
    async with clock.autojump():
        with anyio.fail_after(5):
            await book.until(lambda: clock.now() >= opens_at, clock=clock, recheck=lambda: opens_at - clock.now())
    assert clock.now() == pytest.approx(opens_at)


def test_an_earlier_runs_jobs_count_with_their_places_from_the_ledger_and_its_dead_records_as_ahead():
    clock = FakeClock(3000.0)
    cap = cap_on(clock)
    epoch = clock.epoch() - clock.now()  # the epoch of run second 0
    # the ledger: a first wave of five sent at 0-4 s on one worker, two seen finished at 320 and 640 s, one whose
    # record died unfinished (expired), two still in flight; one more sent at 700 s; and one expired days ago
    lineup = [
        (epoch + 0, epoch + 320, True, "done-1"),
        (epoch + 1, epoch + 640, True, "done-2"),
        (epoch + 2, None, False, "expired-3"),
        (epoch + 3, None, False, "flight-4"),
        (epoch + 4, None, False, "flight-5"),
        (epoch + 700, None, False, "flight-6"),
        (epoch - 86_400, None, False, "expired-long-ago"),
    ]
    cap.attached([("flight-6", 700.0), ("flight-4", 3.0), ("flight-5", 4.0)], lineup)
    # each with as many ahead as were in flight when it was sent (itself in): at 700 s the first two were done
    assert cap._sent == {"flight-4": (3.0, 4), "flight-5": (4.0, 5), "flight-6": (700.0, 4)}
    assert list(cap._sent) == ["flight-4", "flight-5", "flight-6"]  # the first sent first
    assert cap._ghosts == [(2.0, 3, 3000.0, True)]  # the dead record of two lives ago or less holds its place ...
    # the earlier run's finishes tell the throughput: one alone in 320 s, one behind it (two ahead) in 639 s;
    # the fastest bounds a job alone, to see a wait by (not to widen the cap by: a line is written after a finish)
    assert cap._earlier == pytest.approx(320) and cap._alone() is None and cap._rate() == pytest.approx(2 / 639)
    assert cap._through() == [3000.0]  # ... until its place over the throughput: through (3 x 320 s after 2 s)
    # a wait was seen (639 s against 480): the cap binds, at what the throughput finishes within the target
    assert cap.room(CONCURRENCY, 3) == math.floor(1500 * 2 / 639) and cap.wait_seen
    # one sent longer ago than two records' lives is not counted (a re-run hours later)
    later = cap_on(FakeClock(9000.0))
    later.attached([("old", 500.0)], [(epoch + 500, None, False, "old")])
    assert later._sent == {} and later.room(CONCURRENCY, 1) == CONCURRENCY


def test_an_earlier_runs_dead_record_holds_its_place_until_its_turn_would_have_come():
    clock = FakeClock(1000.0)
    cap = cap_on(clock)
    epoch = clock.epoch() - clock.now()
    # one worker, a job each 320 s: the first finished at 320 s, the tenth (its record dead) had nine ahead
    lineup: list[Request] = [(epoch + 0, epoch + 320, True, "done")]
    lineup += [(epoch + i, None, False, f"gone-{i}") for i in range(1, 10)]
    cap.attached([], lineup)
    assert cap._through()[-1] == pytest.approx(9 + 10 * 320)  # its submit, then ten places at 320 s
    assert cap.room(CONCURRENCY, 0) == 0  # the nine ahead fill what finishes within the target
    clock.now_s = 9 + 10 * 320 + 1
    assert cap.room(CONCURRENCY, 0) == math.floor(1500 / 320)  # through: the cap from the throughput


def test_an_earlier_runs_dead_records_do_not_swell_the_throughput_its_later_finishes_show():
    # Two workers, a job each 300 s.  An earlier run sent four (done at 300 and 600 s), then six whose records
    # died unfinished (they left the queue by 1500 s), then four more (two at 1500 s, two at 1800 s, each done
    # 300 s later).  The six are not known to be in flight when the last four were sent: counted ahead of them
    # for two records' lives, they would show a throughput several times the account's, and this run would send
    # more than finish within half a record's life (a video paid and lost, then paid again with
    # --resubmit-lost).  The account finishes 2 jobs per 300 s: 10 within the target of 1500 s.
    clock = FakeClock(2200.0)
    cap = cap_on(clock)
    epoch = clock.epoch() - clock.now()
    lineup: list[Request] = [(epoch + i, epoch + 300 * (1 + i // 2) + i % 2, True, f"a{i}") for i in range(4)]
    lineup += [(epoch + 4 + i, None, False, f"dead-{i}") for i in range(6)]
    lineup += [(epoch + at, epoch + at + 300, True, f"b{at}-{i}") for at in (1500, 1800) for i in range(2)]
    cap.attached([], lineup)
    assert cap._queued(clock.now()) == 0  # the dead records' jobs are through
    assert cap.room(CONCURRENCY, 0) <= math.floor(2 / 300 * cap.target()) and cap.wait_seen


def test_an_earlier_runs_job_teaches_the_throughput_only_where_this_run_saw_it_unfinished():
    clock = FakeClock(100.0)
    cap = cap_on(clock)
    epoch = clock.epoch() - clock.now()
    cap.attached([("a", -900.0), ("b", -800.0)], [(epoch - 900, None, False, "a"), (epoch - 800, None, False, "b")])
    cap.finished("a", 1000.0, bracketed=False)  # found done at its first look: it may have been done long ago
    assert cap._rate() is None
    cap.finished("b", 960.0, bracketed=True)
    assert cap._rate() == pytest.approx(2 / 960)
    assert cap._alone() is None  # it waited behind jobs this run never knew: not how long a job takes alone


def test_once_a_wait_is_seen_the_cap_binds_for_the_rest_of_the_run_and_none_in_flight_lets_one_go():
    clock = FakeClock()
    cap = cap_on(clock)
    ids = send(cap, clock, 3)
    clock.advance(1501)
    assert cap.room(CONCURRENCY, 3) == 3  # waited past the target, none finished
    for rid in ids:
        cap.died(rid)
    clock.advance(1500)
    assert cap.room(CONCURRENCY, 0) == 1  # the dead records' jobs are through, none known finished: one alone
    cap.sent("probe", clock.now(), 1)
    clock.advance(300)
    cap.finished("probe", 300.0)  # it waited for none: the queue is empty now
    assert cap.room(CONCURRENCY, 0) == math.floor(1 / 300 * 1500)  # still the cap, not the concurrency


def test_an_earlier_runs_fastest_finish_shows_a_resumed_runs_jobs_waiting_before_one_of_its_own_finishes():
    # One worker, jobs of about 320 s: an earlier run sent 14 at once and was stopped 300 s later; this run
    # re-attached them.  The first finishes at 340 s (at its first look: bracketed or not, a job alone takes no
    # longer); the others have been in flight longer than one and a half times that by 520 s: they wait in the
    # queue, and a job sent behind them would wait 14 x 320 s, past its record's life.  The cap binds before any
    # job of this run's own has finished.
    clock = FakeClock(300.0)
    cap = cap_on(clock)
    epoch = clock.epoch() - clock.now()
    ids = [f"e{i}" for i in range(14)]
    cap.attached([(rid, 0.0) for rid in ids], [(epoch, None, False, rid) for rid in ids])
    clock.now_s = 340.0
    cap.finished(ids[0], 170.0, bracketed=False, seen=340.0)  # the model's middle; seen done 340 s after
    assert cap._earlier == pytest.approx(340) and cap._rate() is None  # (found done at a first look)
    assert cap.room(CONCURRENCY, 13) == CONCURRENCY  # in flight 340 s: no longer than a job may take alone
    clock.now_s = 520.0
    assert cap.room(CONCURRENCY, 13) == 13 and cap.wait_seen
    # the earlier run saw one finish 350 s after its submit; a refusal 2 s after its submit says nothing of it
    seen = FakeClock(600.0)
    resumed = cap_on(seen)
    epoch = seen.epoch() - seen.now()
    lineup = [(epoch, epoch + 350, True, "made"), (epoch + 1, epoch + 3, False, "refused")]
    resumed.attached([(rid, 2.0) for rid in ids], lineup + [(epoch + 2, None, False, rid) for rid in ids])
    assert resumed._earlier == pytest.approx(350) and len(resumed._recent) == 1
    assert resumed.room(CONCURRENCY, 14) <= 14 and resumed.wait_seen


def test_a_re_attached_job_counts_itself_among_the_jobs_ahead_of_it_whatever_the_clocks_jitter():
    # The ledger's submit, read into run seconds when the job was re-attached and again when the lineup was:
    # the two readings differ by the clocks' jitter (a thousandth of a second, scaled in a simulation).  The
    # job is still among the jobs ahead of it, and the first job sent has one ahead of it, not none.
    clock = FakeClock(500.0)
    cap = cap_on(clock)
    epoch = clock.epoch() - clock.now()
    cap.attached(
        [("first", 0.0), ("second", 1.0)],
        [(epoch + 0.001, None, False, "first"), (epoch + 1.001, None, False, "second")],
    )
    assert cap._sent == {"first": (0.0, 1), "second": (1.0, 2)}


def test_a_re_attached_job_the_ledger_gives_no_submit_for_says_nothing_of_how_long_jobs_take():
    # A ledger line with no submit time (an older version's): the job is re-attached as sent now, and its
    # finish is timed from the resume.  It is no bound on how long a job takes alone (the others, in flight
    # 400 s, are not taken to have waited), nor a throughput.
    clock = FakeClock(400.0)
    cap = cap_on(clock)
    epoch = clock.epoch() - clock.now()
    cap.attached(
        [("undated", 400.0), ("a", 0.0), ("b", 1.0)], [(epoch, None, False, "a"), (epoch + 1, None, False, "b")]
    )
    clock.now_s = 410.0
    cap.finished("undated", 8.0, bracketed=True, seen=10.0)
    assert cap.room(CONCURRENCY, 2) == CONCURRENCY and not cap.wait_seen and cap._rate() is None


def test_before_the_history_answers_a_held_run_is_told_only_that_it_has_not_answered_yet(caplog):
    # A resumed run's first look at the room comes before its first history page: its re-attached jobs, well
    # past the target, show a wait, and the cap holds until the history answers.  The history may well work:
    # the run is not told that there is none.  Once it answers 404, it is told so; once it answers, all go.
    clock = FakeClock(2000.0)
    answered: list[bool | None] = [None]
    plan = PollPlan(LatencyModel(), min_interval_s=2.0, max_interval_s=60.0, expiry_s=3600.0, expiry_margin_s=600.0)
    cap = LifeCap(plan, clock, history_works=lambda: answered[0])
    epoch = clock.epoch() - clock.now()
    cap.attached([("a", 0.0), ("b", 1.0)], [(epoch, None, False, "a"), (epoch + 1, None, False, "b")])
    assert cap.room(CONCURRENCY, 2) == 2 and cap.room(CONCURRENCY, 2) == 2
    answered[0] = False
    assert cap.room(CONCURRENCY, 2) == 2 and cap.told
    told = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(told) == 2 and told[0].startswith("the request history has not answered yet, so none stands in")
    assert told[0].endswith("; all of them once it answers")
    assert told[1].startswith("no request history stands in for a request's record once it expires")
    answered[0] = True
    assert cap.room(CONCURRENCY, 2) == CONCURRENCY


@pytest.mark.parametrize("history", [False, None])
def test_no_more_jobs_are_kept_in_flight_than_the_request_budget_can_poll_within_the_target(history, caplog):
    clock = FakeClock()
    plan = PollPlan(LatencyModel(), min_interval_s=2.0, max_interval_s=60.0, expiry_s=100.0, expiry_margin_s=20.0)
    budget = [0.25]  # requests a second: 10 in the target of 40 s, a submit and a poll or two for each of 4 jobs
    cap = LifeCap(plan, clock, history_works=lambda: history, budget=lambda: budget[0])
    with caplog.at_level(logging.WARNING, logger="batchgen"):
        assert cap.room(CONCURRENCY, 0) == 4
        assert cap.room(CONCURRENCY, 4) == 4  # told once
    # held: looked at again in a while, or, while the history has not answered, as soon as a job would be polled
    assert cap.recheck_in() == (RECHECK_S if history is False else plan.min_interval)
    told = [r.getMessage() for r in caplog.records if "limits.requests_per_minute" in r.getMessage()]
    assert len(told) == 1 and "only 4 jobs within 40 s" in told[0] and "not limits.concurrency (20)" in told[0]
    assert ("once the history answers" in told[0]) is (history is None)
    budget[0] = 0.01  # a budget learned lower (429s): never fewer than one, and the operator hears the new bound
    with caplog.at_level(logging.WARNING, logger="batchgen"):
        assert cap.room(CONCURRENCY, 0) == 1
        assert cap.room(CONCURRENCY, 1) == 1  # told once more, not at every look
        budget[0] = 0.2  # higher than the last told, lower than the first: nothing new to tell
        assert cap.room(CONCURRENCY, 1) == 3
    told = [r.getMessage() for r in caplog.records if "limits.requests_per_minute" in r.getMessage()]
    assert len(told) == 2 and "only 1 job within 40 s" in told[1], told
    budget[0] = 100.0
    assert cap.room(CONCURRENCY, 0) == CONCURRENCY
    works = LifeCap(plan, clock, history_works=lambda: True, budget=lambda: 0.01)
    assert works.room(CONCURRENCY, 0) == CONCURRENCY  # a history stands in for the records: the budget is no bound


def test_the_request_budgets_bound_is_told_in_whole_seconds_at_the_default_record_life(caplog):
    # The bound was told with '%.3g': at the default record life, "within 1.5e+03 s of their submit, inside
    # their record's life (3.6e+03 s)", in the line an operator reads to choose limits.requests_per_minute.
    plan = PollPlan(LatencyModel(), min_interval_s=2.0, max_interval_s=60.0, expiry_s=3600.0, expiry_margin_s=600.0)
    cap = LifeCap(plan, FakeClock(), history_works=lambda: False, budget=lambda: 1 / 60)
    with caplog.at_level(logging.WARNING, logger="batchgen"):
        assert cap.room(CONCURRENCY, 0) == 10  # 25 requests in the target of 1500 s, 2.5 for each job
    (told,) = [r.getMessage() for r in caplog.records if "limits.requests_per_minute" in r.getMessage()]
    assert "only 10 jobs within 1500 s of their submit, inside their record's life (3600 s)" in told, told
    assert "e+" not in told


def test_a_history_that_answers_but_links_no_video_does_not_stand_in_for_a_record():
    # The history answers, but its finished rows of ours link no video (none, or another file): a record that
    # dies in the queue is a video lost, and the cap binds once a wait is seen.
    clock = FakeClock()
    plan = PollPlan(LatencyModel(), min_interval_s=2.0, max_interval_s=60.0, expiry_s=3600.0, expiry_margin_s=600.0)
    cap = LifeCap(plan, clock, history_works=lambda: True, stands_in=lambda: False)
    send(cap, clock, 12)
    clock.advance(1501)  # past the target with none finished
    assert cap.room(CONCURRENCY, 12) == 12 and cap.wait_seen
    linked = LifeCap(plan, clock, history_works=lambda: True, stands_in=lambda: True)
    send(linked, clock, 12)
    clock.advance(1501)
    assert linked.room(CONCURRENCY, 12) == CONCURRENCY


def test_where_jobs_alone_take_most_of_a_records_life_none_is_sent_to_wait_behind_a_whole_job():
    """Four workers taking jobs in turn; jobs of two lengths (5-s videos 150-300 s, 10-s ones 480-560 s); records
    found to die at 700 s (guard 583 s: nine tenths of it is 525 s).  Four short jobs ahead in 150-200 s say one
    leaves every 40-50 s, so a job with one or two ahead of it in the queue would wait a minute or two, but it
    may wait most of a long job: no job sent once the cap binds waits for a worker, and none finishes past its
    record's life (a cap from the throughput alone keeps five in flight here: one waits 289 s and takes 642 s)."""
    clock = FakeClock()
    cap = cap_on(clock)
    assert cap.plan.records_expire_by(700.0)
    draw = random.Random(7)
    workers = [0.0] * 4  # when each is free
    flight: dict[str, tuple[float, float, float, bool]] = {}  # request id -> (sent, started, finishes, bound)
    ids = (f"r{i}" for i in itertools.count())
    waited: list[float] = []
    took: list[float] = []

    def top_up() -> None:
        while len(flight) < cap.room(8, len(flight)):
            rid, now = next(ids), clock.now()
            cap.sent(rid, now, len(flight) + 1)
            free = min(range(4), key=lambda w: workers[w])
            start = max(now, workers[free])
            length = draw.uniform(150, 300) if draw.random() < 0.6 else draw.uniform(480, 560)
            workers[free] = start + length
            flight[rid] = (now, start, start + length, cap.wait_seen)

    top_up()
    for _ in range(60):
        rid = min(flight, key=lambda r: flight[r][2])
        sent_at, started, clock.now_s, bound = flight.pop(rid)
        if bound:
            waited.append(started - sent_at)
            took.append(clock.now() - sent_at)
        cap.finished(rid, clock.now() - sent_at)
        top_up()
    assert cap.wait_seen and len(took) > 40
    assert max(took) < 700.0 and max(waited) == 0.0


def test_one_slow_job_among_those_that_waited_for_none_does_not_bring_the_cap_down_to_the_workers():
    # Eight workers; jobs take 100 s alone, and 200 s with sixteen in flight: the throughput keeps 120 in flight
    # within the target.  One job with a worker to spare then takes 2,800 s (a cold start): a long job among those
    # that waited for none is the upper quartile of them, not the slowest, and the cap stays where it was.
    clock = FakeClock()
    cap = cap_on(clock)
    for i in range(8):
        cap.sent(f"a{i}", 0.0, i + 1)
        cap.finished(f"a{i}", 100.0)
    for i in range(6):
        cap.sent(f"b{i}", 0.0, 16)
        cap.finished(f"b{i}", 200.0)
    before = cap.room(200, 16)
    cap.sent("slow", 0.0, 2)
    cap.finished("slow", 2800.0)
    assert before == 120 and cap.room(200, 16) == before
