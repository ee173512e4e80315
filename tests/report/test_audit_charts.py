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
