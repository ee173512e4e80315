"""Audit of ``batchgen/report/axis.py``: every chart shares one axis of run time, the run's own clock, idle gaps cut."""

from __future__ import annotations

import pytest

from batchgen.report.axis import CUT_FRACTION, IDLE_GAP_S, RunAxis
from batchgen.report.pace import PacePoint


def _point(t: float, run: str, scale: float = 1.0) -> PacePoint:
    return PacePoint(t=t, run=run, requests=0, throttled=0, rpm=50, scale=scale, spend=0.0)


def test_the_last_moment_of_a_run_is_drawn_at_its_end_not_across_the_cut():
    axis = RunAxis.build([], [_point(0, "a"), _point(100, "a"), _point(10_000, "b"), _point(10_100, "b")])
    assert axis.x(100) == pytest.approx(100)  # a job that finished as the first run ended
    assert axis.x(10_100) == pytest.approx(axis.total)


def test_a_moment_in_the_idle_gap_between_runs_is_drawn_at_the_start_of_the_next_run():
    axis = RunAxis.build([], [_point(0, "a"), _point(100, "a"), _point(10_000, "b"), _point(10_100, "b")])
    _first, second = axis.segments
    assert second.offset == pytest.approx(100 + axis.cut)
    assert axis.x(5_000) == pytest.approx(second.offset)  # submitted in the first run, fetched in the second
    assert axis.x(10_050) == pytest.approx(second.offset + 50)
    assert axis.cuts == [pytest.approx(100 + axis.cut / 2)]


def test_inside_a_run_time_is_counted_on_the_runs_own_clock():
    axis = RunAxis.build([], [_point(0, "a", scale=500), _point(1, "a", scale=500)])
    assert axis.x(0.5) == pytest.approx(250)  # half a real second under --simulate: 250 s of run time
    assert axis.total == pytest.approx(500)
    assert axis.scaled and "simulated time" in axis.label("minutes")


def test_ledger_moments_never_further_apart_than_the_idle_gap_make_one_run():
    step = IDLE_GAP_S * 0.8
    moments = [i * step for i in range(6)]  # a run without a pace file: five minutes of steady work
    axis = RunAxis.build(moments)
    assert len(axis.segments) == 1 and axis.cuts == []
    assert axis.x(moments[-1]) == pytest.approx(moments[-1])
    assert "idle gap" not in axis.label("seconds")


def test_moments_further_apart_than_the_idle_gap_are_cut_into_runs():
    axis = RunAxis.build([0.0, 10.0, 10.0 + IDLE_GAP_S * 10, 20.0 + IDLE_GAP_S * 10])
    assert len(axis.segments) == 2
    assert axis.cut == pytest.approx(20 * CUT_FRACTION)
    assert "1 idle gap(s) between runs cut" in axis.label("seconds")


def test_a_shorter_run_inside_a_longer_one_does_not_shorten_the_stretch_they_make():
    pace = [_point(0, "a"), _point(100, "a"), _point(10, "b"), _point(50, "b")]  # two shards at once
    axis = RunAxis.build([], pace)
    assert len(axis.segments) == 1
    assert axis.x(80) == pytest.approx(80)
    assert axis.total == pytest.approx(100)


def test_a_ledger_moment_just_after_the_runs_last_pace_line_is_drawn_at_its_end_not_on_its_clock():
    axis = RunAxis.build([0.5, 1.5], [_point(0, "a", scale=500), _point(1, "a", scale=500)])
    assert len(axis.segments) == 1
    assert axis.total == pytest.approx(500)
    assert axis.x(1.5) == pytest.approx(500)  # the last line written as the run closed, half a real second late


def test_a_folder_with_one_simulated_run_and_one_without_a_pace_file_is_labelled_simulated():
    later = 10_000.0
    axis = RunAxis.build([later, later + 5], [_point(0, "a", scale=500), _point(1, "a", scale=500)])
    assert [seg.scale for seg in axis.segments] == [500, 1.0]
    assert axis.scaled
    assert axis.label("minutes") == (
        "minutes of run time, the run's own clock (simulated time); 1 idle gap(s) between runs cut (dashed)"
    )
