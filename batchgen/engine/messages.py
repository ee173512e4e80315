"""What the stages send each other: work flows one way, over bounded anyio memory streams.

::

    submitter ──tracked job──► poller ──finished job──► downloaders
        ▲                        │  ▲                        │
        └──────── Lost ──────────┘  └── Shown / Replan ──┐   │
        └──────────────────────── Lost ──────────────────┼───┘
                                         sweeper ────────┘

* a job with a durable request id (``TrackedJob``), submitter -> poller;
* a finished job whose ``result`` line is written (``TrackedJob``), poller ->
  downloaders (and resumed downloads, run -> downloaders);
* :class:`Lost`: a job whose video can no longer be had, poller or downloader
  -> submitter, which makes it again (``--resubmit-lost``) or ends it
  ``expired`` in its own task;
* :class:`Shown` and :class:`Replan`: what a history sweep found, sweeper ->
  poller.

A stage never calls into another stage's insides and never runs another
stage's work in its own task.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..api.answers import HistoryRow
from ..jobs import Event, TrackedJob


@dataclass(frozen=True, slots=True)
class Lost:
    """The video of ``job`` cannot be had (its record expired, or its output is gone)."""

    job: TrackedJob
    detail: str
    event: Event = Event.EXPIRED
    http: int | None = 404
    outlived: dict[str, int] | None = None  # its kind's tallies, where it shows the kind outlives its records


@dataclass(frozen=True, slots=True)
class Shown:
    """A sweep saw ``job`` finished (COMPLETED or FAILED) in the request history's ``row``; the last
    sweep that showed it unfinished began at ``unfinished_at`` (run clock), if one did, and the page
    that showed it finished came back at ``shown_at`` (its finish lies before that).  With
    ``check``, it is settled by a result call, not from the row's link: that sweep came after the
    finish the row gives, and the result says whether the history lags."""

    job: TrackedJob
    row: HistoryRow
    check: bool = False
    unfinished_at: float | None = None
    shown_at: float | None = None


@dataclass(frozen=True, slots=True)
class Replan:
    """The sweeps changed what per-job polls are for (they began to work, or stopped): plan every job again."""


SweepNews = Shown | Replan
