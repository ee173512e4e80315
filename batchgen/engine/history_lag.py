"""Whether the request history shows finishes late, judged from its own rows without a request.

A sweep that showed one of our jobs unfinished began at a known time.  When a
later sweep shows the job COMPLETED with its ``latency_ms``, the job's finish is
known too: its submit, plus that latency, on our clock.  (The submit's time is
when its answer came back, so the link never puts the finish early.)  A sweep
that began more than a tolerance after the job had finished, and still showed it
unfinished, saw the account as it was some time before: the history lags, and
every find the sweeps make is that much late.  The tolerance is a tenth of the
kind's typical time, or ``min_interval_s`` when that is longer: a lag that small
delays a find no more than the spacing of the sweeps does.

A late show is a suspicion, not a verdict.  What ``latency_ms`` measures is the
API's word: were it the inference alone, a job that waited in the server's
queue would look late.  So a late show buys one check (one at a time, at most
``CHECKS`` in a run): that job is settled with a result call, not from its
row's link, and the result's own metrics (or, without them, the age at which it
was seen done, which can only put the finish later) say when it finished.  If a
sweep that began more than the tolerance after that showed it unfinished, the
lag is confirmed.  If not, the row's latency is not the job's submit to finish,
and late shows are not looked for again in the run.  A confirmed lag is
believed: once there have been ``MISSES_BEFORE_GIVING_UP`` late shows, more than
``MISSED_SHARE_LIMIT`` of the shows that could tell (a finished job an earlier
sweep had shown unfinished), the sweeps are switched off, and jobs are polled
on time.

A row's ``latency_ms`` is taken for its job's submit to finish only when it
can be one (:func:`credible_latency`): a row saying 0 or 1 ms, or a finish
before a poll saw the job unfinished, measures nothing, and is read as a row
without a latency.  So it is no late show, buys no check, and cannot spend the
run's one refutation (or teach the model a job that took no time).
"""

from __future__ import annotations

LAG_TOLERANCE = 0.1  # of the kind's typical time: a history later than this lags
CHECKS = 6  # result calls a run may spend checking late shows (one at a time; one that answers settles it)


def credible_latency(latency_s: float | None, *, seen_unfinished: float, least: float) -> float | None:
    """A history row's latency as its job's submit to finish, when it can be one: more than ``least`` (the
    sweeper's: ``LAG_TOLERANCE`` of the kind's typical time once finishes have shown it, no video of the kind
    being made in a tenth of it; before that, the share of its published time the probe starts at, as no
    video job is done sooner), and not shorter than the age at which a poll, the API's own answer, saw the
    job unfinished (``seen_unfinished``).  Else None: the row is read as one without a latency (negative ones
    already are)."""
    if latency_s is None or latency_s <= least or latency_s < seen_unfinished:
        return None
    return latency_s


class LagWatch:
    """Late shows of finished jobs in the request history, and the result calls that check them."""

    def __init__(self, min_interval_s: float) -> None:
        self.min_interval_s = min_interval_s
        self._checking: dict[str, tuple[float, float]] = {}  # request id -> (that time, the tolerance)
        self.confirmed = False  # a result said a late-shown job had finished before a sweep showed it unfinished
        self.late_shows = 0
        self.telling = 0  # shows of finished jobs an earlier sweep had shown unfinished (a lag could show)
        self.worst = 0.0  # the longest a sweep showed a job unfinished after its finish
        self.checks_left = CHECKS
        self.refuted = False  # a result put a late-shown job's finish later than its row did: rows cannot tell

    def forget(self, request_id: str) -> None:
        self._checking.pop(request_id, None)

    def shown_done(self, request_id: str, seen: float, finished_at: float, typical: float) -> bool:
        """A sweep showed the job COMPLETED, with a latency that puts its finish at ``finished_at``; the
        last sweep that showed it unfinished began at ``seen``.  True when it wants a check: that was
        more than the tolerance after the finish, the lag is neither confirmed nor refuted yet, no
        check is under way, and the run has checks left (one is taken)."""
        if self.refuted:
            return False
        self.telling += 1
        tolerance = max(LAG_TOLERANCE * typical, self.min_interval_s)
        lag = seen - finished_at
        if lag <= tolerance:
            return False
        self.late_shows += 1
        self.worst = max(self.worst, lag)
        if self.confirmed or self.checks_left <= 0 or self._checking:
            return False  # known, or no check left, or one is under way
        self.checks_left -= 1
        self._checking[request_id] = (seen, tolerance)
        return True

    def result_says(self, request_id: str, finished_at: float) -> bool:
        """A job's result puts its finish at ``finished_at`` (at the latest); True when that confirms
        the lag its late show suggested."""
        if request_id not in self._checking:
            return False
        seen, tolerance = self._checking.pop(request_id)
        if seen - finished_at > tolerance:
            self.confirmed = True
        else:
            self.refuted = not self.confirmed
        return self.confirmed

    def lags(self, at_least: int, share: float) -> bool:
        """Whether the history is known to lag: confirmed, and at least ``at_least`` late shows, more
        than ``share`` of the shows that could tell."""
        if not self.confirmed or self.refuted:
            return False
        return self.late_shows >= at_least and self.late_shows > share * self.telling
