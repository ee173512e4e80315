"""How many of our jobs wait on the server for a worker (:class:`ServerQueue`), for the sweeps' pace.

A job's submit-to-finish time is its wait for one of the account's workers and
its own time on it.  The first jobs of a kind a run sends (up to half the
slots) find the workers free, unless the account has fewer: their times stand
for the work alone.  Each later job is sent as one finishes and waits behind
the jobs queued before it.  By Little's law the jobs waiting, on average, are
the jobs in flight times the share of the recent times spent waiting:
``in flight x (1 - work / recent)``, each time taken as a median (a tail job
among the first few moves it little).  Misjudged, it errs low: a first job
that waited lengthens the work's time, each median is moved two standard
errors towards the other (first jobs quick by chance are no queue), and no
estimate is made without enough of both.  A sweep that finds no more jobs
than are queued behind the workers leaves none of them idle, so the sweeps
may come that much less often (:mod:`cadence`).
"""

from __future__ import annotations

import math
import statistics
from collections import deque

from ..jobs import TrackedJob
from .pollplan import LatencyKey, latency_key

FIRST_MOST = 8  # the first jobs of a kind, no more than this many and half the slots, stand for the work alone
FIRST_LEAST = 3  # ... and at least this many of them are needed
RECENT_LEAST = 8  # ... and this many of the jobs sent after the first slots were filled, finished
RECENT_WINDOW = 32  # the recent ones kept, per kind
SURE = 2.0  # standard errors of their medians the two times are moved apart by (a queue is claimed only when sure)
MAD_TO_SIGMA = 1.4826  # a normal spread's standard deviation per median absolute deviation
MEDIAN_ERROR = 1.2533  # a median's standard error per the mean's (sqrt(pi / 2))


class ServerQueue:
    """The jobs sent per kind, in order, and the times of the first ones and of the recent ones."""

    def __init__(self) -> None:
        self._sent: dict[LatencyKey, int] = {}  # per kind: jobs sent so far in this run
        self._index: dict[str, int] = {}  # request id -> its place among its kind's, while in flight
        self._first: dict[LatencyKey, list[tuple[int, float]]] = {}  # (place, submit-to-finish) of the first
        self._recent: dict[LatencyKey, deque[tuple[int, float]]] = {}  # (place, submit-to-finish), the latest

    def sent(self, job: TrackedJob) -> None:
        """A job entered the schedule (in the order its kind's jobs were sent).  Only a POST this run sent
        takes a place: a job re-attached from an earlier run (or found in the history) was not sent first into
        free workers, and a time this run saw only in part (never seen unfinished) is no time of the work."""
        if job.request_id is None or job.request_id in self._index or job.sent_at is None:
            return
        key = latency_key(job.spec)
        place = self._sent.get(key, 0)
        self._sent[key] = place + 1
        self._index[job.request_id] = place

    def finished(self, job: TrackedJob, took: float) -> None:
        """A job finished, its submit-to-finish time taken as ``took`` (as the latency model takes it)."""
        place = self._index.pop(job.request_id or "", None)
        if place is None:
            return
        key = latency_key(job.spec)
        if place < FIRST_MOST:
            self._first.setdefault(key, []).append((place, took))
        else:
            self._recent.setdefault(key, deque(maxlen=RECENT_WINDOW)).append((place, took))

    def forget(self, request_id: str) -> None:
        """A job left the schedule (finished, failed, lost)."""
        self._index.pop(request_id, None)

    def waiting(self, key: LatencyKey, slots: int) -> float:
        """How many of the ``slots`` jobs in flight wait for a worker, on average (0 until it is known)."""
        first_places = min(FIRST_MOST, slots // 2)
        work = [took for place, took in self._first.get(key, ()) if place < first_places]
        recent = [took for place, took in self._recent.get(key, ()) if place >= slots]
        if len(work) < FIRST_LEAST or len(recent) < RECENT_LEAST:
            return 0.0
        # the work's time raised, and the recent times lowered, by SURE standard errors: first jobs quick by
        # chance, or a few slow recent ones, are no queue
        alone, lately = _typical(work, SURE), _typical(recent, -SURE)
        return max(0.0, slots * (1.0 - alone / lately)) if lately > alone else 0.0


def _typical(times: list[float], errors: float) -> float:
    """The median of ``times`` moved by this many of its standard errors, reckoned from the median absolute
    deviation (a tail job among a few, a video three times the others' length, moves neither)."""
    middle = statistics.median(times)
    spread = MAD_TO_SIGMA * statistics.median(abs(t - middle) for t in times)
    return middle + errors * MEDIAN_ERROR * spread / math.sqrt(len(times))
