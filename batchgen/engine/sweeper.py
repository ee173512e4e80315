"""History sweeps: one request-history call finds many finished jobs at once.

One history call lists up to 100 requests, newest first, with their state.
Every few seconds the sweeper reads pages until it has seen every in-flight
job of ours older than a short grace (or a bounded number of pages), and sends
each one the history shows COMPLETED or FAILED to the poller
(:class:`messages.Shown`, on the poller's stream of sweep news).  A FAILED one
gets a result call, which confirms the state and says why; a COMPLETED one is
downloaded from the row's ``generation_url`` once the run has seen that URL
match the result's own output URL (the first such jobs get a result call to
compare), else it gets a result call too.  A history that lags or errs costs
a request, never a wrong outcome.

A page may hold fewer rows than asked for and not be the history's last
(:mod:`..api.paging`): reading goes on past it while a job looked for could
be further down, that is, until every job not yet seen was sent after one
the sweep showed was known made (newest first, it would be listed above that
one), or a page is shorter than one seen before.

A history seen to list oldest first, whatever is asked (:class:`..api.paging.ListingOrder`),
keeps each row on its page as new rows land at the end: a sweep then reads
the pages where the jobs it looks for were last listed, and for jobs not yet
seen, from the page of the last request of ours made before they were sent
on to the end (:class:`places.Walk`).  A job not found where it was is
looked for on the other pages, back to the first.

A job submitted long ago (a straggler) sits pages down the history; so that
it does not make every sweep read those pages, a sweep may stop with a tenth
of the jobs it looks for unseen, and every fourth reads on to see them all.

**Cadence** (:mod:`cadence`, the part of the sweeper that sets its pace).  Sweeps follow the
learned latency within a share of the request budget, fewer the more jobs each finds, and
not at all while no job could be done yet; before anything is learned they probe.

**Health.**  Until the history has shown one of our jobs, jobs are polled
normally.  If status polls keep finding finished jobs that a whole sweep
begun after they had finished did not show (or, later, more than a fifth as
many as it did show), or the history answers that it is not there (a 404, a
400, rows it cannot give), sweeping is switched off for the rest of the run.
A read that fails for now (a 5xx, a gateway's page, no answer, once the
gateway's retries are spent) pauses the sweeps instead: jobs are polled, and
the history is read again ``READ_PAUSE_S`` run seconds on, twice that after
each failure in a row (up to ``READ_PAUSE_MAX_S``), until a sweep shows our
jobs again.  When a job finished is known from the result's
own metrics; jobs that finished while batchgen was stopped (a resume) or just
after a sweep are found by polls first, and that is not the history's fault.
A history that shows finishes late is caught from its own rows
(:mod:`history_lag`): a sweep that showed a job unfinished well after the
finish a later row gives it makes that job settle with a result call, which
checks; once one confirms the lag, enough late shows switch sweeping off too,
unless the sweeps, that much late, still make more videos an hour than polls
would: at the run's request rate polls may cost the budget more than the lag
costs the slots.
And a history whose sweeps read more than ``PAGES_PER_FIND_LIMIT`` pages for
each finished job they show (rows in no order sweeps can use, a row a page)
is switched off once ``JUDGED_AFTER_FINDS`` were shown: polls cost less.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import statistics
from collections import deque
from collections.abc import Awaitable, Callable

from anyio.streams.memory import MemoryObjectSendStream

from ..api.answers import HISTORY_DONE, HISTORY_PAGE, HistoryRow
from ..api.client import ApiClient
from ..api.gateway import Gateway, RoundTrip
from ..api.paging import HistoryPaging, RowRate, listed
from ..api.ratelimit import Priority
from ..clock import Clock
from ..errors import ApiError, TransientError
from ..jobs import TrackedJob
from .cadence import SweepCadence
from .control import RunControl
from .history_lag import LAG_TOLERANCE, LagWatch, credible_latency
from .messages import Replan, Shown, SweepNews
from .places import Places, Walk
from .pollplan import LatencyKey, LatencyModel, latency_key
from .recovery import Reconciler
from .server_queue import ServerQueue
from .survival import shown_age

log = logging.getLogger("batchgen")

MISSES_BEFORE_GIVING_UP = 3
PAGES_PER_FIND_LIMIT = 8.0  # history pages read for each finished job shown, past which polls cost less...
PAGES_PER_FIND_NO_ORDER = 5.0  # ... or this many where every sweep reads the whole history (in no order of time)
JUDGED_AFTER_FINDS = 10  # ... judged once sweeps have shown this many (the pages counted from the first)
MISSED_SHARE_LIMIT = 0.2  # finished jobs found by polls, not sweeps, as a share of sweep finds
SHALLOW_MISS = 0.1  # a sweep may stop reading pages with this share of the jobs it looks for unseen...
DEEP_EVERY = 4  # ... except every 4th, which reads on until it has seen them all (stragglers)
READ_PAUSE_S = 60.0  # a history read that failed for now: sweeps pause this long (run seconds) ...
READ_PAUSE_MAX_S = 960.0  # ... twice that after each failure in a row, up to this
FOUND_LATE_KEPT = 32  # the recent finds whose delay after their finish is kept
POLLS_PER_JOB = 1.5  # requests a job polled on its own takes: a poll or two, the last bringing its result
POLL_LATE_SHARE = 0.05  # of a kind's typical time: how late polls find a finish (their gaps near it)
# lagging sweeps are kept only if they promise this many times the videos an hour polls would: a slot also waits
# for the next submit's turn, and a find can be later than the median, which the estimate leaves out
LAG_MARGIN = 1.25
ROWS_MARGIN = 1.5  # a job unseen is looked for under this many times the rows listed since it was sent, at their rate


class Sweeper(SweepCadence):
    """Reads the request history for the poller's jobs and judges whether it can be trusted.

    Its interface with the poller is narrow: the poller tells it which jobs
    are in flight (``jobs``, read only here; :meth:`forget`), whether sweeps
    would help now (:attr:`idle`), and what polls found
    (:meth:`poll_found_done`, :meth:`judge`); it reads :attr:`working` and
    :meth:`first_look`.  Everything the sweeper finds goes the other way as
    messages on ``news`` (:class:`messages.Shown`, :class:`messages.Replan`).
    """

    def __init__(
        self,
        *,
        jobs: dict[str, TrackedJob],
        gateway: Gateway,
        api: ApiClient,
        latency: LatencyModel,
        reconciler: Reconciler,
        control: RunControl,
        clock: Clock,
        min_interval_s: float,
        max_interval_s: float,
        news: MemoryObjectSendStream[SweepNews],
        draining: Callable[[], bool] = lambda: False,
    ) -> None:
        self.jobs = jobs  # the poller's in-flight jobs by request id (read only)
        self.gateway, self.api, self.latency = gateway, api, latency
        self.reconciler, self.control, self.clock = reconciler, control, clock
        self.min_interval_s, self.max_interval_s = min_interval_s, max_interval_s
        self._news = news
        self.draining = draining  # nothing waits to be sent: only the batch's last find sets its end
        self._started = clock.now()
        self.idle = False  # set by the poller: polls do better than sweeps now (the last job in flight)
        self.sweeping = True
        self.healthy = False
        self._resume_at: float | None = None  # paused after a failed read: when sweeps go again (run seconds)
        self._pause = 0.0  # the last pause, doubled by each failed read in a row
        self.hits = 0
        self.pages_read = 0  # history pages read since a sweep first showed a finished job
        self.missed = 0
        self.peak = 1  # the most jobs in flight at once so far (kept by the poller)
        self._lag_kept = 0.0  # a lag the history was seen to show, sweeps going on all the same (0: none)
        self._found_late: deque[float] = deque(maxlen=FOUND_LATE_KEPT)  # how long after its finish a sweep showed one
        self.queue = ServerQueue()  # how many of them wait on the server for a worker (told by the poller)
        self._last_pages = 1
        self._sweeps = 0
        self.shown_done: set[str] = set()  # jobs a sweep has shown finished
        self.found_by_poll: set[str] = set()  # finished jobs a status poll found before any sweep showed them
        self._covered: dict[str, float] = {}  # request id -> when the last sweep that looked far enough began
        # request id -> when the page of the last sweep that showed it unfinished was sent (its grant: the server
        # read the row after it, so the job was unfinished then)
        self._unfinished_at: dict[str, float] = {}
        self._swept_at = -math.inf  # when the last sweep began
        self._page_at = -math.inf  # when the page being read came back
        self._page_sent = -math.inf  # ... and when it was sent (its grant)
        self._page_trip = RoundTrip()  # a history page's round trip (its grant to its answer)
        self.postponed = 0  # readout: due sweeps put off because the model expected too few finds
        self.pending = False  # a sweep waits for the budget or reads the history now
        self.lag = LagWatch(min_interval_s)  # late shows of finished jobs, and the result calls that check them
        self.paging = HistoryPaging()  # what the history's pages hold
        self.row_rate = RowRate()  # how fast rows are listed above our jobs (the account's, not only ours)
        self._shown_fastest: dict[tuple[str, str, int], float] = {}  # per kind: the fastest finish a row showed
        self._drain_from: tuple[tuple[float, int, int], float] = ((math.nan, 0, 0), -math.inf)
        self._drain_looked = False
        self._late: dict[LatencyKey, tuple[float, int, float]] = {}  # per kind: (sweep, samples, straggler age)
        self._places = Places()  # listed oldest first: the page each request of this run was last listed on

    @property
    def working(self) -> bool:
        """Sweeps run and have shown our jobs: per-job polls are a sparse safety net."""
        return self.sweeping and self.healthy

    def first_look(self) -> float:
        """Run seconds before a sweep can first show a job submitted now (0 once sweeps have
        shown our jobs, or have stopped): its first poll waits that long."""
        return 5 * self.interval() if self.sweeping and not self.healthy else 0.0

    def count_in_flight(self) -> None:
        """The poller's in-flight jobs changed: keep the peak (which sets the cadence)."""
        self.peak = max(self.peak, len(self.jobs))

    def forget(self, request_id: str) -> None:
        self.found_by_poll.discard(request_id)
        self.queue.forget(request_id)
        self.shown_done.discard(request_id)
        self._covered.pop(request_id, None)
        self._unfinished_at.pop(request_id, None)
        self._places.forget(request_id)
        self.lag.forget(request_id)

    def shown_unfinished(self, request_id: str) -> float | None:
        """When the page of the last sweep that showed this job unfinished was sent (run seconds; None: none did)."""
        return self._unfinished_at.get(request_id)

    # ------------------------------------------------------------------ health

    def poll_found_done(self, request_id: str) -> None:
        """A status poll found this job finished; judged once its result says when it finished."""
        if self.sweeping and request_id not in self.shown_done:
            self.found_by_poll.add(request_id)

    def judge(self, job: TrackedJob, finished_at: float) -> None:
        """A finished job's result says it finished at ``finished_at`` (at the latest).  A job a sweep
        showed late is checked (:mod:`history_lag`).  A poll found ``job`` finished before any sweep
        showed it: that is the history's fault only if a sweep that looked far enough for it began
        after the job had finished (and a lag kept to, more than that lag after)."""
        assert job.request_id is not None
        key = latency_key(job.spec)
        if self.lag.result_says(job.request_id, finished_at):
            self._check_health(key)
        if job.request_id not in self.found_by_poll:
            return
        if self.sweeping and self._covered.get(job.request_id, -math.inf) - self._lag_kept > finished_at:
            self.missed += 1
            self.lag.confirmed = True  # the late shows are believed from now on
            self._check_health(key)

    def _check_health(self, key: LatencyKey) -> None:
        if self.lag.lags(MISSES_BEFORE_GIVING_UP, MISSED_SHARE_LIMIT) and not self._lag_pays(key):
            self.stop(
                f"the request history showed finished jobs unfinished up to {self.lag.worst:.0f} s after they "
                "had finished"
            )
        if self.missed < MISSES_BEFORE_GIVING_UP:
            return
        if not self.healthy:
            self.stop("the request history did not show jobs that had finished")
        elif self.missed > MISSED_SHARE_LIMIT * self.hits:
            self.stop("the request history misses too many finished jobs")

    def _check_cost(self) -> None:
        """A history whose pages list our jobs in no order sweeps can use (or a page at a time) makes each
        sweep read many pages for the few jobs it shows: past ``PAGES_PER_FIND_LIMIT`` pages a find
        (``PAGES_PER_FIND_NO_ORDER`` where every sweep reads the whole history),
        polling each job (a poll or a few when it is likely done, and a result call) costs less."""
        # read whole, a sweep is as late as its spacing makes it, and that spacing grows with its pages
        limit = PAGES_PER_FIND_NO_ORDER if self.reconciler.order.in_no_order else PAGES_PER_FIND_LIMIT
        if self.hits >= JUDGED_AFTER_FINDS and self.pages_read > limit * self.hits:
            self.stop(
                f"it took {self.pages_read / self.hits:.0f} history pages for each finished job a sweep showed, "
                "more than polling each job takes"
            )

    def _lag_pays(self, key: LatencyKey) -> bool:
        """Whether sweeps of a history known to lag still make more videos an hour than polls would.  A run
        makes the fewer of what its slots allow (each job holds one until its finish is found: as late as
        the sweeps have found finishes, lag and spacing both, or a few percent of its time later polled)
        and what its request budget allows (a submit and, swept, the history reads a find has taken;
        polled, ``POLLS_PER_JOB``), and sweeps must promise ``LAG_MARGIN`` times as much; kept, no fewer (the
        estimate is weighed again at every late show, from the few finds early in a run: with the margin at
        each, one low draw would switch them off for good).  Kept, the lag is allowed for in judging misses,
        and said once."""
        typical = self._typical(key) or self.latency.median(key)
        late = statistics.median(self._found_late) if self._found_late else self.lag.worst
        budget = self.gateway.budget
        rate, slots = budget.limit / budget.window, max(1, self.peak)
        reads = self.pages_read / max(1, self.hits)
        swept = min(slots / (typical + late), rate / (1.0 + reads))
        polled = min(slots / (typical * (1.0 + POLL_LATE_SHARE)), rate / (1.0 + POLLS_PER_JOB))
        if swept < (1.0 if self._lag_kept else LAG_MARGIN) * polled:
            return False
        if not self._lag_kept:
            log.info(
                "the request history shows finished jobs up to %.0f s late; history sweeps go on: at %.0f requests "
                "a minute they make about %.0f videos an hour, polling each job about %.0f",
                self.lag.worst, 60 * rate, 3600 * swept, 3600 * polled,
            )  # fmt: skip
        self._lag_kept = max(self._lag_kept, self.lag.worst)
        return True

    def stop(self, why: str) -> None:
        self._resume_at = None  # for good, paused or not
        if self.sweeping:
            self.sweeping = False
            log.info("history sweeps are off for this run: %s; polling each job instead", why)
            self._news.send_nowait(Replan())  # every job is planned again for polls alone

    def _unreadable(self, exc: ApiError) -> None:
        """A sweep could not read the history.  A failure for now (:class:`TransientError`, past the gateway's
        retries) pauses the sweeps, a longer while after each in a row; any other answer stops them for good."""
        why = f"the request history could not be read ({exc})"
        if not isinstance(exc, TransientError):
            self.stop(why)
            return
        self._pause = min(READ_PAUSE_MAX_S, 2 * self._pause) if self._pause else READ_PAUSE_S
        self._resume_at = self.clock.now() + self._pause
        self.sweeping = False
        log.info("history sweeps pause: %s; polling each job instead, and reading it again in %.0f s", why, self._pause)
        self._news.send_nowait(Replan())  # every job is planned again for polls alone

    async def _paused(self) -> None:
        """Wait out a pause, then sweep again as at the start: until a sweep shows our jobs (healthy), they are
        polled as without sweeps.  Not if the sweeps were stopped for good meanwhile."""
        assert self._resume_at is not None
        await self.clock.sleep(max(0.0, self._resume_at - self.clock.now()))
        if self._resume_at is not None and not self.sweeping:
            self._resume_at = None
            self.sweeping, self.healthy = True, False

    async def loop(self) -> None:
        wait = self.interval()
        while self.sweeping or self._resume_at is not None:
            if not self.sweeping:
                await self._paused()
                wait = 0.0  # looked at again at once, as the cadence allows
                continue
            await self.clock.sleep(wait)
            wait = self.interval()
            if not self.jobs or not self.sweeping or self.control.interrupted or self.idle:
                continue  # nothing to find, or the poller does better without
            quiet = self.quiet_until() - self.clock.now()
            if quiet > 0:  # nothing could be done yet: a sweep would find nothing
                await self.clock.sleep(min(quiet, self.max_interval_s))
                wait = 0.0  # looked at again at once: the quiet spell may be over
                continue
            if not self.likely_to_find(self.clock.now()):
                self.postponed += 1
                wait /= 2  # look again sooner: the expectation grows with every job's age
                continue
            await self.control.guard(self.sweep)
            wait = self.interval()  # from what this sweep taught (a kind it made learned sweeps at its own pace)

    # ------------------------------------------------------------------ one sweep

    async def sweep(self) -> None:
        """Read the history, newest first, until every in-flight job past the grace was seen
        (or, but in every ``DEEP_EVERY``-th sweep, all but a few stragglers far down it)."""
        now = self.clock.now()
        grace = 2 * self.interval()
        graces: dict[tuple[str, str, int], float] = {}  # per kind, once a sweep
        remaining = {rid for rid, job in self.jobs.items() if now - job.submitted_at > self._grace(job, grace, graces)}
        if not remaining:
            return
        self._sweeps += 1
        self._swept_at = now
        self._drain_looked = self._drain_looked or self.draining()
        deep = self._sweeps % DEEP_EVERY == 0
        enough = 0 if deep else math.floor(SHALLOW_MISS * len(remaining))
        paging = self.paging
        pages = 0
        looked = set(remaining)
        stopped_early = False
        made_by = math.inf  # the earliest a job this sweep showed was known made
        order = self.reconciler.order
        oldest_first = order.oldest_first  # then rows keep their pages: read only where the jobs are
        walk = self._places.walk(remaining, order.sent) if oldest_first else Walk()
        check, above = order.listing(), 0
        count = self.row_rate.listing(order.sent, self.jobs.__contains__)
        page: int | None = 0
        self.pending = True
        try:
            # pages of however many rows the server serves (learned as they are read)
            while (read := pages - walk.sought) < self._page_budget(len(looked), remaining, read) and (
                page := walk.next()
            ):
                if page < above:  # read back: a listing's order (and its rows) are read from the top down
                    check, count = order.listing(), self.row_rate.listing(order.sent, self.jobs.__contains__)
                self._page_sent = self.clock.now()  # its grant, once given (by a gateway that tells none: asked for)
                try:
                    rows = await self.gateway.call(
                        Priority.POLL,
                        _history_reader(self.api, page),
                        rank=-2.0,
                        ahead_at=self._ahead_at(),
                        before=self._page_granted,
                        timed=self._page_trip,
                    )
                except ApiError as exc:
                    self._unreadable(exc)
                    return
                pages, above = pages + 1, page
                self._page_at = self.clock.now()
                last = paging.read(rows)
                walk.read(page, last, listed(rows))
                newest_first = check.read(rows)
                count.read(rows)
                for row in rows:
                    if (job := self.jobs.get(row.request_id)) is not None and job.made_by is not None:
                        made_by = min(made_by, job.made_by)
                    if oldest_first:
                        self._places.listed(row.request_id, page, order.made.get(row.request_id), job is not None)
                    await self._read(row)
                    remaining.discard(row.request_id)
                if not remaining or (newest_first and not self._listed_further(remaining, made_by)):
                    break
                if len(remaining) <= enough:
                    stopped_early = True
                    break
        finally:
            self.pending = False
        if not oldest_first and order.newest_first:  # (in another order, how deep a row lies says nothing of time)
            count.end(self.clock.epoch())
        if oldest_first and remaining and page is not None:
            # out of page budget before the walk was over: where the rest are listed was not read (the
            # budget bounds where a job lies only when the history lists newest first)
            stopped_early = True
        if oldest_first and walk.rows_end is not None:
            self._places.end = walk.rows_end
        if not deep:
            self._last_pages = pages  # what a sweep costs, which sets the cadence
        if self.hits:
            self.pages_read += pages
            self._check_cost()
        # every job it looked for, unless it stopped early: then the ones it saw
        for rid in looked - remaining if stopped_early else looked:
            self._covered[rid] = now

    async def _page_granted(self) -> None:
        self._page_sent = self.clock.now()

    def _ahead_at(self) -> float:
        """When a sweep's page, waiting behind submits, goes ahead of them (never ahead of result calls, nor of
        polls at a record's expiry guard): once those waiting would take the budget until an answer's round trip
        before they are all sent.  Each holds a slot, so the sweep answers as the last slot is taken and frees
        those its finds release, where behind them it would be sent only then, and every slot would stay taken
        for its round trip while the budget idled."""
        budget = self.gateway.budget
        waiting = budget.count_waiting(Priority.SUBMIT)
        if not waiting:  # (none to fill the slots: where a cap on jobs in flight holds them, a page ahead of
            return math.inf  # the submits it lets go would take the budget the polls of records about to die need)
        return self.clock.now() + waiting * budget.window / budget.limit - self._page_trip.seconds

    def _page_budget(self, looked: int, unseen: set[str], pages: int) -> float:
        """The most pages a sweep reads: those that list 2.5 rows for each job it looks for, and a page
        more; while a job is unseen, those that list 2.5 rows for each request of ours sent after it
        (newest first, every one of them is listed above it); listed in no order of time, every page.
        Past them, a job it did not see counts as looked for and not shown: the history's fault, if a
        poll then finds it finished.  Where the account's other requests are listed among ours, a page
        lists that many fewer of ours: while a job is unseen, also those that list the rows made since it
        was sent (an earlier run's job: when its ledger says), at ``ROWS_MARGIN`` times the rate rows were
        listed above the jobs in flight (:class:`..api.paging.RowRate`)."""
        if self.reconciler.order.in_no_order:  # a job may be listed on any page: read them all
            return math.inf
        size = self.paging.size()
        budget = math.ceil(2.5 * looked / size) + 1
        if pages < budget or not unseen:
            return budget
        # (an earlier run's job: sent when its ledger says, and every request of this run's after it; one whose send
        # no run recorded: before every request of this run's, and the rows made since are not counted)
        oldest = min((self.reconciler.sent_by(rid) or -math.inf for rid in unseen), default=-math.inf)
        above = sum(1 for epoch in self.reconciler.order.sent.values() if epoch > oldest)
        since = self.clock.epoch() - oldest if math.isfinite(oldest) else 0.0
        made_since = ROWS_MARGIN * self.row_rate.per_s * max(0.0, since)
        return max(budget, math.ceil(max(2.5 * above, made_since) / size) + 1)

    def _note_finish(self, job: TrackedJob, row: HistoryRow, unfinished_at: float | None) -> None:
        """A sweep showed ``job`` finished: the fastest such finish of its kind stands for the kind's
        median at once (:meth:`_typical`)."""
        seconds = shown_age(job, row, unfinished_at, self._page_at)
        if seconds > 0:
            key = latency_key(job.spec)
            self._shown_fastest[key] = min(seconds, self._shown_fastest.get(key, math.inf))

    def _listed_further(self, unseen: set[str], made_by: float) -> bool:
        """Whether a job not yet seen may be listed on a later page, newest first: not once a job this
        sweep showed was made before it was sent (it would have been listed above that one)."""
        for rid in unseen:
            job = self.jobs.get(rid)
            if job is not None and (job.sent_at is None or job.sent_at <= made_by):
                return True
        return False

    async def _read(self, row: HistoryRow) -> None:
        job = self.jobs.get(row.request_id)
        if job is None:
            return
        if not self.healthy:  # (a pause's end always makes it so: a failure after this one starts a new spell)
            self.healthy = True
            if self._pause:
                log.info("the request history answers again: history sweeps are back on")
                self._pause = 0.0
            await self._news.send(Replan())  # per-job polls become the sparse safety net
        self.reconciler.note_listed(row)
        if row.status not in HISTORY_DONE:
            self._unfinished_at[row.request_id] = self._page_sent
            return
        self.hits += 1
        self.found_by_poll.discard(row.request_id)
        self.shown_done.add(row.request_id)
        check = False
        unfinished_at = self._unfinished_at.pop(row.request_id, None)
        key = latency_key(job.spec)
        if row.latency_s is not None:  # a latency no job of its kind can have is read as none (history_lag)
            shown = self._typical(key)
            least = LAG_TOLERANCE * shown if shown is not None else self._probe_start(key)
            if credible_latency(row.latency_s, seen_unfinished=job.pending_age, least=least) is None:
                row = dataclasses.replace(row, latency_s=None)
        if row.status == "COMPLETED":
            self._note_finish(job, row, unfinished_at)
            if row.latency_s is not None and unfinished_at is not None:
                typical = self._typical(key) or row.latency_s  # (this finish counted now)
                check = self.lag.shown_done(row.request_id, unfinished_at, job.submitted_at + row.latency_s, typical)
            if row.latency_s is not None:
                self._found_late.append(max(0.0, self._page_at - job.submitted_at - row.latency_s))
        await self._news.send(Shown(job, row, check=check, unfinished_at=unfinished_at, shown_at=self._page_at))
        self._check_health(key)


def _history_reader(api: ApiClient, page: int) -> Callable[[], Awaitable[list[HistoryRow]]]:
    return lambda: api.history(page=page, per_page=HISTORY_PAGE)
