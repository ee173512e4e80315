"""How many jobs may be in flight where a job must finish within its record's life (:class:`LifeCap`).

A finished job's output is had by its request id while its record lives (``polling.expiry_s`` after its
submit, or less once a record was found gone sooner: the plan's guard).  After that only the request
history knows it.  Where there is none (it answers 404), it has not answered a page, or it has not yet
shown a finished job of ours with a link (it may link none), a job still waiting in the account's queue
when its record dies is a video that may be paid and cannot be fetched.

Jobs sent beyond the account's workers only wait in its queue, and by Little's law a job sent with ``n``
in the queue before it and itself finishes about ``n / throughput`` after it.  So a job that took ``t``
from submit to finish, sent with ``n`` ahead, says that ``n x target / t`` ahead would have finished it
in ``target``.  The jobs ahead over the time taken is at most the throughput (fewer ahead than the
account has workers waited for none), so the cap is the throughput taken as the upper quartile of that
over the recent finishes, times the target, while the history cannot stand in for a record.  The target
is half the guard, or, for jobs that take longer alone (the run's fastest finish, its first jobs finding
free workers), one and a half times that, below nine tenths of the guard.

A job whose record died before it was seen finished is no longer ours to poll, but it most likely still
holds its place in the account's queue: it is counted ahead of the jobs sent after it until it would
have finished (its submit, plus its place over the throughput; a target from now before any finish).  So is
the job a submit of unknown outcome may have made, once no history can settle it: where the history answers
404, it keeps its slot as one of ours would (until it would be through), even before any wait is seen.

A job that finished with no wait (within one and a half times the run's fastest finish) shows that as
many in flight as it had ahead wait for none: the cap is never below that, or jobs that take most of the
target alone would each leave the next fewer in flight than the last.  Above that floor, it is no more than
would all finish within nine tenths of the guard were every job as long as a long one (the upper quartile)
of the recent finishes with no more than that many ahead (each worker taking as many in turn as fit): where
jobs alone take more than half a record's life, a job that waits for one in front of it to leave may wait
that job's whole length, which the throughput (an average over many leaving) does not show.

A job an earlier run sent and this one re-attached from the ledger waits in the same queue: one sent less than
two records' lives ago (as configured: a job outlives its record where records die early) is counted as the
run's own (its age shows a wait, its record's death a job still ahead), with as many ahead of it as the
ledger shows were in flight when it was sent.  So are the earlier run's jobs whose records died unfinished
(counted ahead), and its finishes in that time that made a video (their time from submit to the line saying
so; the jobs ahead of them only those the ledger shows in flight then, not those whose records died, which may
have left the queue at any time).  A re-attached job's finish is reckoned from only where this run saw it
unfinished first (or the server measured it): one found done at its first look may have finished at any time
since its submit, and would show a throughput too low.  Nor is it taken for how long a job takes alone; but a
job alone takes no longer than any did: the fastest an earlier run's job was seen made (its submit to the
ledger's line saying so, or to this run's look) shows a wait before a job of this run's own has finished.

Where only polls can fetch a job, each needs its submit and a poll or two (``POLLED_REQUESTS``) inside the
target, and every job in flight shares the request budget (``limits.requests_per_minute``, as the run
learns it, over the requests a call makes where the API redirects calls): more in flight than the budget
can poll in a target leaves records to die before their polls go, jobs or no jobs waiting in the queue.  So,
before any wait is seen as after, the cap is never above the budget's requests in a target over
``POLLED_REQUESTS`` (never below one).

The cap binds once a job of ours is seen to wait: one took, or has been in flight, longer than one and
a half times the run's fastest finish (before the first finish, longer than the target; nothing more is sent
then until a job finishes, or one alone if none is in flight), or a record to die unfinished; and from then
on for the rest of the run (a queue drained is not a queue that cannot fill again).  The cap never keeps
fewer than one job of ours in flight (once the jobs whose records died are through), and never more than
``limits.concurrency``.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import Callable

from ..clock import Clock
from .outliving import Outliving
from .pollplan import LatencyKey, PollPlan

log = logging.getLogger("batchgen")

# a request the ledger knows was made: its submit, when a run saw it finished (None: never), as epoch seconds;
# whether it made a video; and its id
Request = tuple[float, float | None, bool, str]

SAFE_SHARE = 0.5  # of the guard: the submit-to-finish time aimed at
ALONE_ROOM = 1.5  # ... or this many times the run's fastest finish, for jobs that take that long alone
MOST_SHARE = 0.9  # ... but never more than this share of the guard
RECHECK_S = 10.0  # run seconds: a held feeder looks again this often (the budget may have grown), or, while the
# history has not answered, every polling.min_interval_s (it may have begun to)
UNSEEN_LIVES = 2  # an earlier run's job never seen finished is taken for through this many configured lives on
RECENT = 16  # the recent finishes the cap is reckoned from
UPPER = 0.75  # the quantile of their throughputs taken (each one is at most the account's)
POLLED_REQUESTS = 2.5  # requests a job needs inside the target where only polls fetch it: its submit, a poll or two


class LifeCap:
    """The jobs of this run in flight (when sent, with how many ahead), their recent finishes, and the jobs
    whose records died unfinished (until each would have finished)."""

    def __init__(
        self,
        plan: PollPlan,
        clock: Clock,
        *,
        history_works: Callable[[], bool | None],
        stands_in: Callable[[], bool | None] | None = None,
        budget: Callable[[], float] | None = None,
    ) -> None:
        self.plan, self.clock = plan, clock
        self._history_works = history_works  # the history answers (None: not yet): it can settle a lost submit
        # ... and it stands in for a record that dies: its rows link the videos (None: not answered yet)
        self._stands_in = stands_in or history_works
        # the request budget as the run knows it now, in calls a second (its requests a second over the requests a
        # call makes: a redirect followed is one more), None: unbounded
        self._budget = budget
        self.kinds = Outliving(self._stands_in)  # the kinds of job seen to outlive their records alone
        self._sent: dict[str, tuple[float, int]] = {}  # request id -> (run seconds sent, jobs ahead then, itself in)
        self._recent: deque[tuple[float, float, int]] = deque(maxlen=RECENT)  # (jobs ahead per s, s taken, ahead)
        self._fastest = math.inf  # the run's fastest submit-to-finish time
        self._earlier = math.inf  # the fastest an earlier run's job was seen made: no faster than a job alone
        # each job whose record died unfinished, or a submit of unknown outcome left unsettled may have made: (run
        # seconds sent, jobs ahead then, itself in; when found so; whether its record died: a wait seen)
        self._ghosts: list[tuple[float, int, float, bool]] = []
        self._attached: set[str] = set()  # the jobs of an earlier run among ``_sent``
        self._sends: list[tuple[float, float | None, str]] = []  # the ledger's lineup (sent, seen finished, id)
        self._dated: set[str] = set()  # ... the requests whose submit the ledger gives (the lineup's)
        self._held = False  # the last room given was below ``limits.concurrency``
        # how long an earlier run's job may still hold its place in the account's queue, as far as this run can
        # tell: a record's life as configured (not as found: a job outlives its record there), this many times
        self._unseen = UNSEEN_LIVES * plan.expiry
        self.wait_seen = False  # a job of ours was seen to wait, or a record to die unfinished: the cap binds
        self.told = False  # the operator was told the cap binds where no history answers
        self._told_unanswered = False  # ... or where none had answered yet
        self._told_lost = False  # ... that a lost submit keeps its slot
        self._told_budget = math.inf  # ... the bound the request budget sets on jobs in flight (told again lower)

    # ------------------------------------------------------------------ what the poller saw

    def sent(self, request_id: str, sent_at: float, ours: int) -> None:
        """A job this run sent entered the schedule, ``ours`` of ours in flight with it."""
        self._sent.setdefault(request_id, (sent_at, ours + self._queued(sent_at)))

    def attached(self, jobs: list[tuple[str, float]], lineup: list[Request]) -> None:
        """Jobs an earlier run sent (request id, run seconds sent), re-attached: those sent less than two records'
        lives ago may still wait in the account's queue.  ``lineup``: every request the ledger knows was made."""
        now = self.clock.now()
        sends = sorted(
            (self.clock.from_wall(sent), None if left is None else self.clock.from_wall(left), request_id)
            for sent, left, _, request_id in lineup
        )
        made = {request_id for _, _, video, request_id in lineup if video}
        # its place by its own line of the lineup where it has one: the same submit read into run seconds at
        # another moment may differ by the clocks' jitter, and leave itself out of the jobs ahead of it
        placed = {request_id: sent for sent, _, request_id in sends}
        self._dated = set(placed)
        for request_id, at in sorted(jobs, key=lambda job: job[1]):
            if now - at < self._unseen:
                self._sent.setdefault(request_id, (at, _ahead(sends, placed.get(request_id, at), self._unseen)))
                self._attached.add(request_id)
        self._sent = dict(sorted(self._sent.items(), key=lambda item: item[1][0]))  # the first sent first
        # one whose record died unfinished in an earlier run (or was lost to it) holds its place as this run's
        known = {request_id for request_id, _ in jobs}
        for sent, left, request_id in sends:
            if left is None and request_id not in known and now - sent < self._unseen:
                self._ghosts.append((sent, _ahead(sends, sent, self._unseen), now, True))
        self._sends = sends
        # the earlier run's finishes in that time tell of the queue as this run's would (those that made a video:
        # a refusal leaves at once), and the fastest of them bounds how long a job takes alone.  The jobs ahead of
        # each are those the ledger shows in flight then: one never seen finished and not re-attached (its record
        # died, it was lost) may have left the queue at any time after its submit, and counted for two lives it
        # would show a throughput above the account's, and let more in flight than finish within a record's life
        in_flight = [send for send in sends if send[1] is not None or send[2] in known]
        seen = sorted(
            (left, sent)
            for sent, left, request_id in sends
            if left is not None and left > sent and request_id in made and now - left < self._unseen
        )
        for left, sent in seen[-RECENT:]:
            self._finish(left - sent, _ahead(in_flight, sent, self._unseen), alone=False)
        self._earlier = min((left - sent for left, sent in seen), default=self._earlier)

    def forget(self, request_id: str) -> None:
        self._sent.pop(request_id, None)
        self._attached.discard(request_id)

    def finished(self, request_id: str, took: float, *, bracketed: bool = True, seen: float | None = None) -> None:
        """A job finished ``took`` run seconds after its submit (as the latency model learned it); ``bracketed``:
        this run saw it unfinished first, or the server measured it; ``seen``: how long after its submit it was
        seen finished (it took no longer; ``took`` may be the middle of what it could have taken)."""
        sent = self._sent.pop(request_id, None)
        attached = request_id in self._attached
        self._attached.discard(request_id)
        # (one the ledger gives no submit for is timed from the resume: it says nothing of how long jobs take)
        dated = not attached or request_id in self._dated
        if attached and dated and took > 0:
            self._earlier = min(self._earlier, max(took, seen or 0.0))
        if sent is None or not took > 0 or (attached and not (bracketed and dated)):
            return
        self._finish(took, sent[1], alone=not attached)  # (one re-attached waited behind jobs this run never knew)

    def _finish(self, took: float, ahead: int, *, alone: bool = True) -> None:
        """A finish ``took`` after its submit, ``ahead`` in flight then (itself in); ``alone``: its time may stand
        for a job's with no wait."""
        if alone:
            self._fastest = min(self._fastest, took)
        self._recent.append((ahead / took, took, ahead))

    def died(self, request_id: str, kind: LatencyKey | None = None) -> dict[str, int] | None:
        """A job's record died before the job was seen finished: it holds its place until it would have.  ``kind``:
        the job's, where nothing else can fetch it; one this run sent that waited for none (no more of ours in
        flight when it was sent than a recent finish that waited for none had, or itself alone) is told to
        :attr:`kinds`, and its kind's tallies then are returned (None: not told)."""
        sent = self._sent.pop(request_id, None)
        attached = request_id in self._attached  # (an earlier run's: no poll may have seen it while its record lived)
        self._attached.discard(request_id)
        if sent is None:
            return None
        self._ghosts.append((*sent, self.clock.now(), True))
        if kind is None or attached or sent[1] > max(1, self._unwaited()):
            return None
        return self.kinds.died(kind)

    def unknown(self, sent_at: float) -> None:
        """A submit of unknown outcome, its POST at ``sent_at`` (run seconds), left unsettled: it may have made a
        job that is in flight on the account as ours are.  It keeps its slot, and is counted ahead as a job whose
        record died is (but not taken for a wait), with as many ahead of it as this run's jobs in flight and the
        ledger's show then, until it would be through."""
        if self.through(sent_at):
            return
        ahead = 1 + sum(1 for at, _ in self._sent.values() if at <= sent_at) + self._queued(sent_at)
        ahead = max(ahead, 1 + _ahead(self._sends, sent_at, self._unseen))
        self._ghosts.append((sent_at, ahead, self.clock.now(), False))

    def through(self, sent_at: float) -> bool:
        """Whether a job sent at ``sent_at`` (run seconds) and never seen since is taken for through by now, if it
        was made at all: as an earlier run's job never seen finished is, ``UNSEEN_LIVES`` configured lives on."""
        return self.clock.now() - sent_at >= self._unseen

    # ------------------------------------------------------------------ what the submitter asks

    def target(self) -> float:
        guard = self.plan.guard
        return min(MOST_SHARE * guard, max(SAFE_SHARE * guard, self._alone() or 0.0))

    def room(self, concurrency: int, in_flight: int) -> int:
        """How many jobs of ours may be in flight now (``in_flight`` are): ``concurrency`` while the history
        can stand in for a record that dies."""
        self._held = False
        works = self._stands_in()  # (None: not answered, or no finished row of ours shown yet: taken as none)
        if works:
            return concurrency
        now, target = self.clock.now(), self.target()
        allowed = self._polled(concurrency, target, works)  # what the request budget can poll in time
        queued = self._queued(now)
        died = any(dead for *_, dead in self._ghosts)
        self.wait_seen = self.wait_seen or died or self._waited(now, target)
        if not self.wait_seen:
            # a lost submit's job, if made, is in flight on the account as ours are, where no history will ever
            # say (one that has not answered yet may soon settle it)
            lost = queued if self._history_works() is False else 0
            self._held = self._held or lost > 0
            if lost and not self._told_lost:
                self._told_lost = True
                log.warning(
                    "no request history can show whether a submit of unknown outcome made a job: each keeps its "
                    "slot until its job, if made, would be through the account's queue (%d of %d slots now)",
                    lost, concurrency,
                )  # fmt: skip
            return max(0, allowed - lost)
        rate = self._rate()
        # none finished: none more until one does (one alone if none is in flight); never fewer than the most in
        # flight that waited for none, nor, above that, more than would finish in time were each as long as a long one
        cap = max(1, self._rounds(math.floor(rate * target)), self._unwaited()) if rate else max(1, in_flight)
        cap = max(0, min(allowed, cap) - queued)
        held = cap < allowed
        self._held = self._held or held
        if held and not self.told and (works is False or not self._told_unanswered):
            self.told, self._told_unanswered = works is False, True
            log.warning(
                "%s, and jobs wait in the account's queue: fewer jobs are kept in flight than limits.concurrency "
                "(%d now, not %d), so that each finishes within %.0f s of its submit, inside its record's life "
                "(%.0f s)%s",
                self._why(works), cap, concurrency, target, self.plan.expiry,
                "" if self.told else f"; all of them {self._once('it')}",
            )  # fmt: skip
        return cap

    def _polled(self, concurrency: int, target: float, works: bool | None) -> int:
        """``concurrency``, or fewer where the request budget cannot poll that many jobs within the target."""
        if self._budget is None:
            return concurrency
        most = max(1, math.floor(self._budget() * target / POLLED_REQUESTS))
        if most >= concurrency:
            return concurrency
        self._held = True
        if most < self._told_budget:  # (a budget learned lower from 429s tightens the bound: the operator hears)
            self._told_budget = most
            log.warning(
                "%s, and the request budget (limits.requests_per_minute) can poll only %s within %.0f s of "
                "their submit, inside their record's life (%.0f s): that many are kept in flight, not "
                "limits.concurrency (%d); a higher limit, if the account's plan allows it, keeps more%s",
                self._why(works), "1 job" if most == 1 else f"{most} jobs", target, self.plan.expiry, concurrency,
                "" if works is False else f" (and all of them {self._once('the history')})",
            )  # fmt: skip
        return most

    def dead_ahead(self) -> int:
        """Jobs whose records died unfinished that would still be in the account's queue or on its workers (not
        the jobs a submit of unknown outcome may have made)."""
        self._queued(self.clock.now())  # (those through are dropped)
        return sum(1 for *_, died in self._ghosts if died)

    def recheck_in(self) -> float:
        """Run seconds until the room may grow with no job of ours finishing (a dead record's job would be
        through, or the history may have begun to answer); ``inf``: only a finish can grow it."""
        now = self.clock.now()
        through = min((at - now for at in self._through() if at > now), default=math.inf)
        if not self._held:
            return through
        # a history that has not answered yet is about to (the first sweep): look again as often as a job is polled
        return min(through, RECHECK_S if self._history_works() is not None else self.plan.min_interval)

    # ------------------------------------------------------------------ reckoning

    def _once(self, history: str) -> str:
        """When the history will stand in for the records, if it can: once it answers, or once it links."""
        if self._history_works() is None:
            return f"once {history} answers"
        return f"once {history} shows a finished job of ours with its link"

    def _why(self, stands_in: bool | None) -> str:
        """Why a record that dies is a video lost: no history stands in for it, none has answered yet, or the
        one that answers has not yet shown a finished job of ours with its link."""
        if stands_in is False:
            return "no request history stands in for a request's record once it expires"
        if self._history_works() is None:
            return "the request history has not answered yet, so none stands in for a request's record once it expires"
        return (
            "the request history has not yet shown a finished job of ours with its link, so it does not yet stand "
            "in for a request's record once it expires"
        )

    def _waited(self, now: float, target: float) -> bool:
        """Whether a job of ours waited in the account's queue: one took, or has been in flight, longer than
        its fastest finish leaves room for (before any finish of its own: longer than an earlier run's fastest
        leaves room for, or than the target)."""
        alone = self._alone() or min(target, ALONE_ROOM * self._earlier)
        oldest = next(iter(self._sent.values()), (now, 0))[0]  # in flight the longest (sent first)
        return now - oldest > alone or any(took > alone for _, took, _ in self._recent)

    def _unwaited(self) -> int:
        """The most jobs ahead (itself in) a recent finish had that waited for none (within one and a half
        times the fastest finish): that many in flight wait for no worker."""
        alone = self._alone() or 0.0  # (a recent finish makes it known)
        return max((ahead for _, took, ahead in self._recent if took <= alone), default=0)

    def _rounds(self, most: int) -> int:
        """``most``, or fewer: no more in flight than all finish within nine tenths of the guard were every job as
        long as a long one of those that waited for none (the upper quartile of the recent finishes with no more
        ahead than :meth:`_unwaited` shows run at once: one slow outlier does not set it), each worker taking as
        many jobs in turn as fit."""
        together = self._unwaited()
        took = sorted(took for _, took, ahead in self._recent if ahead <= together)
        if not together or not took:
            return most
        long = took[round(UPPER * (len(took) - 1))]
        return min(most, together * math.floor(MOST_SHARE * self.plan.guard / long)) if long > 0 else most

    def _alone(self) -> float | None:
        """How long a job of ours may take with no wait in the queue: 1.5x the run's fastest (None before any)."""
        return ALONE_ROOM * self._fastest if math.isfinite(self._fastest) else None

    def _rate(self) -> float | None:
        """The account's throughput for our jobs (per second), from the recent finishes; None before any.
        Each finish's jobs ahead over its time is at most the throughput (a job with fewer ahead than the
        account has workers waited for none, and a poll sees a finish late): the upper quartile is taken."""
        if not self._recent:
            return None
        rates = sorted(rate for rate, _, _ in self._recent)
        return rates[round(UPPER * (len(rates) - 1))]

    def _queued(self, now: float) -> int:
        """Jobs whose records died (or a lost submit may have made) that would still be in the account's queue or
        on its workers."""
        self._ghosts = [ghost for ghost, at in zip(self._ghosts, self._through(), strict=True) if at > now]
        return len(self._ghosts)

    def _through(self) -> list[float]:
        """When each job whose record died would be through: its submit plus its place over the throughput
        (not before it was found so); before any finish, a target after it was found so (a lost submit's job: a
        target after its submit, as the cap aims for jobs sent)."""
        rate, target = self._rate(), self.target()
        return [
            max(found, sent + ahead / rate) if rate else (found if died else sent) + target
            for sent, ahead, found, died in self._ghosts
        ]


def _ahead(sends: list[tuple[float, float | None, str]], at: float, unseen: float) -> int:
    """How many of the requests (sent, seen finished, id) were in flight when one was sent at ``at``, itself
    in: those sent before it not seen finished by then.  One not seen finished at all is taken for through
    ``unseen`` seconds after its submit (this run knows nothing more of it)."""
    return sum(1 for sent, left, _ in sends if sent <= at and (at < left if left is not None else at - sent < unseen))
