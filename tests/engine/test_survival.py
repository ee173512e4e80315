"""The survival curve behind the sweeper's expected finds: recent finishes, and the jobs still running."""

from __future__ import annotations

import math

import pytest

from batchgen.engine.pollplan import LatencyModel
from batchgen.engine.survival import Survival, expected_finds
from batchgen.jobs import JobSpec, JobState, TrackedJob
from tests.engine.doubles import SWEEP_KEY, by_rid, swept_job


def test_without_jobs_in_flight_it_is_the_samples_share_from_the_age_last_seen_unfinished():
    finishes = [100.0 + i for i in range(64)]  # 100 to 163 s
    curve = Survival(finishes, [], median=131.5)
    share = {age: sum(f <= age for f in finishes) / 64 for age in (120.0, 140.0)}
    assert curve.done_between(0.0, 120.0) == pytest.approx(share[120.0])
    assert curve.done_between(120.0, 140.0) == pytest.approx((share[140.0] - share[120.0]) / (1 - share[120.0]))
    assert curve.done_between(140.0, 140.0) == 0.0


def test_a_waves_first_finishes_do_not_pass_for_the_kind_while_the_rest_of_the_wave_runs():
    # sixteen jobs sent together: nine finished between 2.4 and 3.2 s, seven seen running at 3.25 s
    finishes = [2.4 + 0.1 * i for i in range(9)]
    curve = Survival(finishes, [3.25] * 7, median=2.9)
    assert math.exp(curve.log_unfinished(3.2)) == pytest.approx(7 / 16)  # not 0: seven are still running
    # the seven are expected to finish at the rate the last finishes came at, not one per median:
    # more than the 1.5 finds that make a sweep worth its request within 0.4 s
    seven = 7 * curve.done_between(3.25, 3.65)
    assert seven > 1.5
    assert seven > 2 * 7 * (1 - math.exp(-0.4 / 2.9))
    # read alone, the nine samples would say none of them is likely done: all "older than every job"
    alone = Survival(finishes, [], median=2.9)
    assert alone.done_between(3.25, 3.65) == 1.0  # every sampled job had finished: the old straggler count


def test_past_the_last_finishes_span_a_straggler_counts_at_one_finish_per_median():
    finishes = [100.0 + i for i in range(64)]
    curve = Survival(finishes, [900.0], median=131.5)
    assert curve.done_between(900.0, 920.0) == pytest.approx(1 - math.exp(-20.0 / 131.5))
    # one of the 65 jobs observed is left past the last finish: already outlier territory
    assert curve.done_between(163.0, 164.0) == pytest.approx(1 - math.exp(-1.0 / 131.5))


def test_mid_wave_the_last_finishes_rate_holds_until_one_of_the_jobs_observed_would_be_left():
    finishes = [2.4 + 0.1 * i for i in range(9)]
    curve = Survival(finishes, [3.25] * 7, median=2.9)
    left = math.exp(curve.log_unfinished(3.2))  # 7 of 16
    rate = curve.done_between(3.2, 3.3) / 0.1  # about the tail rate, per second
    at = 3.2 + math.log(left * 16) / (-math.log(1 - rate * 0.1) / 0.1)
    assert math.exp(curve.log_unfinished(at)) == pytest.approx(1 / 16, rel=0.01)
    # past that, one per median
    assert curve.done_between(at + 1, at + 2) == pytest.approx(1 - math.exp(-1 / 2.9))


def test_every_job_seen_at_an_age_had_finished_by_it_then_one_still_running_there_is_as_good_as_done():
    curve = Survival([10.0, 10.0, 10.0, 10.0], [], median=10.0)
    assert curve.done_between(10.0, 11.0) == 1.0
    assert curve.done_between(5.0, 10.0) == 1.0
    assert curve.done_between(5.0, 9.0) == 0.0


def test_jobs_never_seen_past_the_first_finish_do_not_keep_a_straggler_at_the_tail_rate():
    finishes = [100.0 + i for i in range(64)]
    alone = Survival(finishes, [900.0], median=131.5)
    crowded = Survival(finishes, [0.0] * 100 + [900.0], median=131.5)  # a hundred jobs just sent
    for curve in (alone, crowded):
        assert curve.done_between(164.0, 165.0) == pytest.approx(1 - math.exp(-1.0 / 131.5))
        assert curve.done_between(900.0, 920.0) == pytest.approx(1 - math.exp(-20.0 / 131.5))


def test_jobs_seen_running_long_past_the_last_finish_lower_the_rate_just_past_it():
    finishes = [2.4 + 0.1 * i for i in range(9)]
    soon = Survival(finishes, [3.25] * 7, median=2.9)
    late = Survival(finishes, [6.0] * 7, median=2.9)  # the same seven, seen unfinished at 6 s
    assert late.done_between(3.2, 3.3) < soon.done_between(3.2, 3.3)


def test_with_four_finishes_the_rate_past_the_last_is_the_last_two_over_the_seconds_at_risk_since_the_one_before():
    """Four finishes, four jobs seen running just past the last: the rate just past it counts the last
    two finishes (never fewer) over every second jobs spent at risk from the finish before them."""
    finishes = [2.4, 2.5, 2.6, 2.7]
    running = [2.75] * 4
    curve = Survival(finishes, running, median=2.55)
    start = finishes[1]
    exposed = sum(max(0.0, x - start) for x in (*finishes, *running))  # 0.3 + 4 * 0.25 = 1.3 s
    rate = 2 / exposed
    assert rate > 1 / 2.55  # above one per median: the last finishes' rate holds
    assert curve.done_between(2.75, 2.85) == pytest.approx(1 - math.exp(-rate * 0.1))


def test_a_rate_past_the_last_finish_is_never_below_one_finish_per_median():
    """Half of 128 jobs seen running long past the last finish: the last finishes' rate over their
    seconds at risk is tiny, but a job there is still expected at one finish per median."""
    finishes = [100.0 + i for i in range(64)]
    curve = Survival(finishes, [5_000.0] * 64, median=131.5)
    assert curve.done_between(5_000.0, 5_010.0) == pytest.approx(1 - math.exp(-10.0 / 131.5))


def test_a_job_seen_unfinished_at_the_very_age_of_a_finish_is_still_at_risk_there():
    """Two of four sampled jobs finished at 10 s; two jobs in flight were seen unfinished at 10 s: six
    were at risk at 10 s, so four of six (not two of four) were still unfinished after it."""
    curve = Survival([10.0, 10.0, 20.0, 20.0], [10.0, 10.0], median=15.0)
    assert math.exp(curve.log_unfinished(10.0)) == pytest.approx(4 / 6)


def test_the_rate_past_the_last_finish_counts_the_last_quarter_of_the_finishes():
    """Sixty-four finishes (100-163 s) and sixty-four jobs seen running at 170 s: the rate just past the
    last finish is the last sixteen finishes over every second spent at risk since the one before them."""
    finishes = [100.0 + i for i in range(64)]
    running = [170.0] * 64
    curve = Survival(finishes, running, median=131.5)
    start = finishes[64 - 16 - 1]
    rate = 16 / sum(max(0.0, x - start) for x in (*finishes, *running))
    assert rate > 1 / 131.5
    assert curve.done_between(170.0, 180.0) == pytest.approx(1 - math.exp(-rate * 10.0))


def test_the_age_by_which_a_share_is_unfinished_inverts_the_curve_within_and_past_the_finishes():
    finishes = [100.0 + i for i in range(64)]
    curve = Survival(finishes, [], median=131.5)
    assert curve.age_unfinished(1.0) == 0.0
    assert curve.age_unfinished(0.5) == 131.0  # 32 of 64 finished by then
    assert curve.age_unfinished(0.02) == 162.0  # 63 of 64: 1/64 is the first share at or below 2%
    # seven of sixteen still running past the last finish: the share falls at the tail's rate from there
    wave = Survival([2.4 + 0.1 * i for i in range(9)], [3.25] * 7, median=2.9)
    for share in (7 / 16, 0.2, 0.02, 0.001):
        age = wave.age_unfinished(share)
        assert math.exp(wave.log_unfinished(age)) == pytest.approx(min(share, 7 / 16))
        assert wave.log_unfinished(age - 1e-6) > math.log(share) - 1e-9


def test_the_expected_finds_count_each_job_in_flight_at_risk_from_the_age_it_was_last_seen_unfinished():
    """A wave mid-way: nine of sixteen finished, the seven others seen running at 3.25 s.  Their curve keeps them
    at risk up to that age (not from 0, where they would pass for finished ages ago), so the finds expected
    0.4 s on are the seven's chance at the last finishes' rate, not seven certain finds."""
    finishes = [2.4 + 0.1 * i for i in range(9)]
    latency = LatencyModel()
    for seconds in finishes:
        latency.observe(SWEEP_KEY, seconds)
    jobs = by_rid(*(swept_job(i, 0.0) for i in range(7)))
    found = expected_finds(jobs, latency, lambda rid, job: 3.25, now=3.65)
    one = Survival(sorted(finishes), [3.25] * 7, latency.median(SWEEP_KEY)).done_between(3.25, 3.65)
    assert found is not None and found == pytest.approx(7 * one)
    assert 1.5 < found < 6.0


def test_the_expected_finds_are_unknown_while_a_kind_among_the_jobs_in_flight_is_not_learned():
    """A kind with no finishes yet could have finished at any age: the count is not known (a due sweep goes),
    not the learned kinds' count alone, which would put the sweep off while that kind's jobs wait."""
    latency = LatencyModel()
    for seconds in (2.4, 2.5, 2.6, 2.7):
        latency.observe(SWEEP_KEY, seconds)
    other = TrackedJob(JobSpec("x", "kling-unlearned", {"prompt": "x"}), JobState.SUBMITTED, 0.28)
    other.request_id, other.submitted_at = "rx", 0.0
    jobs = by_rid(*(swept_job(i, 0.0) for i in range(3)), other)
    assert expected_finds(jobs, latency, lambda rid, job: 3.0, now=3.0) is None
    del jobs["rx"]
    assert expected_finds(jobs, latency, lambda rid, job: 3.0, now=3.0) == 0.0


def test_a_job_past_every_finish_seen_has_not_finished_between_an_age_and_itself():
    """Every job seen finished by 2 s: from 3 s to 3 s no time passes, so no job is expected to have finished in
    it (a sweep due with no time elapsed is worth nothing)."""
    curve = Survival([1.0, 2.0], [], median=1.5)
    assert curve.done_between(3.0, 3.0) == 0.0
    assert curve.done_between(3.0, 4.0) == 1.0  # all had finished by 3 s: any later age, surely


def test_a_kind_whose_recent_finishes_fell_at_one_age_expects_a_straggler_at_one_finish_per_median():
    """Five finishes all at 5 s and one job seen running at 5 s: no second passed at risk in the last quarter,
    so no rate can be read there; the job is expected at one finish per median (5 s), not never."""
    curve = Survival([5.0] * 5, [5.0], median=5.0)
    assert math.exp(curve.log_unfinished(5.0)) == pytest.approx(1 / 6)
    assert curve.done_between(5.0, 6.0) == pytest.approx(1 - math.exp(-1 / 5.0))
    assert curve.done_between(5.0, 10.0) == pytest.approx(1 - math.exp(-1.0))


def test_no_age_leaves_none_unfinished_and_without_a_median_no_age_past_the_tail_is_named():
    curve = Survival([1.0, 2.0, 3.0, 4.0], [4.0], median=2.5)
    assert curve.age_unfinished(0.0) == math.inf  # some job may always be left
    assert curve.age_unfinished(1.0) == 0.0
    unlearned = Survival([1.0, 2.0, 3.0, 4.0], [4.0], median=0.0)  # no median: no straggler rate
    assert unlearned.age_unfinished(1e-9) == math.inf


def test_a_job_seen_running_at_the_first_finishs_age_counts_among_the_jobs_observed():
    """Four finishes at 1-4 s, one job seen running at 1 s and one at 5 s: six were observed at the first finish,
    so the tail rate (two finishes over the six seconds at risk since 2 s) holds past the last finish for
    log(6 x 5/24) / (1/3) s, not only for log(5 x 5/24) / (1/3)."""
    curve = Survival([1.0, 2.0, 3.0, 4.0], [1.0, 5.0], median=10.0)
    assert math.exp(curve.log_unfinished(4.0)) == pytest.approx(5 / 6 * 3 / 4 * 2 / 3 * 1 / 2)
    assert curve.done_between(4.0, 4.5) == pytest.approx(1 - math.exp(-0.5 / 3))


def test_with_nine_finishes_the_rate_past_the_last_is_the_last_three_over_the_seconds_at_risk_since_the_sixth():
    """A quarter of nine, rounded up, is three: the rate past the last finish (9 s) is three finishes over the
    seconds at risk since the sixth (6 s), the three jobs seen running at 9.5 s included: 3 / (1 + 2 + 3 + 3 x 3.5)."""
    curve = Survival([float(i) for i in range(1, 10)], [9.5] * 3, median=100.0)
    assert curve.done_between(9.5, 10.5) == pytest.approx(1 - math.exp(-3 / 16.5))


def test_with_two_finishes_the_rate_past_the_last_counts_every_second_at_risk_from_the_submit():
    """Two finishes (2 s, 4 s) and two jobs seen running at 5 s: both finishes set the rate past the last, over
    every second the four jobs spent at risk from their submit, 2 / (2 + 4 + 5 + 5)."""
    curve = Survival([2.0, 4.0], [5.0, 5.0], median=100.0)
    assert math.exp(curve.log_unfinished(4.0)) == pytest.approx(1 / 2)
    assert curve.done_between(5.0, 6.0) == pytest.approx(1 - math.exp(-2 / 16))
