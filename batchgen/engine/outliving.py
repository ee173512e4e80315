"""Kinds of job that outlive their records where nothing else can fetch them (:class:`Outliving`).

Where no request history stands in for a record that dies (:mod:`life_cap`), a job still unfinished when its
record dies is a video that may be paid for and cannot be fetched.  The life cap keeps jobs from waiting in the
account's queue that long; a job that takes longer *alone* than its record lives is lost however few are in
flight.  A job whose record died unfinished with no wait ahead of it (no more of ours in flight when it was sent
than a finish that waited for none had: :meth:`life_cap.LifeCap.died`) shows that jobs of its kind (model, mode,
duration) may.  (Not one an earlier run sent and this one re-attached, which no poll may have seen while its record
lived; nor one watched in a history that showed it running, then taken for stalled: a history stands in there.)

Once ``HOLD_AFTER`` jobs of a kind died so, and no more of its jobs made a video than that, the kind is held:
while no history stands in, its jobs not yet sent are not sent (``deferred``, event ``outlives_record``), and those
in flight run their course (a video one makes counts, and may end the hold for the jobs not yet reached).  Each
such death's ``expired`` line carries the kind's tallies then (``outlived``), as does each held job's line.

A later run takes a kind up on trial where the latest of its lines that carry tallies hold it, and no job of the
kind sent after that line made a video (:func:`resume.outlived`): the first of its jobs it sends is the only one
of its kind in flight until one of them makes a video, which starts the kind afresh (the world may have changed:
a faster queue, a record that lives longer), or dies unfinished with no wait, which holds it again at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from .pollplan import LatencyKey

log = logging.getLogger("batchgen")

HOLD_AFTER = 2  # jobs of a kind that died unfinished with no wait before the kind is held


@dataclass
class Tally:
    """What the run (and the ledger's latest tallies, where they hold the kind) saw of one kind's jobs."""

    died: int = 0  # records that died unfinished with no wait ahead of the job
    made: int = 0  # jobs that made a video
    trial: bool = False  # carried from a hold: one job of it at a time until one ends so, or makes a video
    reason: str | None = None  # why it is held, while it is (the same words for every job it keeps)


class Outliving:
    """The kinds of job seen to outlive their records alone, and whether each is held."""

    def __init__(self, stands_in: Callable[[], bool | None]) -> None:
        self._stands_in = stands_in  # a record that dies: its job's row links its video (None: not known yet)
        self._kinds: dict[LatencyKey, Tally] = {}

    # ------------------------------------------------------------------ what the run saw

    def carry(self, kind: LatencyKey, died: int, made: int) -> None:
        """An earlier run held ``kind`` with these tallies (its ledger lines say): it is on trial."""
        tally = self._kinds.setdefault(kind, Tally())
        tally.died, tally.made = max(tally.died, died), max(tally.made, made)
        tally.trial = True

    def died(self, kind: LatencyKey) -> dict[str, int]:
        """A job of ``kind`` whose record died unfinished with no wait ahead of it, nothing else to fetch it (on
        trial, the kind is held again at once: the tallies it was taken up with held it).  The tallies now, for
        the job's ledger line (a later run takes them up from there)."""
        tally = self._kinds.setdefault(kind, Tally())
        tally.died += 1
        tally.trial = False
        self._judge(kind, tally)
        return self.tallies(kind)

    def made(self, kind: LatencyKey) -> None:
        """A job of ``kind`` made a video (on trial: the kind starts afresh)."""
        tally = self._kinds.setdefault(kind, Tally())
        if tally.trial:
            tally.died = tally.made = 0
        tally.made += 1
        tally.trial = False
        self._judge(kind, tally)

    # ------------------------------------------------------------------ what the submitter asks

    def held(self, kind: LatencyKey) -> str | None:
        """Why jobs of ``kind`` are not sent, or None: they are (a history that stands in fetches them)."""
        tally = self._kinds.get(kind)
        if tally is None or tally.reason is None or self._stands_in():
            return None
        return tally.reason

    def on_trial(self, kind: LatencyKey) -> bool:
        """Whether ``kind`` was held by an earlier run and none of its jobs has ended so, or made a video, since:
        one of its jobs at a time is sent."""
        tally = self._kinds.get(kind)
        return tally is not None and tally.trial and not self._stands_in()

    def tallies(self, kind: LatencyKey) -> dict[str, int]:
        """What a held job's ledger line carries, and a death's, for a later run to take up."""
        tally = self._kinds.get(kind, Tally())
        return {"died": tally.died, "made": tally.made}

    # ------------------------------------------------------------------ reckoning

    def _judge(self, kind: LatencyKey, tally: Tally) -> None:
        if not holds(tally.died, tally.made):
            if tally.reason is not None:
                log.warning(
                    "jobs of %s not yet reached are sent again (%s); those already held back are left for the next run",
                    describe(kind),
                    _counts(tally),
                )
            tally.reason = None
            return
        if tally.reason is not None:
            return  # (held already: its jobs keep the words they were held with)
        tally.reason = (
            f"not sent: jobs of its kind ({describe(kind)}) outlive their request records here ({_counts(tally)}), "
            "and no request history stands in for a record once it expires, so a job sent would most likely be "
            "paid for and never fetched; the next run sends one of them to try again"
        )
        log.warning(
            "jobs of %s outlive their request records (%s) and no request history stands in for a record once it "
            "expires: the rest of them are not sent (deferred, event outlives_record), and the next run tries one",
            describe(kind),
            _counts(tally),
        )


def holds(died: int, made: int) -> bool:
    """Whether a kind's tallies hold it: ``HOLD_AFTER`` of its jobs died unfinished with no wait, and no more of
    them made a video."""
    return died >= HOLD_AFTER and died >= made


def describe(kind: LatencyKey) -> str:
    """A kind as the operator reads it: its model, mode (if any) and duration."""
    model, mode, duration = kind
    return f"{model}, {mode + ', ' if mode else ''}{duration} s"


def _counts(tally: Tally) -> str:
    died = f"{tally.died} still unfinished when their records expired though none of ours waited ahead of them"
    return f"{died}, {tally.made} made a video"
