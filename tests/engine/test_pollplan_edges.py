"""Edges of the poll plan (pollplan.py): the safety net's first poll and its later gaps, jobs that
carry no safety net past their expiry guard, and a probe that is thriftier while the budget is
tight (no sleeps)."""

from __future__ import annotations

import pytest

from batchgen.engine.pollplan import SCOUTS, SPARSE_GAP_FACTOR, LatencyModel, PollPlan
from tests.engine.test_polling import KEY, MODEL, plan


def test_a_safety_net_first_poll_never_comes_sooner_than_min_interval():
    """Jobs learned to take half a second; sweeps work.  The safety net's first poll waits at least
    ``min_interval_s`` (twice the 98th percentile would be 1 s)."""
    p = PollPlan(LatencyModel(), min_interval_s=2.0, max_interval_s=60.0, expiry_s=3600.0, expiry_margin_s=600.0)
    for _ in range(10):
        p.latency.observe(MODEL, 0.5)
    assert p.next_poll(MODEL, 100.0, 100.0, 0, sparse=True) == pytest.approx(102.0)


def test_the_safety_nets_later_polls_grow_apart_as_the_job_ages():
    """A late job of a learned kind: its age apart.  A scout of a kind not learned: three times its age
    apart, since the other scout polls in between."""
    p = plan(expiry=36_000.0)
    assert p.next_poll(KEY, 0.0, 100.0, 2, sparse=True) == pytest.approx(100.0 + SPARSE_GAP_FACTOR * 60.0)
    assert p.next_poll(KEY, 0.0, 2_000.0, 2, sparse=True) == pytest.approx(2_000.0 + 3 * 2_000.0)
    for _ in range(10):
        p.latency.observe(KEY, 100.0)
    assert p.next_poll(KEY, 0.0, 2_000.0, 2, sparse=True) == pytest.approx(4_000.0)  # a gap as long as its age


def test_two_scouts_sent_together_take_turns_so_their_polls_come_at_ages_doubling_one_at_a_time():
    step = SPARSE_GAP_FACTOR * 60.0
    p = plan(expiry=360_000.0)
    polls: list[tuple[float, int]] = []
    for turn in range(SCOUTS):
        at, count = p.next_poll(KEY, 0.0, 0.0, 0, sparse=True, turn=turn), 0
        while at < 40 * step:
            polls.append((at, turn))
            count += 1
            at = p.next_poll(KEY, 0.0, at, count, sparse=True, turn=turn)
    polls.sort()
    assert [at for at, _ in polls] == pytest.approx([step * 2**k for k in range(6)])  # 1, 2, 4 ... 32 steps
    assert [turn for _, turn in polls] == [0, 1, 0, 1, 0, 1]


def test_a_job_without_a_safety_net_past_its_expiry_guard_is_not_polled_at_once_again_and_again():
    """Not a scout of a kind not learned: polled only at the expiry guard (3,000 s).  Once past it, the
    next poll is its last look before its record dies (3,525 s), then a safety net's gap away: never now
    (which would poll it at every turn)."""
    p = plan()
    assert p.next_poll(KEY, 0.0, 100.0, 0, sparse=True, scout=False) == pytest.approx(3_000.0)
    assert p.next_poll(KEY, 0.0, 3_500.0, 1, sparse=True, scout=False) == pytest.approx(3_525.0)
    assert p.next_poll(KEY, 0.0, 3_590.0, 2, sparse=True, scout=False) == pytest.approx(
        3_590.0 + SPARSE_GAP_FACTOR * 60.0
    )


def test_a_job_unfinished_at_its_expiry_guard_is_looked_at_three_times_more_each_halfway_to_its_records_end():
    """Records found to die at 600 s (guard 500 s), no history to stand in for them: a job unfinished at the
    guard is polled at 550, 575 and 587.5 s, each look halfway from the last to the record's end, and no later
    than its own plan would (every 60 s at most); a job that finishes in most of its record's last margin is
    found before the record dies, whether sweeps are a safety net or not.  A look less than ``min_interval_s``
    on is skipped for the next."""
    for sparse in (True, False):
        p = plan()
        assert p.records_expire_by(600.0) and p.guard == pytest.approx(500.0)
        ages: list[float] = []
        at, polls = 500.0, 1
        while at < 600.0 and len(ages) < 20:
            at = p.next_poll(KEY, 0.0, at, polls, sparse=sparse, scout=False)
            ages.append(at)
            polls += 1
        assert ages[:3] == pytest.approx([550.0, 575.0, 587.5]), sparse
        assert ages[3] > 600.0  # (the looks are spent: a poll as any)
        assert p.last_look(499.0) is None  # (before the guard: the guard poll itself)
        assert p.last_look(549.0) == pytest.approx(575.0)  # (550 is under min_interval_s on)


def test_where_the_history_stands_in_for_a_record_no_look_is_spent_on_its_last_margin():
    """Its rows link the videos: a record that dies loses nothing, and a job past its guard keeps the plan's own
    gap (a safety net's, with sweeps), as it does while that is not known yet only once the history says so."""
    stands: list[bool | None] = [True]
    p = PollPlan(
        LatencyModel(), min_interval_s=2.0, max_interval_s=60.0, expiry_s=3600.0, expiry_margin_s=600.0,
        stands_in=lambda: stands[0],
    )  # fmt: skip
    assert p.records_expire_by(600.0)
    assert p.last_look(500.0) is None
    assert p.next_poll(KEY, 0.0, 500.0, 1, sparse=True, scout=False) == pytest.approx(500.0 + SPARSE_GAP_FACTOR * 60.0)
    stands[0] = None  # (not known yet: looked at)
    assert p.last_look(500.0) == pytest.approx(550.0)


def test_while_the_budget_is_tight_a_probes_gaps_grow_twice_as_fast():
    """Before anything is learned, each gap is half the job's age; when the budget cannot afford
    ``min_interval_s`` per job (``floor`` above it), the whole age: fewer polls while requests are short."""
    p = plan(hi=10_000.0)
    assert p.next_poll(KEY, 0.0, 100.0, 3) == pytest.approx(150.0)
    assert p.next_poll(KEY, 0.0, 100.0, 3, floor=5.0) == pytest.approx(200.0)


def test_a_learned_jobs_first_poll_follows_what_is_learned_after_it_was_first_placed():
    p = plan()
    for _ in range(4):
        p.latency.observe(KEY, 100.0)
    early = p.next_poll(KEY, 0.0, 0.0, 0)
    assert early == pytest.approx(100.0)
    for _ in range(60):
        p.latency.observe(KEY, 300.0)  # the kind now takes three times as long
    assert p.next_poll(KEY, 0.0, 0.0, 0) == pytest.approx(300.0)


def test_ten_second_videos_are_expected_to_take_half_as_long_again_as_five_second_ones():
    model = LatencyModel()
    assert model.prior((MODEL, "", 10)) == pytest.approx(1.5 * model.prior((MODEL, "", 5)))


def test_a_job_that_finished_at_exactly_an_age_counts_as_done_by_it():
    model = LatencyModel()
    for seconds in (50.0, 100.0, 100.0, 150.0):
        model.observe(KEY, seconds)
    assert model.likelihood_done(KEY, 100.0) == pytest.approx(0.75)


def test_a_finish_seen_unfinished_after_it_was_seen_done_is_kept_within_the_done_sighting():
    """Bounds out of order (a poll answered unfinished at 120 s, a sweep showed it finished by 100 s):
    the finish is put at 100 s, never past what was seen finished."""
    from batchgen.engine.pollplan import bounded_finish

    assert bounded_finish(120.0, 100.0, None) == pytest.approx(100.0)
    assert bounded_finish(120.0, 100.0, 110.0) == pytest.approx(100.0)


def test_forty_slow_jobs_after_two_hundred_fast_ones_are_enough_for_the_median_to_follow_a_backlog():
    model = LatencyModel()
    for _ in range(200):
        model.observe(KEY, 300.0)
    for _ in range(40):
        model.observe(KEY, 900.0)  # a backlog builds up overnight
    assert model.median(KEY) == 900.0


def test_a_resumed_job_never_polled_is_first_polled_min_interval_on_whatever_its_age():
    """A job a killed run sent twenty minutes ago, of a kind not learned yet, may well be done: its first poll
    comes ``min_interval_s`` after the resumed run plans it, not half its age (capped at ``max_interval_s``)
    later, as a probe's later polls do."""
    p = plan()
    assert p.next_poll(KEY, 0.0, 1_200.0, 0) == pytest.approx(1_202.0)
    assert p.next_poll(KEY, 0.0, 1_200.0, 1) == pytest.approx(1_260.0)  # (a later poll: half its age, capped)
