"""Audit of ``batchgen/engine/trials.py``: one job at a time of a kind on trial, the others of its kind kept out of
flight until it is over (and held while a job it may have made would not be through, timed from its latest POST),
the feeder's line giving them back in the manifest's order, and the log naming the job they wait for, once."""

from __future__ import annotations

import logging

from batchgen.clock import FakeClock
from batchgen.engine.book import JobBook
from batchgen.engine.outliving import Outliving
from batchgen.engine.pollplan import latency_key
from batchgen.engine.trials import Lineup, Trials
from batchgen.jobs import JobSpec, JobState, TrackedJob
from tests.engine.doubles import MemoryLedger, pending

THROUGH_S = 100.0  # how long after its POST a job, if made, is through (here)


def other_kind(job_id: str) -> TrackedJob:
    return TrackedJob(JobSpec(job_id, "kling-2.6", {"prompt": job_id}), JobState.PENDING, 0.28)


def on_trial(jobs: list[TrackedJob], *kinds_of: TrackedJob) -> tuple[Trials, JobBook, Outliving, FakeClock]:
    """Trials over ``jobs`` whose kinds (those of ``kinds_of``, else the first job's) an earlier run held."""
    kinds = Outliving(lambda: False)
    for job in kinds_of or jobs[:1]:
        kinds.carry(latency_key(job.spec), 2, 0)
    book, clock = JobBook(jobs, MemoryLedger()), FakeClock()
    trials = Trials(book, clock, lambda: kinds, lambda sent_at: clock.now() - sent_at >= THROUGH_S, lambda job: False)
    return trials, book, kinds, clock


def test_a_job_put_back_in_the_line_goes_before_the_jobs_of_its_kind_set_aside_after_it():
    first, b, c = pending("a"), pending("b", prompt="a hare"), pending("c", prompt="an owl")
    trials, book, kinds, _ = on_trial([first, b, c])
    line = Lineup([b, c], trials)
    assert line.next(stopping=False) is b  # no job tries the kind yet
    book.take(first)
    trials.claim(first)  # one went to try it while b waited for room
    assert line.next(stopping=False) is None and list(line.left()) == [c]  # c is set aside
    assert line.set_aside(b)
    assert list(line.left()) == [b, c]
    kinds.made(latency_key(first.spec))
    assert [line.next(stopping=False), line.next(stopping=False)] == [b, c]


def test_the_line_gives_back_a_kind_whose_trial_ended_while_another_kind_still_waits_for_its_own():
    fox, hare = pending("a"), pending("b", prompt="a hare")
    owl, wren = other_kind("o"), other_kind("w")
    trials, book, kinds, _ = on_trial([fox, hare, owl, wren], fox, owl)
    for trial in (fox, owl):
        book.take(trial)
        trials.claim(trial)
    line = Lineup([hare, wren], trials)
    assert line.next(stopping=False) is None and not line.ready()
    kinds.made(latency_key(fox.spec))  # one kind's trial made a video; the other's is still in flight
    assert line.ready()
    assert line.next(stopping=False) is hare and line.next(stopping=False) is None


def test_a_job_the_line_handed_over_and_then_deferred_is_not_left_to_hand_over():
    job, nxt = other_kind("o"), other_kind("p")
    trials, _, _, _ = on_trial([pending("a"), job, nxt])
    line = Lineup([job, nxt], trials)
    assert line.next(stopping=False) is job
    job.state = JobState.DEFERRED  # the spend cap or a stop kept it back, with no slot
    assert list(line.left()) == [nxt]


def test_a_trial_sent_again_holds_its_kind_until_a_job_its_latest_post_made_would_be_through():
    trial, nxt = pending("a"), pending("b", prompt="a hare")
    trials, book, _, clock = on_trial([trial, nxt])
    book.take(trial)
    trials.claim(trial)
    trials.posted(trial)
    clock.advance(60.0)
    trials.posted(trial)  # sent again (its first POST refused, or not answered)
    trial.state = JobState.SUBMITTING  # and this answer lost: nothing settled it
    book.drop(trial)
    clock.advance(60.0)  # the first POST's job would be through by now, the latest's not
    assert trials.held(nxt) is not None and trials.blocker(nxt) is trial
    clock.advance(40.0)
    assert trials.held(nxt) is None


def test_a_job_an_earlier_run_sent_again_holds_its_kind_from_its_latest_post_not_its_first_line():
    left, nxt = pending("a"), pending("b", prompt="a hare")
    trials, _, _, clock = on_trial([left, nxt])
    left.state = JobState.SUBMITTING
    left.submitted_epoch = clock.epoch() - 500.0  # its first 'submitting' line: long through
    left.posted_epoch = clock.epoch() - 50.0  # the POST that went out last, its answer lost
    trials.resumed([left])
    assert trials.held(nxt) is not None


def test_the_log_names_the_job_of_unknown_outcome_the_rest_wait_for_and_says_so_once(caplog):
    left, b, c = pending("a"), pending("b", prompt="a hare"), pending("c", prompt="an owl")
    trials, _, _, clock = on_trial([left, b, c])
    left.state, left.posted_epoch = JobState.SUBMITTING, clock.epoch()
    trials.resumed([left])
    with caplog.at_level(logging.WARNING, logger="batchgen"):
        assert trials.held(b) and trials.held(c)
    told = [record.getMessage() for record in caplog.records if "may or may not have been made" in record.getMessage()]
    assert len(told) == 1
    assert told[0].startswith("job a of ")
