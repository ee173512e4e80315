"""The report's charts, drawn with matplotlib (Agg backend) as inline SVG.

* :func:`gantt_svg`: jobs over time, one bar per job split into queued,
  processing and downloading (from the ledger's timestamps); failures are
  marked.  Past :data:`MAX_GANTT_ROWS` jobs an even sample is drawn, so the
  page stays light for 10,000 videos.
* :func:`requests_svg`: API requests per minute of run time against the
  limit, with the intervals that saw 429 answers marked (from ``pace.jsonl``).
* :func:`spend_svg`: the cumulative spend as videos were completed.

matplotlib is imported only here and only when a chart is drawn, so a run
that never makes a report does not pay for it.  Text stays text in the SVG
(``svg.fonttype: none``) and every link to a namespace or DTD is removed:
the page references no network address at all.
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Sequence
from typing import Any

from .axis import RunAxis, Segment
from .pace import PacePoint
from .timeline import JobRow

MAX_GANTT_ROWS = 300
COLORS = {
    "queued": "#c6cbd4",
    "processing": "#4c78a8",
    "queued or processing": "#a6bddb",  # the server reported no queue time for the job
    "downloading": "#54a24b",
    "failed": "#d62728",
}
SERVER = "queued or processing"
_STRIP = (
    re.compile(r"<\?xml[^>]*\?>\s*"),
    re.compile(r"<!DOCTYPE[^>]*>\s*"),
    re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL),
    re.compile(r'\s+xmlns(:\w+)?="[^"]*"'),
)


def _figure(width: float, height: float) -> tuple[Any, Any]:
    """A figure and its axes, without pyplot (no global figure registry, safe in a worker thread)."""
    import matplotlib
    from matplotlib.figure import Figure

    matplotlib.rcParams.update({"svg.fonttype": "none", "font.size": 9})
    fig = Figure(figsize=(width, height))
    return fig, fig.subplots()


# Room around the axes, in inches: tick labels and the axis label below, the y tick labels and label on the
# left, a legend above.  Fixed margins draw a chart once; bbox_inches="tight" drew it twice to measure it.
_LEFT_IN, _RIGHT_IN, _BOTTOM_IN, _TOP_IN, _LEGEND_IN = 0.75, 0.2, 0.5, 0.15, 0.3


def _svg(fig: Any) -> str:
    width, height = fig.get_size_inches()
    for ax in fig.axes:
        if ax.axison:
            top = _TOP_IN + (_LEGEND_IN if ax.get_legend() is not None else 0.0)
            fig.subplots_adjust(left=_LEFT_IN / width, right=1 - _RIGHT_IN / width, bottom=_BOTTOM_IN / height,
                                top=1 - top / height)  # fmt: skip
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    for pattern in _STRIP:
        text = pattern.sub("", text)
    return text.strip()


def _unit(span_s: float) -> tuple[float, str]:
    if span_s < 180:
        return 1.0, "seconds"
    if span_s < 3 * 3600:
        return 60.0, "minutes"
    return 3600.0, "hours"


def time_origin(rows: Sequence[JobRow], pace: Sequence[PacePoint]) -> tuple[float, float]:
    """(start, end) of everything the charts show, in epoch seconds."""
    moments = [t for row in rows for t in (row.submitting_at, row.queued_at, row.downloaded_at, row.updated_at) if t]
    moments += [p.t for p in pace]
    if not moments:
        return 0.0, 1.0
    return min(moments), max(max(moments), min(moments) + 1.0)


def _empty(message: str) -> str:
    fig, ax = _figure(9, 1.2)
    ax.axis("off")
    ax.text(0.5, 0.5, message, ha="center", va="center")
    return _svg(fig)


def _axis(start: float, end: float, axis: RunAxis | None) -> RunAxis:
    return axis if axis is not None else RunAxis((Segment(start, end, 1.0, 0.0),), 0.0)


def _shared_axis(ax: Any, axis: RunAxis, unit: str, scale: float, note: str = "") -> None:
    """The x axis every chart shares: the same span, the same unit, the cuts between runs marked."""
    ax.set_xlim(0, axis.total / scale * 1.02)
    for cut in axis.cuts:
        ax.axvline(cut / scale, color="#888888", linestyle=":", linewidth=1)
    ax.set_xlabel(axis.label(unit) + note)


def gantt_svg(rows: Sequence[JobRow], start: float, end: float, axis: RunAxis | None = None) -> str:
    axis = _axis(start, end, axis)
    timed = sorted((r for r in rows if r.queued_at is not None), key=lambda r: (r.queued_at, r.job_id))
    if not timed:
        return _empty("no job has been submitted yet")
    shown = timed
    if len(timed) > MAX_GANTT_ROWS:
        step = len(timed) / MAX_GANTT_ROWS
        shown = [timed[int(i * step)] for i in range(MAX_GANTT_ROWS)]
    scale, unit = _unit(axis.total)
    height = min(9.0, 1.6 + 0.16 * len(shown))
    fig, ax = _figure(9, height)
    from matplotlib.collections import PolyCollection

    boxes: dict[str, list[list[tuple[float, float]]]] = {name: [] for name in COLORS if name != "failed"}
    failed_x, failed_y = [], []
    for y, row in enumerate(shown):
        queued = row.queued_at or start
        done = row.detected_at or (row.updated_at if row.state in ("failed", "expired") else None) or end
        if row.processing_at is not None:  # the server's queue time splits its part of the job
            phases = [("queued", queued, row.processing_at), ("processing", row.processing_at, done)]
        else:
            phases = [(SERVER, queued, done)]
        if row.detected_at is not None:
            phases.append(("downloading", row.detected_at, row.downloaded_at or row.updated_at or end))
        for name, a, b in phases:
            x0, x1 = axis.x(a) / scale, axis.x(b) / scale
            if x1 > x0:
                boxes[name].append([(x0, y - 0.4), (x1, y - 0.4), (x1, y + 0.4), (x0, y + 0.4)])
        if row.state in ("failed", "expired") and row.updated_at is not None:
            failed_x.append(axis.x(row.updated_at) / scale)
            failed_y.append(y)
    # One collection per phase: hundreds of bars draw as fast as one.
    for name, polygons in boxes.items():
        if polygons:
            ax.add_collection(PolyCollection(polygons, facecolors=COLORS[name], linewidths=0, label=name))
    if failed_x:
        ax.scatter(failed_x, failed_y, marker="x", color=COLORS["failed"], label="failed / expired", zorder=3)
    ax.set_ylim(len(shown) - 0.5, -0.5)
    ax.set_yticks([])
    ax.set_ylabel(f"{len(shown)} of {len(timed)} jobs" if len(shown) < len(timed) else f"{len(timed)} jobs")
    _shared_axis(ax, axis, unit, scale)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=5, frameon=False, fontsize="small")
    ax.grid(axis="x", alpha=0.3)
    return _svg(fig)


def _rates(pace: Sequence[PacePoint]) -> tuple[list[float], list[float], list[float], list[tuple[float, float, int]]]:
    """(times, requests/min, limit, 429 marks (time, rate, count)) between consecutive points of one run."""
    times, rates, limits, marks = [], [], [], []
    for a, b in itertools.pairwise(pace):
        if a.run != b.run or b.t <= a.t:
            continue
        minutes = (b.t - a.t) * b.scale / 60
        rate = max(0, b.requests - a.requests) / minutes
        times.append(b.t)
        rates.append(rate)
        limits.append(b.rpm)
        if b.throttled > a.throttled:
            marks.append((b.t, rate, b.throttled - a.throttled))
    return times, rates, limits, marks


def requests_svg(pace: Sequence[PacePoint], start: float, end: float, axis: RunAxis | None = None) -> str:
    axis = _axis(start, end, axis)
    times, rates, limits, marks = _rates(pace)
    if not times:
        return _empty("no request pace recorded (pace.jsonl is written while a run lasts)")
    scale, unit = _unit(axis.total)
    fig, ax = _figure(9, 2.6)
    runs: dict[str, list[int]] = {}
    for i, t in enumerate(times):  # one line per run: nothing is drawn across the idle time between runs
        runs.setdefault(next(p.run for p in pace if p.t == t), []).append(i)
    for n, indexes in enumerate(runs.values()):
        xs = [axis.x(times[i]) / scale for i in indexes]
        ax.step(xs, [rates[i] for i in indexes], where="pre", color=COLORS["processing"],
                label="requests per minute" if n == 0 else None)  # fmt: skip
        ax.step(xs, [limits[i] for i in indexes], where="pre", color="#888888", linestyle="--",
                label="limit (requests_per_minute)" if n == 0 else None)  # fmt: skip
    if marks:
        ax.scatter(
            [axis.x(t) / scale for t, _, _ in marks],
            [r for _, r, _ in marks],
            marker="v",
            color=COLORS["failed"],
            zorder=3,
            label=f"429 answers ({sum(n for _, _, n in marks)})",
        )
    ax.set_ylim(bottom=0)
    _shared_axis(ax, axis, unit, scale, " (rates per minute of run time)")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, frameon=False)
    ax.grid(alpha=0.3)
    return _svg(fig)


def spend_svg(rows: Sequence[JobRow], start: float, end: float, axis: RunAxis | None = None) -> str:
    axis = _axis(start, end, axis)
    # what each job was charged (an earlier request of a job made anew included), from when it was known: its
    # video's download, else its result's (a charged job whose video was not fetched): the spend the page states
    paid = sorted(
        (at, spent)
        for r in rows
        if (spent := (r.cost or 0.0) + r.paid_before) and (at := r.downloaded_at or r.detected_at or r.updated_at)
    )
    if not paid:
        return _empty("nothing has been paid for yet")
    scale, unit = _unit(axis.total)
    xs, ys, total = [0.0], [0.0], 0.0
    for at, cost in paid:
        total += cost or 0.0
        xs.append(axis.x(at) / scale)
        ys.append(total)
    fig, ax = _figure(9, 2.4)
    ax.step(xs, ys, where="post", color=COLORS["downloading"])
    ax.set_ylabel("USD")
    ax.set_ylim(bottom=0)
    _shared_axis(ax, axis, unit, scale)
    ax.grid(alpha=0.3)
    return _svg(fig)
