"""Holding a kind of job that outlives its records where nothing else can fetch them (``engine/outliving.py``),
and what the life cap tells it of each record that died (``LifeCap.died``)."""

from __future__ import annotations

import logging

from batchgen.clock import FakeClock
from batchgen.engine.outliving import HOLD_AFTER, Outliving, describe
from batchgen.engine.resume import _counts, outlived
from batchgen.jobs import JobSpec
from tests.engine.test_life_cap import cap_on, send

KIND = ("kling-2.6", "pro", 10)
OTHER = ("kling-2.6", "pro", 5)


def test_a_kind_is_held_once_two_of_its_jobs_died_with_no_wait_and_no_more_made_a_video(caplog):
    kinds = Outliving(lambda: False)
    kinds.made(KIND)
    kinds.died(KIND)
    assert kinds.held(KIND) is None  # one death, one video
    with caplog.at_level(logging.WARNING, logger="batchgen"):
        kinds.died(KIND)
    why = kinds.held(KIND)
    assert why is not None and why.startswith("not sent: jobs of its kind (kling-2.6, pro, 10 s) outlive")
    assert "2 still unfinished when their records expired" in why and "1 made a video" in why
    assert kinds.held(OTHER) is None  # another duration is another kind
    assert kinds.tallies(KIND) == {"died": 2, "made": 1}
    assert sum("outlive their request records" in r.getMessage() for r in caplog.records) == 1
    kinds.died(KIND)
    assert kinds.held(KIND) == why  # every job it keeps is kept with the same words (one group in the summary)


def test_videos_made_beyond_the_deaths_end_the_hold_and_the_operator_hears_it(caplog):
    kinds = Outliving(lambda: False)
    for _ in range(HOLD_AFTER):
        kinds.died(KIND)
    assert kinds.held(KIND) is not None
    kinds.made(KIND)
    assert kinds.held(KIND) is not None  # 2 died, 1 made: still held
    with caplog.at_level(logging.WARNING, logger="batchgen"):
        kinds.made(KIND)
        kinds.made(KIND)
    assert kinds.held(KIND) is None
    told = [r.getMessage() for r in caplog.records if "are sent again" in r.getMessage()]
    assert len(told) == 1 and "those already held back are left for the next run" in told[0]  # (they are deferred)


def test_a_history_that_stands_in_for_records_holds_nothing():
    stands = [False]
    kinds = Outliving(lambda: stands[0])
    kinds.died(KIND)
    kinds.died(KIND)
    assert kinds.held(KIND) is not None
    stands[0] = True
    assert kinds.held(KIND) is None
    kinds.carry(OTHER, 2, 0)
    assert not kinds.on_trial(OTHER)


def test_a_kind_an_earlier_run_held_is_on_trial_until_one_of_its_jobs_ends_so_or_makes_a_video():
    kinds = Outliving(lambda: False)
    kinds.carry(KIND, 2, 0)
    assert kinds.on_trial(KIND) and kinds.held(KIND) is None  # one job goes
    kinds.died(KIND)
    assert not kinds.on_trial(KIND) and kinds.held(KIND) is not None  # held again at once
    assert kinds.tallies(KIND) == {"died": 3, "made": 0}

    again = Outliving(lambda: False)
    again.carry(KIND, 5, 1)
    again.made(KIND)  # the world changed: the kind starts afresh
    assert not again.on_trial(KIND) and again.held(KIND) is None
    assert again.tallies(KIND) == {"died": 0, "made": 1}
    again.died(KIND)
    assert again.held(KIND) is None  # one death against one video, as in any run


def test_the_life_cap_tells_a_death_only_of_a_job_that_waited_for_none():
    clock = FakeClock()
    cap = cap_on(clock)
    first, second = send(cap, clock, 2)  # one alone, one with one ahead of it
    clock.advance(4000.0)
    cap.died(second, ("kling-2.6", "pro", 5))  # one ahead, and no finish shows two run at once with no wait
    assert cap.kinds.tallies(OTHER) == {"died": 0, "made": 0}
    cap.died(first, ("kling-2.6", "pro", 5))
    assert cap.kinds.tallies(OTHER) == {"died": 1, "made": 0}
    clock.advance(2000.0)  # (the dead records' jobs are through the account's queue: none counts ahead)
    # a finish that waited for none with three in flight: a death with two ahead waited for none either
    a, b, c = send(cap, clock, 3, first=10)
    clock.advance(100.0)
    cap.finished(c, 100.0)
    clock.advance(4000.0)
    cap.died(b, ("kling-2.6", "pro", 5))
    assert cap.kinds.tallies(OTHER) == {"died": 2, "made": 0}
    cap.died(a)  # the history could not be read for it: no word of its kind
    assert cap.kinds.tallies(OTHER) == {"died": 2, "made": 0}


def test_a_kind_reads_as_its_model_mode_and_duration_and_ledger_tallies_that_are_not_counts_are_none():
    assert describe(("kling-2.6", "", 5)) == "kling-2.6, 5 s"
    assert _counts({"died": 3, "made": 0}) == (3, 0)
    assert [_counts({"died": value, "made": 1}) for value in (-1, "2", None, True, 2.0)] == [None] * 5
    assert _counts({"died": 2}) is None and _counts([2, 0]) is None


def _line(state: str, ts: str, **fields) -> dict:
    return {"state": state, "ts": ts, **fields}


def test_the_next_run_takes_a_kind_up_from_the_latest_line_with_tallies_unless_a_job_sent_since_made_a_video():
    spec = {f"j{i}": JobSpec(f"j{i}", "kling-2.6", {"prompt": str(i), "mode": "pro", "duration": 10}) for i in range(5)}
    jobs = list(spec.values())
    known = {
        "j0": _line("expired", "2026-12-01T10:00:00Z", outlived={"died": 1, "made": 0}),
        "j1": _line("expired", "2026-12-01T10:05:00Z", outlived={"died": 2, "made": 0}),
        # made before the hold's line: sent before it, it says nothing of the kind since
        "j2": _line("completed", "2026-12-01T10:09:00Z", submitted_at="2026-12-01T10:01:00Z"),
        "j3": _line("deferred", "2026-12-01T10:06:00Z", outlived={"died": "two", "made": 0}),  # passed over
    }
    assert outlived(known, jobs) == {KIND: (2, 0)}
    known["j4"] = _line("completed", "2026-12-01T11:00:00Z", submitted_at="2026-12-01T10:30:00Z")  # a trial's video
    assert outlived(known, jobs) == {}
    del known["j4"]
    known["j0"] = _line("expired", "2026-12-01T10:07:00Z", outlived={"died": 2, "made": 3})  # the latest: not held
    assert outlived(known, jobs) == {}
