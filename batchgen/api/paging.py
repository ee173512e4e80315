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
"""

from __future__ import annotations

from .answers import HISTORY_PAGE, HistoryRow


class HistoryPage(list[HistoryRow]):
    """One page's rows, and how many the answer listed (malformed rows included, which are left out)."""

    def __init__(self, rows: list[HistoryRow], listed: int | None = None) -> None:
        super().__init__(rows)
        self.listed = len(rows) if listed is None else listed


def listed(rows: list[HistoryRow]) -> int:
    """How many rows an answer listed (a :class:`HistoryPage` counts the malformed ones it left out)."""
    return rows.listed if isinstance(rows, HistoryPage) else len(rows)


class HistoryPaging:
    """What the pages read so far say of the server's page size."""

    def __init__(self) -> None:
        self.longest = 0  # the most rows a page has listed

    def read(self, rows: list[HistoryRow]) -> bool:
        """Note a page just read; True when nothing lies past it (empty, or shorter than a page seen)."""
        count = min(HISTORY_PAGE, listed(rows))
        last = count == 0 or count < self.longest
        self.longest = max(self.longest, count)
        return last

    def size(self) -> int:
        """Rows a page is taken to hold when counting pages ahead: the most seen, or what is asked for."""
        return self.longest or HISTORY_PAGE
