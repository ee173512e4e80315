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
from collections.abc import Iterable, Mapping

MARKS_KEPT = 4096  # the newest requests whose pages place jobs not yet seen (older ones place them on page 1)


class Places:
    """The page each request was last listed on, read oldest first."""

    def __init__(self) -> None:
        self._page: dict[str, int] = {}  # request id (a job in flight) -> the page it was last listed on
        self._marks: list[tuple[float, int]] = []  # (when a request of this run was known made, its page), sorted

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
        first of them was sent (page 1 when none is known) to the end."""
        pages: set[int] = set()
        tail: int | None = None
        for rid in request_ids:
            page = self._page.get(rid)
            if page is not None:
                pages.add(page)
                continue
            epoch = sent.get(rid)
            at = bisect.bisect_left(self._marks, (epoch, -1)) if epoch is not None else 0
            below = self._marks[at - 1][1] if at > 0 else 1
            tail = below if tail is None else min(tail, below)
        return Walk(pages, tail)


class Walk:
    """The pages one sweep reads, in order: ``pages`` (ascending, those below ``tail``), then from
    ``tail`` on to the history's end (none when ``tail`` is None); then, for a caller that still looks
    for a job, the pages not yet read, back from the highest to the first."""

    def __init__(self, pages: Iterable[int] = (), tail: int | None = 1) -> None:
        self._todo = sorted(page for page in set(pages) if tail is None or page < tail)
        self._tail = tail
        self._read: set[int] = set()
        self._end: int | None = None  # the last page that lists rows, once a page showed it
        # reading back begins below the tail, or a page past the last listed (a row listed late moved down)
        self._back = tail - 1 if tail is not None else max(self._todo, default=0) + 1

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
        page = self._back if self._end is None else min(self._back, self._end)
        while page >= 1 and page in self._read:
            page -= 1
        self._back = page
        return page if page >= 1 else None

    def read(self, page: int, last: bool) -> None:
        """``page`` was read; ``last``: nothing is listed past it."""
        self._read.add(page)
        if last:
            self._end = page if self._end is None else min(self._end, page)
