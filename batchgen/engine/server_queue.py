"""How many of our jobs wait on the server for a worker (:class:`ServerQueue`), for the sweeps' pace.

A job's submit-to-finish time is its wait for one of the account's workers and
its own time on it.  The first jobs of a kind a run sends (up to half the
slots) find the workers free, unless the account has fewer: their times stand
for the work alone, each taken as late as a sweep could place it (when one
first showed it done).  Each later job is sent as one finishes and waits
behind the jobs queued before it.  By Little's law the jobs waiting, on
average, are the jobs in flight times the share of the recent times spent
waiting: ``in flight x (1 - work / recent)``.  Misjudged, it errs low: a first
job that waited, or a late first look, lengthens the work's time, and no
estimate is made without enough of both.  A sweep that finds no more jobs than
are queued behind the workers leaves none of them idle, so the sweeps may
come that much less often (:mod:`cadence`).
"""

from __future__ import annotations

from collections import deque

from ..jobs import TrackedJob
from .pollplan import LatencyKey, latency_key

FIRST_MOST = 8  # the first jobs of a kind, no more than this many and half the slots, stand for the work alone
FIRST_LEAST = 3  # ... and at least this many of them are needed
RECENT_LEAST = 8  # ... and this many of the jobs sent after the first slots were filled, finished
RECENT_WINDOW = 32  # the recent ones kept, per kind


class ServerQueue:
    """The jobs sent per kind, in order, and the times of the first ones and of the recent ones."""

    def __init__(self) -> None:
        self._sent: dict[LatencyKey, int] = {}  # per kind: jobs sent so far in this run
        self._index: dict[str, int] = {}  # request id -> its place among its kind's, while in flight
        self._first: dict[LatencyKey, list[tuple[int, float]]] = {}  # (place, finished by this age) of the first
        self._recent: dict[LatencyKey, deque[tuple[int, float]]] = {}  # (place, submit-to-finish), the latest

    def sent(self, job: TrackedJob) -> None:
        """A job entered the schedule (in the order its kind's jobs were sent)."""
        if job.request_id is None or job.request_id in self._index:
            return
        key = latency_key(job.spec)
        place = self._sent.get(key, 0)
        self._sent[key] = place + 1
        self._index[job.request_id] = place

    def finished(self, job: TrackedJob, *, by: float, took: float) -> None:
        """A job finished by age ``by``, its submit-to-finish time taken as ``took``."""
        place = self._index.pop(job.request_id or "", None)
        if place is None:
            return
        key = latency_key(job.spec)
        if place < FIRST_MOST:
            self._first.setdefault(key, []).append((place, by))
        else:
            self._recent.setdefault(key, deque(maxlen=RECENT_WINDOW)).append((place, took))

    def forget(self, request_id: str) -> None:
        """A job left the schedule (finished, failed, lost)."""
        self._index.pop(request_id, None)

    def waiting(self, key: LatencyKey, slots: int) -> float:
        """How many of the ``slots`` jobs in flight wait for a worker, on average (0 until it is known)."""
        first_places = min(FIRST_MOST, slots // 2)
        work = [by for place, by in self._first.get(key, ()) if place < first_places]
        recent = [took for place, took in self._recent.get(key, ()) if place >= slots]
        if len(work) < FIRST_LEAST or len(recent) < RECENT_LEAST:
            return 0.0
        alone, lately = sum(work) / len(work), sum(recent) / len(recent)
        return max(0.0, slots * (1.0 - alone / lately))
