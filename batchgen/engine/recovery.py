"""Recovery: settle submits of unknown outcome, and find outputs whose records expired.

The API has no idempotency key: every POST that reaches the server is a new,
billable job.  So a submit whose outcome is unknown (a 5xx answer, a timeout
after sending, a crash mid-POST) is never simply repeated.  Instead the
request history is searched for a request of the same model with exactly the
same body, created no earlier than the attempt and not already claimed by
another job in the ledger.  Found: the job is attached to it.  Absent, once
the history has demonstrably caught up past the attempt (see
:meth:`Reconciler.absence_is_conclusive`): it is submitted again.  The history
has not caught up, or cannot be read: the job is left ``submitting`` for a
later run, and nothing is resubmitted.  An image job is matched on its other
fields and the time (the history may keep its image whole, as a URL,
truncated, or not at all), and by the image's digest where the row holds it
whole; two candidates nothing tells apart attach neither.

A job whose record has expired (404 one hour after submission) is looked up
by request id in the history, which keeps the output URL for days.  A record
may also die before its job finishes (a record life shorter than the job's
time, a queue, a stall): the history then shows the request unfinished, or,
lagging, not yet, and the job is watched there (:class:`Running`) until it
finishes or is taken for stalled (:mod:`stalls`), never taken for lost.

The :class:`Reconciler` reads and decides; it writes no job field and no
ledger line.  ``settle`` returns a verdict (:class:`Attach`, :class:`Resubmit`
or :class:`Leave`), ``recover_missing`` a finding (:class:`Found`,
:class:`Failed`, :class:`Gone`, :class:`Later` or :class:`Running`) and ``refresh_output`` a
fresh :class:`Link`; the stage that holds the job acts on it through the book.
What it keeps is about the request history itself: the request ids claimed by
some job, how far the history lags, (:class:`HistoryLinks`) whether a
history row's output link can stand in for a result call, and
(:class:`HistoryTrouble`) whether look-ups are failing now: a history that
answers 5xx is ridden out for a bounded time once for every job that waits to
be settled, not once per job.  How a look-up reads the pages depends on their
order: newest first from the first page until the rows reach back past the
submit; oldest first back from the end (:mod:`places`); in no order of time,
to the end.  Each page's rows are matched by :class:`lookup.Search`.
"""

from __future__ import annotations

import contextlib
import logging
import math
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

import anyio

from ..api.answers import HISTORY_DONE, HistoryRow, Result
from ..api.client import ApiClient
from ..api.gateway import Gateway
from ..api.paging import ListingOrder, StampClock, listed
from ..api.ratelimit import Priority
from ..clock import Clock
from ..errors import AnswerTooLarge, ApiError, NotFound, SpelledOtherwise, TransientError
from ..jobs import Event, JobState, TrackedJob
from .history_bodies import OTHER, BodyFits
from .history_links import HistoryLinks
from .history_names import ModelNames
from .history_trouble import HistoryTrouble
from .lookup import Ambiguous, Hit, NotCaughtUp, Search, text_size
from .places import first_empty_page
from .verdicts import Attach, Failed, Found, Gone, Later, Leave, Link, Recovery, Resubmit, Running, Settlement

log = logging.getLogger("batchgen")
_T = TypeVar("_T")

# Run seconds to wait before each further history look-up, while the history has not caught up.
LOOKUP_DELAYS = (10.0, 30.0, 60.0, 120.0, 300.0)
PROOF_WAIT_S = 30.0  # run seconds between looks at whether a request of ours was sent after a lost submit
MIN_LAG_SAMPLES = 3  # our requests seen appearing in the history before its lag is trusted
LAG_MARGIN_S = 10.0  # run seconds added to twice the worst lag seen
MAX_ROWS = 1000  # a look-up reads at most this many rows (pages of however many the server serves)...
MAX_ROWS_ANY_ORDER = 20_000  # ... or this many where the history lists in no order of time (to its end)
TORN_SHOWN = 5  # request ids named where rows that match an image job cannot be told apart
SCAN_KEPT_CHARS = 16 * 2**20  # a whole read in no order is kept for the next look-ups only up to this size


# a look-up's word on a history whose rows of our requests show other bodies than were sent
BODIES_UNLIKE = (
    "the request history does not keep request bodies as they were sent (rows of this folder's requests of the "
    "model show others), so its row cannot be told from another's"
)


# a look-up's query: the model name it asks for (None: every model's rows) and the date it reads from
Query = tuple[str | None, str | None]


class Reconciler:
    """Looks requests up in the request history and says what to do; writes nothing itself."""

    def __init__(
        self,
        *,
        gateway: Gateway,
        api: ApiClient,
        clock: Clock,
        max_attempts: int,
        record_life_s: float = 3600.0,
        patience_s: float = 300.0,
    ) -> None:
        self.gateway = gateway
        self.api = api
        self.clock = clock
        self.max_attempts = max_attempts
        self.record_life_s = record_life_s  # the API keeps a request's record this long (``polling.expiry_s``)
        self.records_found_to_last: float | None = None  # the age a record was found gone at, sooner (the poller's)
        self.patience_s = patience_s  # how long a look-up rides out an API in trouble (api.unreachable_after_s)
        self.claimed: set[str] = set()  # request ids that belong to some job
        self._made_by: dict[str, float] = {}  # this run's requests -> the epoch each was known to exist by
        self._lock = anyio.Lock()
        self._submitted: dict[str, float] = {}  # our request ids -> when we sent them (epoch, this machine)
        self._sent_from: dict[str, float] = {}  # this run's requests -> the epoch their POST was sent
        self._posted: dict[str, float] = {}  # earlier runs' requests -> the same, from their ledger lines
        self.names = ModelNames()  # the names the history lists our requests' models under
        self.bodies = BodyFits()  # what the history keeps of our requests' bodies
        self.lists_unfinished = False  # the history listed a request of ours before it finished
        self.order = ListingOrder(self._made_by, self._sent_from)  # whether the history lists newest first
        self.stamps = StampClock(self._made_by, api.date_ahead_at)  # the history's clock against ours
        self._lags: dict[str, float] = {}  # request id -> how long it took from its POST to show up in the history
        self._slowest_lag: float | None = None  # the longest of them
        self._seen_at: dict[str, float] = {}  # request id -> the epoch it was first seen listed there
        self.links = HistoryLinks()
        self.started = clock.epoch()  # this run began: an earlier run's lost submit was made by then, if at all
        self.trouble = HistoryTrouble(clock, patience_s=patience_s)  # look-ups failing now: one spell for all jobs
        self._scans: dict[Query, tuple[float, list[HistoryRow]]] = {}  # query -> a read, begun then
        self._ends: dict[Query, int] = {}  # query -> the last page a look-up read
        # whether a request of ours may still be sent after a lost submit, by this run or a re-run (the submitter
        # says; ``this_run``: by this run, before it ends): only one sent after it, listed, shows the history
        # caught up with it
        self.more_to_send: Callable[..., bool] = lambda job, this_run=False: not this_run
        # an image job whose history rows nothing tells apart (the submitter says): waits until ``done()`` or
        # until no other job's lost submit is being looked up but those torn so too, and whether any other
        # job's outcome is still unknown (not torn: it may yet prove one of the rows its own)
        self.others_looked_up: Callable[[TrackedJob, Callable[[], bool]], Awaitable[None]] = _at_once
        self.others_unsettled: Callable[[TrackedJob], bool] = lambda job: True
        self.torn: dict[str, tuple[str, ...]] = {}  # image jobs so waiting: id -> the rows it waits to see claimed
        self.torn_left: set[str] = set()  # ... and the ids of those so left, in this run

    def note_submitted(
        self,
        request_id: str,
        epoch: float,
        made_by: float | None = None,
        sent_from: float | None = None,
        *,
        posted: float | None = None,
        model: str | None = None,
        body: dict[str, Any] | None = None,
    ) -> None:
        """One of our requests, sent at ``epoch`` (or answered then: its record's life counts from it);
        ``made_by``: the epoch it was known to exist by (its answer, or the history showing it), and
        ``sent_from``: the epoch its POST was sent (it was made no earlier), when this run made it;
        ``posted``: the same, as an earlier run's ledger recorded it; ``model``: its model's slug, and
        ``body``: what it was sent with (:class:`history_bodies.BodyFits`)."""
        self._submitted.setdefault(request_id, epoch)
        if model is not None:
            self.names.sent(request_id, model)
            if body is not None:
                self.bodies.sent(request_id, model, body)
        if made_by is not None:
            self._made_by.setdefault(request_id, made_by)
        if sent_from is not None:
            self._sent_from.setdefault(request_id, sent_from)
        if posted is not None:
            self._posted.setdefault(request_id, posted)

    def note_seen(
        self,
        request_id: str,
        created_at: float | None = None,
        *,
        model_name: str | None = None,
        body: dict[str, Any] | None = None,
        unfinished: bool = False,
    ) -> None:
        """The history lists one of our requests (made at ``created_at``, by the server's clock, under
        ``model_name``, with ``body``; ``unfinished``: not yet done): one more measurement of how far it
        lags, of how the server's clock relates to ours, of the name it lists the request's model under,
        of how it keeps bodies, and whether it lists requests before they finish."""
        self.stamps.note(request_id, created_at)
        if unfinished and request_id in self._submitted:
            self.lists_unfinished = True
        if body is not None:
            self.bodies.listed(request_id, body)
        if model_name is not None:
            self.names.listed(request_id, model_name)
        # from its POST where known: a slow answer (an upload, a busy gateway) is part of how long a lost submit,
        # timed from its own POST, may take to be listed
        sent = self.sent_by(request_id)
        if sent is not None and request_id not in self._lags:
            self._seen_at[request_id] = now = self.clock.epoch()
            lag = self._lags[request_id] = max(0.0, now - sent)
            self._slowest_lag = max(lag, self._slowest_lag or 0.0)

    def ours(self, request_id: str) -> bool:
        """Whether a request is one of ours (this run's or, from the ledger, an earlier run's)."""
        return request_id in self._submitted

    def sent_time(self, request_id: str) -> float | None:
        """The epoch a request of ours was sent, where known: this run's, or an earlier run's ``posted_at``."""
        return self._sent_from.get(request_id, self._posted.get(request_id))

    def sent_by(self, request_id: str) -> float | None:
        """The epoch a request of ours was sent by: its POST where known (:meth:`sent_time`), else the epoch it was
        noted with (its answer, or an earlier run's ``submitted_at``: it was sent no later); None: not ours."""
        return self.sent_time(request_id) or self._submitted.get(request_id)

    def made_before(self, request_id: str, epoch: float) -> bool:
        """Whether a request of this run was known made (answered) before ``epoch``."""
        return self._made_by.get(request_id, math.inf) < epoch

    def first_seen(self, request_id: str) -> float | None:
        """The epoch a request of ours was first seen listed in the history (None: not yet)."""
        return self._seen_at.get(request_id)

    def slowest_listing(self) -> float | None:
        """The longest a request of ours took from its POST to be listed in the history, in run seconds (None
        before any was seen listed)."""
        return None if self._slowest_lag is None else self._slowest_lag * self.clock.scale

    def note_listed(self, row: HistoryRow) -> None:
        """The history lists one of our requests as ``row`` (:meth:`note_seen`, with all the row says)."""
        self.note_seen(
            row.request_id,
            row.created_at,
            model_name=row.model_name,
            body=row.request_body,
            unfinished=row.status not in HISTORY_DONE,
        )

    def absence_is_conclusive(self, since: float, later_seen: bool, *, now: float | None = None) -> bool:
        """May "not in the history" be read as "never created"?

        Only once the history has caught up past the attempt: it lists a
        request of ours sent after it (clock-free evidence, where the history
        was seen to list a request of ours before it finished: one that lists
        requests only once finished may list a later, shorter one first), or
        our requests have been seen to appear within a measured lag and the
        attempt is older than twice that lag.  Otherwise a lagging history
        could make a created, billable job look absent.  (What the model's rows
        are named does not matter here: a look-up asks for no model until a row
        of ours of it shows the name, :mod:`.history_names`.)
        """
        if later_seen and self.lists_unfinished:
            return True
        ripe = self._lag_ripe(since)
        return ripe is not None and (self.clock.epoch() if now is None else now) > ripe

    def _lag_ripe(self, since: float) -> float | None:
        """The epoch past which an attempt sent at ``since`` would have been listed, if made: twice the
        slowest lag seen (a request's, from its POST to its first listing), and a margin (None before
        ``MIN_LAG_SAMPLES`` lags were measured).  Where no request of ours was seen listed unfinished, each
        lag holds its request's whole run, which has no bound seen (a tail job three times the others' is
        listed after twice their slowest): not before a record's life has passed as well.  This run's requests
        measure it once there are enough of them: an earlier run's, first seen listed by this one, may have been
        listed long before (the time since its POST, which would put absence ever out of reach of a re-run that
        sends jobs of its own); a re-run that sends none has only those to go by."""
        lags = [lag for request_id, lag in self._lags.items() if self._submitted[request_id] >= self.started]
        if len(lags) < MIN_LAG_SAMPLES:
            lags = list(self._lags.values())
        if len(lags) < MIN_LAG_SAMPLES:
            return None
        ripe = since + 2 * max(lags) + LAG_MARGIN_S / self.clock.scale
        return ripe if self.lists_unfinished else max(ripe, since + self.record_life_s / self.clock.scale)

    async def find(
        self, job: TrackedJob, *, since: float, until: float | None = None
    ) -> tuple[HistoryRow | None, bool]:
        """Search the history; returns (row, whether a request of ours sent after ``until`` was seen:
        the epoch the attempt's outcome came back unknown, by which it was made if it was; ``since``
        when not known).
        Absence, or an image job's candidate, is only ever returned from pages that reach back past
        ``since``: to an empty page (a short one is not taken for the end here: :mod:`..api.paging`),
        a row older than it, or a request of ours made before it; a search that read ``MAX_ROWS``
        rows without that has not caught up with the attempt (:class:`NotCaughtUp`).  A history seen
        to list oldest first is read back from its end (:meth:`_find_back`)."""
        row, later_seen, _ = await self._find_as_of(job, since=since, until=until)
        return row, later_seen

    async def _find_as_of(
        self, job: TrackedJob, *, since: float, until: float | None
    ) -> tuple[HistoryRow | None, bool, float]:
        """:meth:`find`, and the epoch as of which what it read holds: when the read began (a row that shows
        after that may lie on a page read before it did), or when the whole read it took began."""
        kept = self._from_kept_read(job, since=since, until=until)
        if kept is not None:
            return kept
        search = Search(self, job, since, until)
        row, later_seen = await self._find(search)
        return row, later_seen, search.as_of

    def _from_kept_read(
        self, job: TrackedJob, *, since: float, until: float | None
    ) -> tuple[HistoryRow | None, bool, float] | None:
        """What the whole read kept of a history in no order of time says of the attempt, when it began
        after the attempt's outcome came back unknown and says it without doubt: (row, later_seen, as of
        when that read began); else None, and the pages are read afresh.  Its absence counts only as of
        when it began (a lagging history may have listed the attempt's row since)."""
        search = Search(self, job, since, until)
        scan = self._scans.get((search.listed_as, search.from_date))
        order = self.order
        if scan is None or order.newest_first or order.oldest_first or scan[0] <= search.until:
            return None
        search.as_of, search.unordered, search.collect = scan[0], True, True
        hit = search.take(scan[1])
        if hit is not None:
            return hit, search.later_seen, scan[0]
        if search.later_seen or self.absence_is_conclusive(since, False, now=scan[0]):
            return (*search.conclude(), scan[0])
        return None

    async def _find(self, search: Search) -> tuple[HistoryRow | None, bool]:
        """One read of the pages, in the order the listing allows (see :meth:`find`)."""
        order, query = self.order, (search.listed_as, search.from_date)
        reached = False  # the pages read reach back past ``since``: an older request would not be missed
        read = page = 0
        check = order.listing()
        scanned: list[HistoryRow] | None = []  # in a listing in no order of time: every row, kept for the next look-up
        kept = 0  # ... and the characters of their bodies
        while read < (MAX_ROWS if order.newest_first else MAX_ROWS_ANY_ORDER + 1):  # a page past the cap: the end?
            if order.oldest_first:  # seen so before this look-up, or on its first pages
                return await self._find_back(search)
            page += 1
            rows = await search.page(page)
            count = listed(rows)
            read += count
            if scanned is not None:
                scanned += rows
                kept += sum(text_size(row.request_body) for row in rows)
                scanned = scanned if kept <= SCAN_KEPT_CHARS else None  # too big to keep (images kept whole)
            last = count == 0
            newest_first = check.read(rows)  # else a row's place proves nothing of the rows below it
            search.collect = search.collect or not newest_first
            hit = search.take(rows)
            if hit is not None:
                return hit, search.later_seen
            # made before this attempt was sent (its answer came first): the attempt's row lies above it
            reached = reached or last or (newest_first and search.before(rows))
            if reached:
                break
        if not reached and not order.newest_first:  # a row anywhere may be the lost one: reading on is no help
            raise NotCaughtUp(
                beyond="the request history does not list its rows newest first, as asked, so its row could be on "
                f"any page, and a look-up reads at most {MAX_ROWS_ANY_ORDER:,} rows, fewer than the history holds"
            )
        if not reached:
            raise NotCaughtUp  # its row, or another candidate's, may lie further down
        if not order.newest_first:  # and not oldest first: read in no order of time
            search.unordered = True
            self._scans.clear()  # one whole read kept, the latest
            if scanned is not None:
                self._scans[query] = (search.as_of, scanned)
        return search.conclude()

    async def _find_back(self, search: Search) -> tuple[HistoryRow | None, bool]:
        """Listed oldest first, a request made after the attempt is listed below every one made before
        it, and new rows land at the end: read back from the end (the first empty page, found from the
        last one seen, :func:`places.first_empty_page`) until a page lists a request made before the
        attempt, and one page more (a server may list a row a moment out of order), or to the first.
        A request listed on a page above that one was made before the attempt (and one whose oldest
        rows leave the history moves up, to a page read later).  At most ``MAX_ROWS`` rows are read
        back; past them the search has not caught up with the attempt."""
        query = (search.listed_as, search.from_date)
        search.collect = True  # pages far above the attempt's are read on the way to the end
        deepest = [0]  # the furthest page read

        async def count(page: int) -> int:
            deepest[0] = max(deepest[0], page)
            rows = await search.page(page)
            hit = search.take(rows)  # a page read on the way is read as any other
            if hit is not None:
                raise Hit(hit)
            return listed(rows)

        try:
            end = await first_empty_page(count, self._ends.get(query))
            if end is None:
                raise NotCaughtUp(  # no end within reach: nothing proves a request absent
                    beyond="the request history lists its rows oldest first, and a look-up finds no end to it "
                    f"within {deepest[0]:,} pages, where its row would be"
                )
            self._ends[query] = end - 1
            read, margin = 0, False
            for page in range(end - 1, 0, -1):
                rows = await search.page(page)
                self.order.listing().read(rows)  # one page's rows in their order: evidence, either way
                hit = search.take(rows)
                if hit is not None:
                    return hit, search.later_seen
                if margin:
                    break
                margin = search.before(rows)
                read += listed(rows)
                if read >= MAX_ROWS and not margin:
                    raise NotCaughtUp  # its row, or another candidate's, may lie further up
        except Hit as found:
            return found.row, search.later_seen
        return search.conclude()

    async def _find_patiently(
        self, job: TrackedJob, *, since: float, until: float | None
    ) -> tuple[HistoryRow | None, bool, float] | ApiError:
        """One history search that rides out a history in trouble (:meth:`_patiently`): (row, later_seen,
        the epoch as of which its pages hold: :meth:`_find_as_of`), or the error that ended it.  A search
        that concludes nothing (:class:`NotCaughtUp`, :class:`Ambiguous`) was answered on every page it read."""

        async def search() -> tuple[HistoryRow | None, bool, float]:
            row, later_seen, as_of = await self._find_as_of(job, since=since, until=until)
            if row is not None:
                self.claimed.add(row.request_id)
            return row, later_seen, as_of

        return await self._patiently(search)

    async def _row_patiently(self, request_id: str) -> HistoryRow | ApiError:
        """One request's history row (``history_get``), riding out a history in trouble (:meth:`_patiently`):
        the row, or the error (:class:`NotFound` among them) that answered or ended it."""

        def ask(get: Callable[[str], Awaitable[HistoryRow]]) -> Awaitable[HistoryRow]:
            return self.gateway.call(Priority.RESULT, lambda: get(request_id), retry_on=self.trouble.retry_on)

        async def look_up() -> HistoryRow:
            try:
                return await ask(self.api.history_get)
            except SpelledOtherwise:  # the other spelling is a request of its own, granted by the budget
                return await ask(self.api.history_get_bare)

        return await self._patiently(look_up, claims=False)

    async def _patiently(self, call: Callable[[], Awaitable[_T]], *, claims: bool = True) -> _T | ApiError:
        """``call`` (a history look-up) as the spell of trouble every look-up shares says
        (:class:`HistoryTrouble`): its answer, or the error that answered it or ended the spell.  While a
        spell lasts, this look-up waits for the next probe (or makes it); once the spell has given up, it is
        told so without a request.  Searches go one at a time (a search claims the row it finds); a look-up
        that claims nothing (``claims=False``, by request id) waits for them only in a spell.

        The bound is time on the run's clock, not a count of tries, so this loop sleeps on the clock itself
        rather than through ``retry``'s test mode, which makes every wait zero."""
        trouble = self.trouble
        while True:
            # no spell, and a look-up that claims nothing (by request id): it need not wait for a search (a
            # whole history read in no order of time takes minutes at the run's rate)
            free = not claims and trouble.began is None
            async with contextlib.nullcontext() if free else self._lock:
                verdict = trouble.verdict()
                if isinstance(verdict, TransientError):
                    return verdict
                if verdict <= 0:
                    # Only a whole look-up answered ends a spell: one whose first pages were read and a later
                    # one failed is a failure (else every probe that read page 1 would begin the spell again,
                    # its patience never spent, and page 2 would be retried by the gateway in a spell).
                    try:
                        answer = await call()
                    except TransientError as exc:
                        if trouble.failed(exc):
                            return trouble.told()  # (as every job waiting is told: the same words, one reason)
                        continue
                    except ApiError as exc:
                        trouble.answered()  # the history answered, if not with rows
                        return exc
                    except (NotCaughtUp, Ambiguous):
                        trouble.answered()  # every page it read was answered
                        raise
                    trouble.answered()
                    return answer
            await self.clock.sleep(verdict)

    async def settle(
        self,
        job: TrackedJob,
        *,
        since: float,
        until: float | None = None,
        sent: float | None = None,
        earliest: bool = False,
    ) -> Settlement:
        """Decide an unknown submit sent at ``since`` (epoch) whose outcome came back unknown at ``until``:
        attach, resubmit, or leave it for later.  A request of ours listed in the history shows it has
        caught up with the attempt only if it was sent after ``until``: one sent between the two may have
        been made first (an image body still uploading, a slow front end).  ``until`` None: an earlier
        run's submit, whose outcome never came back; that run had ended by the time this one began (its
        other requests, sent after the attempt but before it ended, prove nothing).  ``sent``: when its POST
        went out, where that is not ``since`` (an earlier run's submit is looked for from a little before it);
        ``earliest``: ``since`` is only the earliest time searched, so without ``sent`` no send time is named."""
        until = self.started if until is None else until
        # One look-up now, then again after each of LOOKUP_DELAYS while the history has not caught up.
        attempts = self.gateway.policy.attempts(
            self.clock,
            on=lambda exc: isinstance(exc, NotCaughtUp) and not exc.beyond and _next_lookup(attempts.number),
            max_attempts=len(LOOKUP_DELAYS) + 1,
            deadline_s=math.inf,
        )
        # where a person can look for it: the history, by model and time
        when = datetime.fromtimestamp(since if sent is None else sent, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        about = f"no earlier than {when} (the earliest time searched)" if earliest and sent is None else f"about {when}"
        by_hand = f"{job.spec.model} request sent {about} in the account's request history"
        try:
            async for attempt in attempts:
                with attempt:
                    found = await self._find_patiently(job, since=since, until=until)
                    if isinstance(found, ApiError):
                        return _unreadable(job, found, by_hand)
                    row, later_seen, as_of = found
                    if row is not None:
                        return Attach(row.request_id)
                    if self.bodies.rule(job.spec.model) == OTHER:
                        raise NotCaughtUp(BODIES_UNLIKE)
                    if not self.absence_is_conclusive(since, later_seen, now=as_of):
                        raise NotCaughtUp
        except Ambiguous as exc:
            if await self._until_one_claimed(job, exc.candidates):  # another job's: fewer to tell apart
                return await self.settle(job, since=since, until=until, sent=sent, earliest=earliest)
            return self._torn(job, exc)
        except NotCaughtUp as exc:
            if exc.beyond:  # the next run reads the same history as far, and no request of ours settles it
                return Leave(
                    Event.SETTLE_LATER,
                    job.state,
                    f"the submit's outcome is unknown, and {exc.beyond}. "
                    "The job was not submitted again (that could pay twice). "
                    f"Look for a {by_hand}; to make it anyway, give the manifest row a new id "
                    "(paid again if the lost one was made)",
                    rerun=False,
                    send_settles=False,
                )
            if not self._sent_after(until):
                if await self._until_one_sent_after(job, since, until):  # look again, now that one was
                    return await self.settle(job, since=since, until=until, sent=sent, earliest=earliest)
                if not self.more_to_send(job):
                    return _no_plain_rerun(
                        job,
                        "the submit's outcome is unknown and the request history has not caught up with it as far "
                        "as anything shows: no request of ours was sent after it, and only one listed there can "
                        "show that",
                        self._row_added(),
                        by_hand,
                    )
                return Leave(
                    Event.SETTLE_LATER,
                    job.state,
                    "the submit's outcome is unknown and the request history has not caught up with it as far "
                    "as anything shows: no request of ours known to have been made was sent after it, and only "
                    "one listed there can show that. The job was not submitted again (that could pay twice). "
                    "A run that submits other jobs settles it once the history lists them",
                )
            unseen = self._unseen()
            # (told so by a re-run: the run that sent it may yet see a history that only lags catch up)
            if unseen and since < self.started and not self.more_to_send(job):
                reason, remedy = unseen
                return _no_plain_rerun(
                    job,
                    "the submit's outcome is unknown, and the requests of ours sent after it do not show the "
                    f"request history caught up with it: {reason}",
                    remedy,
                    by_hand,
                )
            later = (
                "Run again later to settle it"
                if self.more_to_send(job)
                else "Run again later: a later run finds it if it was made; if it was not, only a request of ours "
                "sent after it and listed there can show that, and no job is left to send in this manifest (look "
                f"for a {by_hand} and, if there is none, give this row a new id)"
            )
            return Leave(
                Event.SETTLE_LATER,
                job.state,
                "the submit's outcome is unknown and the request history has not caught up with it "
                f"yet, so the job was not submitted again (that could pay twice). {later}",
            )
        if job.submit_attempts >= self.max_attempts:
            return Leave(
                Event.SUBMIT_POSTPONED,
                JobState.PENDING,
                f"{job.submit_attempts} submits ended without an answer and no job was created; run again later",
            )
        return Resubmit()

    def _unseen(self) -> tuple[str, str] | None:
        """What the history was not seen to do that only a request of ours in flight can show (a re-run with
        nothing to send or watch cannot): list a request before it finished; and what may show it.  None when
        that is not missing."""
        if not self.lists_unfinished:
            return (
                "this run has not seen it list a request of ours before it finished, so one sent after the lost "
                "submit may be listed before it (a shorter job finishes first)",
                self._row_added(),
            )
        return None

    def _row_added(self) -> str:
        """What a row added to the manifest does for a lost submit: its request, sent after it and listed,
        shows the history caught up, where the history lists requests before they finish (seen so, or not yet
        seen)."""
        if self.lists_unfinished:
            return "add a row (a new job; once the history lists its request, it settles this one)"
        return (
            "a run with a job in flight (a row added) settles it if the history lists that job before it "
            "finishes, but a history that lists requests only once they finish never shows it"
        )

    def _sent_after(self, until: float) -> bool:
        """Whether a request of ours known to have been made was sent after ``until`` (epoch)."""
        return any(sent > until for sent in (*self._sent_from.values(), *self._posted.values()))

    async def _until_one_sent_after(self, job: TrackedJob, since: float, until: float) -> bool:
        """Once the look-ups are spent with no request of ours sent after the lost submit: wait, sending
        nothing, while this run may still send one (another job's slot frees once it ends, however long
        that takes), rather than leave the job for a re-run; no longer than a record lives from the POST
        (``since``).  True once one was sent; False once none will be."""
        ends = self.clock.from_wall(since) + self.record_life_s  # run seconds
        while not self._sent_after(until):
            if not self.more_to_send(job, this_run=True) or self.clock.now() >= ends:
                return False
            await self.clock.sleep(PROOF_WAIT_S)
        return True

    async def _until_one_claimed(self, job: TrackedJob, candidates: tuple[str, ...]) -> bool:
        """Rows that match an image job, nothing telling them apart: wait while another job's lost submit is
        being looked up, for its look-up may take one of them (its own, told apart by its time).  True once
        one is another job's; False once no look-up that could take one is under way."""

        def claimed_one() -> bool:
            return any(rid in self.claimed for rid in candidates)

        self.torn[job.spec.id] = candidates
        try:
            await self.others_looked_up(job, claimed_one)
        finally:
            del self.torn[job.spec.id]
        return claimed_one()

    def _torn(self, job: TrackedJob, exc: Ambiguous) -> Leave:
        """Leave an image job whose history rows nothing tells apart.  A re-run reads the same rows: it tells
        them apart only if another job whose outcome is still unknown turns out to have made one of them."""
        self.torn_left.add(job.spec.id)
        kept = (
            "its image too, and were made about when it was sent"
            if exc.whole
            else "its time, and the history does not keep its image whole"
        )
        shown = ", ".join(exc.candidates[:TORN_SHOWN]) + (
            f" and {len(exc.candidates) - TORN_SHOWN} more" if len(exc.candidates) > TORN_SHOWN else ""
        )
        said = (
            f"{exc} this image job's other fields and {kept} ({shown}), so none was attached and the job was "
            "not submitted again (that could pay twice)."
        )
        if self.others_unsettled(job):
            return Leave(
                Event.SETTLE_LATER,
                job.state,
                f"{said} Run again later: once the jobs whose outcome is still unknown are settled, what is left "
                "may tell them apart",
            )
        return Leave(
            Event.SETTLE_LATER,
            job.state,
            f"{said} The same command run again reads the same rows and cannot tell them apart: look at those "
            "requests in the account's request history (one of them may be this job's video, to download by "
            "hand), and to have it made anyway give this row a new id (paid again if one of them was this job)",
            rerun=False,
            send_settles=False,
        )

    async def recover_missing(self, job: TrackedJob) -> Recovery:
        """The record is gone (404): look for its output in the history."""
        assert job.request_id is not None
        rid = job.request_id
        got = await self._row_patiently(rid)
        if isinstance(got, ApiError) and not isinstance(got, NotFound):
            return Later(
                f"the request's record has expired and the request history could not be "
                f"read ({got}); run again later to retry the look-up"
            )
        row = None if isinstance(got, NotFound) else got
        if row is not None and row.status == "COMPLETED" and row.generation_url:
            if self.links.history_urls is False:  # the rows' links were found to be other files (a preview)
                return self._gone(job, "the request history's link for it is not its video (its rows link other "
                                       "files than the results do)")  # fmt: skip
            return Found(row.generation_url, row.cost, row.latency_s)
        if row is not None and row.status == "FAILED":
            return Failed({"http": 422, "detail": row.error or "FAILED (from the request history)"})
        if row is not None and row.status not in HISTORY_DONE:  # a record that lives shorter than its job, a stall
            return Running(row.status)
        if row is None and self.api.history_answered is not False:  # made (its id came back), not listed yet
            return Running(None)
        return self._gone(job)

    def stalled(self, job: TrackedJob, status: str | None, age: float, through: float | None = None) -> Gone:
        """A job whose record is gone, shown ``status`` by the history (None: not listed) at least ``age`` seconds
        after it was made, and ``through`` seconds after the last job of ours sent before it was seen finished (None:
        none was after it was made), longer than a job of its kind is watched (:class:`Running`): taken for
        stalled.  Not listed where no request of ours ever was (another account's, a server that lost them):
        unknown to the API, as a record gone and not listed is."""
        if status is None and not self._lags:
            return self._gone(job)
        shown = f"still shows it {status}" if status else "does not list it"
        ahead = "" if through is None else f" and {_span(through)} after the last job sent before it finished"
        return Gone(
            f"its record is gone (404) and the request history {shown} at least {_span(age)} after it was made"
            f"{ahead}, several times as long as a job of its kind takes: it looks stalled (charged only if it "
            f"ever finishes); {REMAKE}"
        )

    def _gone(self, job: TrackedJob, where: str | None = None) -> Gone:
        """A job whose record is gone, its output nowhere in the history (``where``: why not, if not the usual)."""
        rid = job.request_id
        age = self.clock.now() - job.submitted_at
        life, found = self.record_life_s, self.records_found_to_last
        if age >= life:
            why = (
                f"request {rid} expired (records last {_span(life)} after submission; it was sent {_span(age)} ago) "
                "before its result was fetched"
            )
        else:
            # a record found gone sooner says records may live shorter (or the server lost them: no more is known)
            sooner = f"; this run found a record gone {_span(found)} after its submit" if found is not None else ""
            why = (
                f"the API does not know request {rid} (404), sent {_span(age)} ago, sooner than its record should "
                f"expire ({_span(life)} after submission{sooner})"
            )
        where = where or (
            "there is no request history to find its output in (it answers 404)"
            if self.api.history_answered is False
            else "the request history has no output for it"
        )
        # it ran out of life, not of luck (one seen finished had time enough: its result came too late)
        if self.api.history_answered is False and job.pending_age > 0 and job.done_age is None:
            where += (
                f"; it was still unfinished {_span(job.pending_age)} after it was sent: without a history a job "
                f"must finish within its record's life, {FEWER_IN_FLIGHT}"
            )
        return Gone(f"{why}, and {where}; {REMAKE}")

    async def look_up(self, job: TrackedJob) -> Found | Failed | Later:
        """The API's own answers about a live job cannot be used (a redirect away, a proxy's page):
        what does the history say of it?  Anything but a link or a failure is :class:`Later`."""
        assert job.request_id is not None
        row = await self._row_patiently(job.request_id)
        if isinstance(row, ApiError):
            return Later(f"the request history could not be read: {row}")
        if row.status == "COMPLETED" and row.generation_url:
            return Found(row.generation_url, row.cost)
        if row.status == "FAILED":
            return Failed({"http": 422, "detail": row.error or "FAILED (from the request history)"})
        return Later(f"the request history shows it {row.status}, with no link")

    async def refresh_output(self, job: TrackedJob) -> Link | Literal[False] | None:
        """Find a fresh output URL for a job whose download failed: the link if found, False if
        the API has none, None if it could not be asked (an error: try again later)."""
        if job.request_id is None:
            return False
        rid = job.request_id
        gone = False
        try:
            result = await self.gateway.call(Priority.RESULT, lambda: self.api.result(rid))
            if result.state == "COMPLETED" and result.output_url:
                # several links (an output list): the next one after the link that did not give the video
                others = [url for url in result.output_urls if url != job.output_url]
                url = others[0] if len(result.output_urls) > 1 and others else result.output_url
                return Link(url, result.file_size)
        except NotFound:
            gone = True
        except ApiError:
            return None
        row = await self._row_patiently(rid)
        if isinstance(row, NotFound):
            return False
        if isinstance(row, ApiError):
            return None
        if row.generation_url:
            return Link(row.generation_url, None, record_gone=gone)
        return False

    async def result_of(self, job: TrackedJob) -> Result | None:
        """The job's result as the API gives it now; None if it could not be had."""
        rid = job.request_id
        if rid is None:
            return None
        try:
            return await self.gateway.call(Priority.RESULT, lambda: self.api.result(rid))
        except ApiError:
            return None


def _next_lookup(made: int) -> float | bool:
    """The wait before the next look-up after ``made`` of them; False after the last."""
    return LOOKUP_DELAYS[made - 1] if made <= len(LOOKUP_DELAYS) else False


def _span(seconds: float) -> str:
    if seconds == 3600:
        return "1 hour"
    return f"{seconds / 60:.3g} min" if seconds >= 60 else f"{seconds:.2g} s"


# what a job lost unfinished where no history stands in is told (the poller tells one that waited behind none of
# ours the other)
FEWER_IN_FLIGHT = "and with fewer in flight (--concurrency) jobs wait less in the account's queue"
WAITED_FOR_NONE = "and none of ours waited ahead of it: jobs of its kind may take longer alone than a record lives here"
# what a job whose output cannot be had may do; nothing is known of whether its lost request was charged
REMAKE = (
    "run again with --resubmit-lost to make it again (a new request, paid for as any other; whatever the "
    "lost one was charged stays paid)"
)


def _no_plain_rerun(job: TrackedJob, why: str, remedy: str, by_hand: str) -> Leave:
    """A lost submit left with no job to send after it in this manifest: ``why`` it is not settled, ``remedy``
    (what may settle it) and where a person can look for it (``by_hand``); no plain re-run is promised."""
    return Leave(
        Event.SETTLE_LATER,
        job.state,
        f"{why}. The job was not submitted again (that could pay twice). No job is left to send in this manifest, "
        f"so the same command run again does not settle it: {remedy}; or look for a {by_hand} and, if there is "
        "none, give this row a new id (paid again if the lost one was made)",
        rerun=False,
    )


def _unreadable(job: TrackedJob, exc: ApiError, by_hand: str) -> Leave:
    if isinstance(exc, NotFound):  # the history is not there: a later run meets the same answer
        return Leave(
            Event.RECONCILE_FAILED,
            job.state,
            f"the request history answers that it is not there ({exc}), and only it can show whether the submit "
            "made a job: the job was not submitted again (that could pay twice), and no run settles it while the "
            "history answers so. The same command settles it once the history answers again; or look for a "
            f"{by_hand} and, if there is none, give this row a new id (paid again if the lost one was made)",
            rerun=False,
            send_settles=False,
        )
    then = (
        # the same page gets the same answer, later too: the bound must be raised
        "Raise api.max_response_bytes in the config file (a history page keeps each request's body, its "
        "inlined images whole), then run again to settle it"
        if isinstance(exc, AnswerTooLarge)
        else "Run again later to settle it"
    )
    return Leave(
        Event.RECONCILE_FAILED,
        job.state,
        f"the request history could not be read ({exc}); the submit's outcome is "
        f"unknown, so the job was not submitted again. {then}",
    )


async def _at_once(job: TrackedJob, done: Callable[[], bool]) -> None:
    """No other job is looked up (a reconciler on its own)."""
