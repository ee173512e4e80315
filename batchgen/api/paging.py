"""How far the request history goes: its pages may hold fewer rows than asked for.

The API documents ``per_page`` as 1-100 and nothing of what a page says about
the pages after it.  A server that serves fewer rows a page than asked for,
and says nothing of it, is possible: then a page of 20 rows when 100 were
asked for is not the history's end.  Taken for the end, it would hide an
older request, and a submit whose answer was lost would look never created
(and be paid for again), or every sweep would miss the older jobs in flight.

So, for a sweep, a page proves the end only when it is empty or shorter
than a page seen before, taking it that a server's pages all hold the same
number of rows, but the last (what a page holds is counted up to what was
asked for: a request with several outputs is listed once for each, and a
page of 100 requests may list more rows).  A server whose page size shrinks
in the middle of a run breaks that; a sweep then stops short, which costs
polls, not money.  A look-up for a submit of unknown outcome, where money is
at stake, takes only an empty page for the end.  Until then a reader that
still looks for a request reads on, or stops on other proof (the rows reach
back past when the request was sent).

Those proofs hold only while the history lists its rows newest first, as
batchgen asks (``sort_order=desc``).  The API sorts by ``model_created`` by
default, which may be the model's date, not the request's, and a server may
ignore what is asked.  So the rows' own order is checked as they are read
(:class:`ListingOrder`): a row made later than one listed above it (its
``created_at``, or one of this run's requests sent after another listed
above it was known made) shows the listing is not newest first, and from
then on, for the rest of the run, only an empty page ends a look-up.

A server that ignores the order asked for may list oldest first (a sort
by creation, ascending, or ties of its sort key broken by insertion).  Then
a row keeps its page as new rows land at the end, and a sweep need not read
the history from its first page: :attr:`ListingOrder.oldest_first` says so
once ``OLDEST_FIRST_EVIDENCE`` rows were seen listed after older ones and
none after a newer one.

A row's ``created_at`` is the server's clock, which need not be this
machine's (a machine without time sync, a server stamping local time with
no zone).  How the two relate is learned from this run's own requests
(:class:`StampClock`), and until it is, no row's time proves anything.

The history is the account's, not the run's: other processes on the same
account (another shard, another tool, a person) have their requests listed
among ours, and a page then lists fewer of ours than it holds.  How fast
rows are listed above our jobs (:class:`RowRate`) sizes how far a sweep reads.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping

from .answers import HISTORY_PAGE, HistoryRow

log = logging.getLogger("batchgen")


class HistoryPage(list[HistoryRow]):
    """One page's rows, how many the answer listed (malformed rows included, which are left out), and how many
    were asked for (None: the server's default, not asked)."""

    def __init__(self, rows: list[HistoryRow], listed: int | None = None, *, asked: int | None = None) -> None:
        super().__init__(rows)
        self.listed = len(rows) if listed is None else listed
        self.asked = asked


def asked(rows: list[HistoryRow]) -> int:
    """How many rows a page was asked for (:data:`HISTORY_PAGE` where it does not say)."""
    return (rows.asked if isinstance(rows, HistoryPage) else None) or HISTORY_PAGE


def listed(rows: list[HistoryRow]) -> int:
    """How many rows an answer listed (a :class:`HistoryPage` counts the malformed ones it left out)."""
    return rows.listed if isinstance(rows, HistoryPage) else len(rows)


class HistoryPaging:
    """What the pages read so far say of the server's page size."""

    def __init__(self) -> None:
        self.longest = 0  # the most requests a page has listed
        self.asked = HISTORY_PAGE  # the rows the last page was asked for (fewer where pages were too large)

    def read(self, rows: list[HistoryRow]) -> bool:
        """Note a page just read; True when nothing lies past it (empty, or shorter than a page seen, or than it
        was asked for where that is fewer).  A page's size is learned from the requests it lists, not its rows:
        a request with several outputs is listed once for each, and a page of 20 requests listing 21 rows taken
        for the size would make the next full page of 20 look short, and end a sweep early."""
        self.asked = asked(rows)
        count = min(self.asked, listed(rows))
        requests = len({row.request_id for row in rows}) + listed(rows) - len(rows)  # (capped where it is read)
        last = count == 0 or count < min(self.longest, self.asked)
        self.longest = max(self.longest, requests)
        return last

    def size(self) -> int:
        """Rows a page is taken to hold when counting pages ahead: the most seen, or what is asked for."""
        return min(self.longest or HISTORY_PAGE, self.asked)


class RowRate:
    """How many rows a second the history lists above the jobs in flight: the account's requests, this
    run's and the account's other users' (another shard's, another process's on the same account, a
    person's), which push a job down its pages as they are made.  Each listing read from the top says it
    anew: the deepest job in flight it showed lay under so many rows, made in the time since that job was
    sent.  0 until a listing showed one under another row."""

    def __init__(self) -> None:
        self.per_s = 0.0

    def listing(self, sent: Mapping[str, float], in_flight: Callable[[str], bool]) -> RowCount:
        """A count of one listing's rows, read from its first page on (``sent``: this run's requests and the
        epoch each was sent; ``in_flight``: whether a request is a job a sweep looks for)."""
        return RowCount(self, sent, in_flight)


class RowCount:
    """One listing's rows, and how many lay above the deepest job in flight it showed (and when it was sent)."""

    def __init__(self, rate: RowRate, sent: Mapping[str, float], in_flight: Callable[[str], bool]) -> None:
        self._rate, self._sent, self._in_flight = rate, sent, in_flight
        self._rows = 0
        self._deepest: tuple[int, float] | None = None  # rows above the deepest job in flight, and its send

    def read(self, rows: list[HistoryRow]) -> None:
        for row in rows:
            rid = row.request_id
            if self._in_flight(rid) and (sent := self._sent.get(rid)) is not None:
                self._deepest = (self._rows, sent)
            self._rows += 1

    def end(self, now: float) -> None:
        """The listing was read as far as it goes (``now``: this machine's epoch): its rate stands."""
        if self._deepest is not None and self._deepest[0] > 0 and now > self._deepest[1]:
            self._rate.per_s = self._deepest[0] / (now - self._deepest[1])


OLDEST_FIRST_EVIDENCE = 8  # rows seen listed below older ones before a listing is taken for oldest first
OLDEST_FIRST_EXCEPTIONS = 0.1  # ... and at most this share as many below newer ones


class ListingOrder:
    """Whether the history lists rows newest first, from the rows read; once not, for the rest of the run.

    ``made``: this run's requests and the epoch each was known to exist by (its answer came);
    ``sent``: this run's requests and the epoch each POST was sent (it was made no earlier), both on
    this machine's clock."""

    def __init__(self, made: Mapping[str, float], sent: Mapping[str, float]) -> None:
        self.made = made
        self.sent = sent
        self.disorder: str | None = None  # what showed the rows out of order, once something did
        self.rising = 0  # rows seen listed below an older one (each shows a listing not newest first)
        self.rose: set[str] = set()  # the requests of those rows, up to OLDEST_FIRST_EVIDENCE of them
        self.falling: str | None = None  # what first showed a row listed below a newer one
        self.falls = 0  # rows seen listed below a newer one (each shows a listing not oldest first)

    @property
    def newest_first(self) -> bool:
        return self.disorder is None

    @property
    def oldest_first(self) -> bool:
        """Rows of enough requests were seen listed oldest first to rule chance out (the same rows read
        again by every sweep, a short page that happens to rise, are no more evidence), and hardly ever
        otherwise: a server that stamps or records a request a moment out of the order it lists them
        in may list a few below newer ones, which a sweep's read back from where it looked finds."""
        return len(self.rose) >= OLDEST_FIRST_EVIDENCE and self.falls <= OLDEST_FIRST_EXCEPTIONS * self.rising

    @property
    def in_no_order(self) -> bool:
        """Rows of enough requests were seen listed below older ones, and below newer ones, each at least a
        tenth as often as the other: a row may be on any page (a sort key unrelated to time).  A listing
        newest first with a few rows a moment out of order is not taken for it."""
        rising, falls = self.rising, self.falls
        return (
            len(self.rose) >= OLDEST_FIRST_EVIDENCE
            and falls > OLDEST_FIRST_EXCEPTIONS * rising
            and rising > OLDEST_FIRST_EXCEPTIONS * falls
        )

    def listing(self) -> ListingCheck:
        """A check of one listing, read from its first page on."""
        return ListingCheck(self)

    def found(self, what: str) -> None:
        if self.disorder is None:
            self.disorder = what
            log.warning(
                "the request history does not list its rows newest first (%s); a look-up for a submit "
                "whose answer was lost now reads to the history's end before it calls the submit "
                "not made",
                what,
            )


class ListingCheck:
    """One listing's rows in the order read: each must be made no later than every row above it."""

    def __init__(self, order: ListingOrder) -> None:
        self._order = order
        self._oldest = math.inf  # the earliest ``created_at`` above
        self._newest = -math.inf  # the latest ``created_at`` above
        self._made_above = math.inf  # the earliest epoch a request of ours above was known made by
        self._sent_above = -math.inf  # the latest epoch a request of ours above was sent
        self._previous = ""  # the request of the row above
        self._read: set[str] = set()  # the requests of the rows read so far

    def read(self, rows: list[HistoryRow]) -> bool:
        """Note a page's rows; True while the listing is, as far as is known, newest first.  A row made
        after one listed above it shows it is not (and counts toward oldest first); a row made before
        one listed above it shows it is not oldest first.  A request listed once per output, twice
        in a row, shows neither; nor does one read again on a later page, pushed down by requests
        made since the page above was read (another process's, on the same account, or our own)."""
        order = self._order
        for row in rows:
            rid, created = row.request_id, row.created_at
            if rid in self._read and rid != self._previous:
                continue
            self._read.add(rid)
            sent, made = order.sent.get(rid), order.made.get(rid)
            rising = falling = None
            if created is not None:
                if created > self._oldest:
                    rising = f"request {rid} was made after one listed above it"
                if created < self._newest:
                    falling = f"request {rid} was made before one listed above it"
                self._oldest, self._newest = min(self._oldest, created), max(self._newest, created)
            if sent is not None and sent > self._made_above:
                rising = f"request {rid} was sent after one listed above it was made"
            if made is not None and made < self._sent_above:
                falling = f"request {rid} was made before one listed above it was sent"
            self._made_above = min(self._made_above, math.inf if made is None else made)
            self._sent_above = max(self._sent_above, -math.inf if sent is None else sent)
            if rising is not None:
                order.found(rising)
                order.rising += rid != self._previous  # the same request again is no more evidence
                if len(order.rose) < OLDEST_FIRST_EVIDENCE:
                    order.rose.add(rid)
            if falling is not None:
                order.falling = order.falling or falling
                order.falls += rid != self._previous
            self._previous = rid
        return order.newest_first


CLOCK_SKEW_S = 120.0  # a record stamped this long after its request's answer is still taken for made by then
STAMP_RESOLUTION_S = 2.0  # a stamp's (and the Date header's) rounding, and the way from our clock to the server's


class StampClock:
    """How far the history's ``created_at`` runs ahead of this machine's clock (behind, if negative).

    A request of ours answered at ``M`` (this machine's epoch) was made by then, so a row that stamps it
    ``C`` shows the server's clock ran at least ``C - M`` ahead when it was made.  Only requests
    answered before a given moment speak for it: a clock that gains (a simulator's, scaled) is never
    taken for further ahead than it was.  Before any did, the API's ``Date`` header stands in
    (``fallback``: at least how far ahead it ran at a moment of ours, None before any answer had
    one; the answers after that moment would take a clock that gains for further ahead), unless a row's
    ``created_at`` was seen without a zone: its clock is then not the ``Date``'s."""

    def __init__(self, made: Mapping[str, float], fallback: Callable[[float], float | None]) -> None:
        self.made = made
        self.fallback = fallback
        self._ahead: dict[str, float] = {}  # request id -> created_at - made
        self.zoneless = False  # a row's created_at was seen without a zone

    def saw(self, rows: list[HistoryRow]) -> None:
        """Note a page's rows: any ``created_at`` without a zone rules the ``Date`` header out."""
        self.zoneless = self.zoneless or any(not row.stamp_zoned for row in rows if row.created_at is not None)

    def note(self, request_id: str, created_at: float | None) -> None:
        made = self.made.get(request_id)
        if created_at is not None and made is not None:
            self._ahead.setdefault(request_id, created_at - made)

    def earliest_stamp(self, sent: float) -> float | None:
        """The earliest ``created_at`` a request sent at ``sent`` (this machine's epoch) may carry:
        never later than ``sent`` less ``CLOCK_SKEW_S`` (a record may be stamped late, and stamps may
        mean a later moment than the request's making), earlier when the server's clock is seen
        behind ours.  None while nothing ties the server's clock to ours."""
        ahead = self.ahead(sent)
        return None if ahead is None else sent + min(0.0, ahead) - CLOCK_SKEW_S

    def sent_stamp(self, sent: float) -> float | None:
        """About the earliest ``created_at`` a request sent at ``sent`` carries, were its record stamped as
        the requests of ours were: ``sent`` on the server's clock as tied to ours, less the stamps'
        rounding.  A row stamped before it was, in all likelihood, made before the request was sent (by
        another run sending the same body moments before); :meth:`earliest_stamp` is the bound no row of
        it falls below.  None while nothing ties the server's clock to ours."""
        ahead = self.ahead(sent)
        return None if ahead is None else sent + ahead - STAMP_RESOLUTION_S

    def ahead(self, sent: float) -> float | None:
        """At least how far the server's clock ran ahead of ours (behind, if negative) at ``sent``, from
        this run's requests answered by then (else the ``Date`` header); None while nothing ties them."""
        made = self.made
        bounds = [ahead for rid, ahead in self._ahead.items() if made[rid] <= sent]
        return max(bounds) if bounds else (None if self.zoneless else self.fallback(sent))
