"""When a job whose record died while the request history showed it unfinished is taken for stalled.

A record may die before its job finishes: records that live shorter than the
jobs take, or jobs that wait long in the server's queue.  Such a job may yet
finish and be paid, so it is watched in the history
(:meth:`poller.Poller._record_gone`).  Taking it for stalled too early would
lose a paid video (or, with ``--resubmit-lost``, pay for it twice); too late
only keeps the run waiting.  So a job is taken for stalled only past
``WATCH_FACTOR`` times the slowest recent finish of its kind, or the longest a
request of ours took to be listed in the history if longer.  Until its kind
is learned (a few finishes: the first one or two may be its fastest, a third
of the others' time where times spread), twice its published time if
longer; so too before the history was seen to list any request of ours (how
far behind it is, and so how stale a state it shows, is not known yet).  The
age counts from when the job had surely begun its own time: a job the history
shows PENDING may still wait for a worker behind the jobs of ours sent before
it, so its age counts from the last of them seen finished (:class:`Finishes`),
and while one of them is still polled or watched it is not taken for stalled
at all (:meth:`poller.Poller.stalls_at`).  One of them given up frees no
worker that is known of, but the jobs behind it wait for it no longer.
"""

from __future__ import annotations

import bisect
import math

from .pollplan import LatencyKey, LatencyModel

WATCH_FACTOR = 3.0


def stall_age(latency: LatencyModel, key: LatencyKey, listing: float | None) -> float:
    """The age past which a job of kind ``key``, still shown unfinished or not listed, is taken for stalled;
    ``listing``: the longest a request of ours took from its POST to be listed in the history (a history that
    lists requests only once finished, or lags, shows a job that long after its submit at the soonest, and its
    state as it was that long ago; None before any was listed: the published time, however its kind finishes)."""
    slowest = latency.slowest(key) or 0.0
    learned = latency.learned(key) and listing is not None
    published = 0.0 if learned else 2 * latency.prior(key)
    return WATCH_FACTOR * max(slowest, published, listing or 0.0)


class Finishes:
    """When jobs of ours were seen finished, by when each was sent: the latest finish among the jobs sent before a
    given one (:meth:`last_before`).  Kept as a staircase: a finish of a job sent no later than those of earlier
    finishes answers for them too, so they go."""

    def __init__(self) -> None:
        self._sent: list[float] = []  # rising
        self._at: list[float] = []  # rising with them: each added no earlier than the last

    def add(self, sent: float, at: float) -> None:
        """A job sent at ``sent`` was seen finished at ``at`` (run seconds; one added after a later one is taken
        as finished then: later, the side that takes no job for stalled too soon)."""
        at = max(at, self._at[-1]) if self._at else at
        while self._sent and self._sent[-1] >= sent:
            self._sent.pop()
            self._at.pop()
        self._sent.append(sent)
        self._at.append(at)

    def last_before(self, sent: float) -> float:
        """When the last of the jobs sent before ``sent`` was seen finished (-inf: none)."""
        place = bisect.bisect_left(self._sent, sent)
        return self._at[place - 1] if place else -math.inf
