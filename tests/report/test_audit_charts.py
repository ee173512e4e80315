"""Audit of ``batchgen/report/charts.py``: the charts tell how many jobs they show, when each ended, every 429
and the whole spend."""

from __future__ import annotations

from typing import Any

import pytest

from batchgen.report import charts
from batchgen.report.charts import COLORS, MAX_GANTT_ROWS, SERVER, gantt_svg, requests_svg, spend_svg
from batchgen.report.pace import PacePoint
from batchgen.report.timeline import JobRow


@pytest.fixture
def drawn(monkeypatch) -> list[Any]:
    """Each figure a chart draws, kept after its SVG is written."""
    figures: list[Any] = []
    write = charts._svg

    def keep(fig: Any) -> str:
        figures.append(fig)
        return write(fig)

    monkeypatch.setattr(charts, "_svg", keep)
    return figures


def _done(job_id: str, at: float, cost: float | None = 0.42) -> JobRow:
    return JobRow(job_id, state="completed", cost=cost, queued_at=at, detected_at=at + 5, downloaded_at=at + 6,
                  updated_at=at + 6)  # fmt: skip


def test_a_sampled_gantt_says_how_many_of_the_jobs_it_shows():
    rows = [_done(f"j{i:04d}", 1000.0 + i) for i in range(MAX_GANTT_ROWS + 1)]
    svg = gantt_svg(rows, 1000.0, 1400.0)
    assert f"{MAX_GANTT_ROWS} of {MAX_GANTT_ROWS + 1} jobs" in svg
    assert f"{len(rows[:5])} jobs" in gantt_svg(rows[:5], 1000.0, 1400.0)


def test_an_expired_job_is_marked_on_the_gantt_as_a_failed_one_is():
    expired = JobRow("lost", state="expired", queued_at=100.0, updated_at=120.0, error="gone")
    svg = gantt_svg([_done("ok", 100.0), expired], 100.0, 200.0)
    assert "failed / expired" in svg and COLORS["failed"] in svg
    assert "failed / expired" not in gantt_svg([_done("ok", 100.0)], 100.0, 200.0)


def test_a_failed_jobs_bar_ends_where_it_failed_not_at_the_end_of_the_chart(drawn):
    failed = JobRow("bad", state="failed", queued_at=100.0, updated_at=110.0, error="no")
    gantt_svg([failed, _done("ok", 100.0), JobRow("late", state="completed", queued_at=190.0, updated_at=200.0)],
              100.0, 200.0)  # fmt: skip
    (ax,) = drawn[0].axes
    (server,) = [c for c in ax.collections if c.get_label() == SERVER]
    (bar,) = [path.vertices for path in server.get_paths() if min(y for _, y in path.vertices) < 0]  # row 0
    assert max(x for x, _ in bar) == pytest.approx(10.0)  # seconds after its queue: the moment it failed
    assert ax.collections[-1].get_offsets()[0][0] == pytest.approx(10.0)  # its mark, at the bar's end


def test_the_429_count_on_the_requests_chart_is_the_429s_answered_not_the_running_totals_summed():
    def point(t: float, requests: int, throttled: int) -> PacePoint:
        return PacePoint(t=t, run="a", requests=requests, throttled=throttled, rpm=50, scale=1.0, spend=0.0)

    pace = [point(0, 0, 0), point(60, 40, 2), point(120, 90, 5), point(180, 130, 5)]
    svg = requests_svg(pace, 0.0, 180.0)
    assert "429 answers (5)" in svg


def test_the_spend_chart_climbs_to_the_whole_spend_of_the_videos_made(drawn):
    rows = [_done("a", 100.0, 0.5), _done("b", 120.0, 0.7), _done("c", 140.0, None), JobRow("d", state="pending")]
    spend_svg(rows, 100.0, 150.0)
    (ax,) = drawn[0].axes
    (line,) = ax.get_lines()
    assert list(line.get_ydata()) == pytest.approx([0.0, 0.5, 1.2])
    assert list(line.get_xdata()) == pytest.approx([0.0, 6.0, 26.0])


def test_the_spend_chart_ends_at_the_spend_the_page_states_a_job_made_anew_included(drawn):
    anew = _done("a", 100.0, 0.56)
    anew.paid_before = 0.56  # its first video was lost after its charge
    unfetched = JobRow("c", state="downloading", cost=0.28, queued_at=110.0, detected_at=130.0, updated_at=130.0)
    rows = [anew, _done("b", 120.0, 0.28), unfetched]  # c: charged, its video not fetched (yet)
    spend_svg(rows, 100.0, 150.0)
    (line,) = drawn[0].axes[0].get_lines()
    assert line.get_ydata()[-1] == pytest.approx(sum((r.cost or 0.0) + r.paid_before for r in rows))


def test_the_spend_chart_climbs_in_the_order_videos_were_paid_whatever_the_order_of_the_rows(drawn):
    rows = [_done("late", 140.0, 0.7), _done("early", 100.0, 0.5)]  # the ledger's order is not the time order
    spend_svg(rows, 100.0, 150.0)
    (line,) = drawn[0].axes[0].get_lines()
    assert list(line.get_xdata()) == pytest.approx([0.0, 6.0, 46.0])
    assert list(line.get_ydata()) == pytest.approx([0.0, 0.5, 1.2])


def _bars(ax: Any, name: str) -> list[Any]:
    (collection,) = [c for c in ax.collections if c.get_label() == name]
    return [path.vertices for path in collection.get_paths()]


def test_a_sampled_gantt_draws_jobs_from_the_whole_run_not_only_its_first_ones(drawn):
    rows = [_done(f"j{i:04d}", 1000.0 + i) for i in range(2 * MAX_GANTT_ROWS)]
    gantt_svg(rows, 1000.0, 1000.0 + 2 * MAX_GANTT_ROWS + 10)
    (ax,) = drawn[0].axes
    starts = sorted(min(x for x, _ in bar) * 60 for bar in _bars(ax, SERVER))  # seconds (drawn in minutes)
    assert len(starts) == MAX_GANTT_ROWS
    assert starts[-1] >= 2 * MAX_GANTT_ROWS - 3  # the last jobs queued are among those drawn
    assert starts[MAX_GANTT_ROWS // 2] == pytest.approx(MAX_GANTT_ROWS, abs=2)  # evenly: half-way is half-way


def test_a_download_bar_ends_when_the_video_was_in_place(drawn):
    row = JobRow("a", state="completed", queued_at=100.0, detected_at=130.0, downloaded_at=131.0, updated_at=131.0)
    gantt_svg([row, _done("late", 190.0)], 100.0, 200.0)
    (ax,) = drawn[0].axes
    first = [bar for bar in _bars(ax, "downloading") if min(y for _, y in bar) < 0]  # row 0
    assert [(min(x for x, _ in bar), max(x for x, _ in bar)) for bar in first] == [(30.0, 31.0)]


def test_the_requests_chart_draws_each_run_apart_against_the_limit_it_ran_under(drawn):
    def point(t: float, run: str, requests: int, rpm: float) -> PacePoint:
        return PacePoint(t=t, run=run, requests=requests, throttled=0, rpm=rpm, scale=1.0, spend=0.0)

    first = [point(0, "a", 0, 37), point(60, "a", 30, 37), point(120, "a", 60, 37)]
    later = [point(1000, "b", 0, 80), point(1060, "b", 70, 80), point(1120, "b", 150, 80)]
    requests_svg([*first, *later], 0.0, 1120.0)
    (ax,) = drawn[0].axes
    lines = [(list(line.get_xdata()), list(line.get_ydata())) for line in ax.get_lines()]
    assert len(lines) == 4  # a rate line and a limit line per run: nothing drawn across the idle gap
    (rates_a, limit_a), (rates_b, limit_b) = lines[:2], lines[2:]
    assert limit_a[1] == [37, 37] and limit_b[1] == [80, 80]
    assert rates_a[1] == pytest.approx([30, 30]) and rates_b[1] == pytest.approx([70, 80])
    assert max(rates_a[0]) < min(rates_b[0])
