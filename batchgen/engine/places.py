"""Which pages a sweep reads (:class:`Walk`), and where a history listed oldest first lists our
requests (:class:`Places`), for :mod:`sweeper`.

Listed newest first, every new row pushes the others down: a sweep reads from
the first page on.  Listed oldest first, a row keeps its page as new rows land
at the end of the history, so a sweep reads only the pages where the jobs it
looks for were last listed, and, for jobs not yet seen, on from the page of
the last request made before the first of them was sent to the end.  Rows
move up when the oldest leave the history's window, and down when a history
that lags lists a row late, above newer ones: a job not found where it was
is then looked for on the pages not yet read, back from there to the first.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Awaitable, Callable, Iterable, Mapping

MARKS_KEPT = 4096  # the newest requests whose pages place jobs not yet seen (older ones: from the oldest kept)
SEEK_PAGES = 1024  # the search for the history's end doubles the page number up to this, and gives up past it


class Places:
    """The page each request was last listed on, read oldest first."""

    def __init__(self) -> None:
        self._page: dict[str, int] = {}  # request id (a job in flight) -> the page it was last listed on
        self._marks: list[tuple[float, int]] = []  # (when a request of this run was known made, its page), sorted
        self.end: int | None = None  # the last page a sweep saw list rows: where the newest requests are

    def listed(self, request_id: str, page: int, epoch: float | None, in_flight: bool) -> None:
        """A row of ``request_id`` on ``page``; ``epoch``: when it was known made, if a request of this
        run; ``in_flight``: a job sweeps look for."""
        if in_flight:
            self._page[request_id] = page
        if epoch is None:
            return
        marks = self._marks
        at = bisect.bisect_left(marks, (epoch, -1))
        if at < len(marks) and marks[at][0] == epoch:
            marks[at] = (epoch, page)
            return
        marks.insert(at, (epoch, page))
        if len(marks) > MARKS_KEPT:
            del marks[0]

    def forget(self, request_id: str) -> None:
        self._page.pop(request_id, None)

    def walk(self, request_ids: Iterable[str], sent: Mapping[str, float]) -> Walk:
        """The pages that list ``request_ids`` (``sent``: when each request of this run was sent): each
        one's last page; for those not yet listed, from the page of the last request made before the
        first of them was sent to the end.  Before any request of this run is placed, a request of this
        run lies near the end, and so does an earlier run's job still in flight (its send time unknown
        here, but within its record's life): from the last page seen to list rows, or, before any was,
        from the end a search finds (a long history of earlier days lies above it), then back.  One sent
        before every request placed was known made lies below the earlier days' rows, above or among
        the placed ones: from the page of the first placed, then back (from page 1, a long history of
        earlier days ran out of pages before reaching it, and every job looked for counted as looked at)."""
        pages: set[int] = set()
        tail: int | None = None
        seek = False
        for rid in request_ids:
            page = self._page.get(rid)
            if page is not None:
                pages.add(page)
                continue
            epoch = sent.get(rid)
            at = bisect.bisect_left(self._marks, (epoch, -1)) if epoch is not None else 0
            if at > 0:
                below = self._marks[at - 1][1]
            elif epoch is not None and self._marks:  # sent before every request placed was known made
                below = self._marks[0][1]  # listed below every earlier request, above or among ours: back from there
            elif self.end is not None:
                below = self.end
            else:
                seek = True
                continue
            tail = below if tail is None else min(tail, below)
        return Walk(pages, tail, seek=seek and tail is None)


class Walk:
    """The pages one sweep reads, in order: ``pages`` (ascending, those below ``tail``), then from
    ``tail`` on to the history's end (none when ``tail`` is None); with ``seek``, instead, the end
    found by doubling and halving; then, for a caller that still looks for a job, the pages not yet
    read, back from the highest (or the end) to the first."""

    def __init__(self, pages: Iterable[int] = (), tail: int | None = 1, *, seek: bool = False) -> None:
        self._todo = sorted(page for page in set(pages) if tail is None or page < tail)
        self._tail = tail
        self._read: set[int] = set()
        self._end: int | None = None  # the first page seen to end the history (shorter than a page seen, or empty)
        self._full = 0  # the last page seen full
        self._end_empty = False  # the end page listed nothing (the rows end on the page before)
        self._seek = seek
        self.sought = 0  # pages read to find the end
        # reading back begins below the tail, or a page past the last listed (a row listed late moved down)
        self._back = tail - 1 if tail is not None else max(self._todo, default=0) + 1

    @property
    def rows_end(self) -> int | None:
        """The last page that lists rows, once the end was read."""
        if self._end is None:
            return None
        return self._end - 1 if self._end_empty else self._end

    def next(self) -> int | None:
        """The next page to read, or None when every page that may list a row has been read."""
        end = self._end if self._end is not None else math.inf
        while self._todo:
            page = self._todo.pop(0)
            if page <= end:
                return page
        if self._tail is not None and self._tail <= end:
            self._tail += 1
            return self._tail - 1
        self._tail = None
        if self._seek and self._end is None and self._full >= SEEK_PAGES:
            return None  # no end within reach (a server that serves every page number full): not found here
        if self._seek:
            if self._end is None or self._end - self._full > 1:  # double until past the end, then halve
                page = (2 * self._full or 1) if self._end is None else (self._full + self._end) // 2
                if page not in self._read:
                    self.sought += 1
                    return page
            self._seek = False
            self._back = self._end or 1
        page = self._back if self._end is None else min(self._back, self._end)
        while page >= 1 and page in self._read:
            page -= 1
        self._back = page
        return page if page >= 1 else None

    def read(self, page: int, last: bool, listed: int = 1) -> None:
        """``page`` was read; ``last``: nothing is listed past it; ``listed``: the rows it listed."""
        self._read.add(page)
        if last:
            if self._end is None or page < self._end:
                self._end, self._end_empty = page, not listed
        else:
            self._full = max(self._full, page)


async def first_empty_page(read: Callable[[int], Awaitable[int]], hint: int | None = None) -> int | None:
    """The first page of a listing that lists nothing (every page before it lists rows), found by
    galloping from ``hint`` (a page last seen to list rows), up or down, then halving: about twice
    the log of the distance from the hint in pages.  ``read(page)``: how many rows the page lists.
    None when no empty page lies within ``SEEK_PAGES`` times the hint's reach (a server that serves
    every page number full).  Only an empty page ends it: a short page proves nothing (:mod:`..api.paging`)."""
    start = max(1, hint or 1)
    limit = SEEK_PAGES * max(1, start)
    full, empty = 0, None  # the highest page seen to list rows below the end, and the lowest seen empty
    page, step = start, 1
    if await read(page):
        full = page
        while empty is None:  # up, doubling the step
            page = full + step
            if page > limit:
                return None
            if await read(page):
                full, step = page, 2 * step
            else:
                empty = page
    else:
        empty = page
        while empty > 1 and full == 0:  # down, doubling the step
            page = max(1, empty - step)
            if await read(page):
                full = page
            else:
                empty, step = page, 2 * step
    while empty - full > 1:
        page = (full + empty) // 2
        if await read(page):
            full = page
        else:
            empty = page
    return empty
