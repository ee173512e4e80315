"""Which pages a sweep reads: from the first on, or, listed oldest first, only where its jobs are."""

from __future__ import annotations

import math

import anyio
import pytest

from batchgen.engine.places import MARKS_KEPT, SEEK_PAGES, Places, Walk, first_empty_page


def read_all(walk: Walk, end: int, stop_after: int | None = None) -> list[int]:
    """The pages ``walk`` reads from a history whose last page is ``end``."""
    pages: list[int] = []
    while (page := walk.next()) is not None and (stop_after is None or len(pages) < stop_after):
        pages.append(page)
        walk.read(page, last=page >= end)
    return pages


def test_from_the_first_page_to_the_end():
    assert read_all(Walk(), end=4) == [1, 2, 3, 4]
    assert read_all(Walk(), end=1) == [1]


def test_the_pages_where_jobs_were_listed_then_on_from_the_tail_to_the_end_then_back():
    walk = Walk({3, 9, 5}, tail=7)  # 9 lies past the tail: read on the way to the end
    assert read_all(walk, end=10) == [3, 5, 7, 8, 9, 10, 6, 4, 2, 1]


def test_with_every_job_placed_no_tail_and_back_from_a_page_past_the_last():
    # a job not where it was: a history that lagged listed a row above it (one page past), or the oldest
    # rows left the history's window (back towards the first)
    assert read_all(Walk({4, 6}, tail=None), end=9) == [4, 6, 7, 5, 3, 2, 1]
    assert read_all(Walk({4, 6}, tail=None), end=5) == [4, 6, 5, 3, 2, 1]  # 6 lies past the end now
    assert read_all(Walk({9, 3, 5}, tail=None), end=10) == [3, 5, 9, 10, 8, 7, 6, 4, 2, 1]  # ascending, always


def test_a_job_not_yet_listed_is_looked_for_from_the_page_of_the_last_request_made_before_it_was_sent():
    places = Places()
    made = {"a": 10.0, "b": 20.0, "c": 30.0}
    places.listed("a", 2, made["a"], in_flight=False)
    places.listed("b", 3, made["b"], in_flight=True)
    places.listed("c", 5, made["c"], in_flight=False)
    places.listed("other", 6, None, in_flight=False)  # not ours: places nothing
    sent = {"new": 25.0, "newer": 40.0}
    assert read_all(places.walk({"newer"}, sent), end=6) == [5, 6, 4, 3, 2, 1]
    assert read_all(places.walk({"new", "b"}, sent), end=6)[:4] == [3, 4, 5, 6]  # b's page, then on from it
    assert read_all(places.walk({"b"}, sent), end=6, stop_after=1) == [3]
    # sent before every request placed was known made: from the first one's page, then back
    assert read_all(places.walk({"old"}, {"old": 5.0}), end=6) == [2, 3, 4, 5, 6, 1]
    # two not yet listed: from the lower of their places (the older one's), on to the end, then back
    assert read_all(places.walk({"new", "newer"}, sent), end=6) == [3, 4, 5, 6, 2, 1]
    places.listed("b", 4, made["b"], in_flight=True)  # listed again, lower
    assert read_all(places.walk({"b"}, sent), end=6, stop_after=1) == [4]
    # the request made before "new" moved down with it: "new" is looked for from b's new page
    assert read_all(places.walk({"new"}, sent), end=6, stop_after=1) == [4]
    places.forget("b")
    assert read_all(places.walk({"b"}, sent), end=6, stop_after=1) == [1]  # forgotten: the end is sought


def test_only_the_newest_marks_are_kept():
    places = Places()
    for i in range(MARKS_KEPT + 10):
        places.listed(f"r{i}", 2 + i // 100, float(i), in_flight=False)
    assert read_all(places.walk({"old"}, {"old": 5.0}), end=3) == [2, 3, 1]  # older than every mark kept
    newest = 2 + (MARKS_KEPT + 9) // 100
    assert read_all(places.walk({"new"}, {"new": MARKS_KEPT + 20.0}), end=50, stop_after=1) == [newest]


def read_seeking(walk: Walk, end: int, rows_on_end: int) -> list[int]:
    """As ``read_all``, for a history of full pages up to ``end``, which lists ``rows_on_end`` (0: empty)."""
    pages: list[int] = []
    while (page := walk.next()) is not None:
        pages.append(page)
        listed = 0 if page > end else (rows_on_end if page == end else 10)
        walk.read(page, last=listed < 10, listed=listed)
    return pages


def test_before_anything_is_placed_the_end_of_a_long_history_is_found_by_doubling_then_halving():
    walk = Places().walk({"new"}, {"new": 5.0})  # a request of this run, nothing placed yet
    pages = read_seeking(walk, end=37, rows_on_end=4)
    assert pages[:10] == [1, 2, 4, 8, 16, 32, 64, 48, 40, 36]  # 36 full, 40 past the end
    assert pages[10:14] == [38, 37, 35, 34]  # 38 past, 37 the end: back from there
    assert walk.sought == 12 and walk.rows_end == 37
    walk = Places().walk({"new"}, {"new": 5.0})
    read_seeking(walk, end=8, rows_on_end=0)  # page 8 empty: the rows end on page 7
    assert walk.rows_end == 7


def test_once_an_end_was_seen_a_request_of_this_run_not_yet_placed_is_looked_for_from_there():
    places = Places()
    places.end = 30
    assert read_all(places.walk({"new"}, {"new": 5.0}), end=31) == [30, 31, *range(29, 0, -1)]
    # an earlier run's job still in flight (no send time here) lies near the end too: from there, then back
    assert read_all(places.walk({"earlier"}, {}), end=31) == [30, 31, *range(29, 0, -1)]
    assert Places().walk({"earlier"}, {}).next() == 1  # nothing seen yet: the search for the end begins


def test_the_search_for_the_end_gives_up_when_every_page_number_is_served_full():
    walk = Places().walk({"new"}, {"new": 5.0})
    pages = read_seeking(walk, end=10**9, rows_on_end=10)  # a server that ignores the page number
    assert pages == [2**k for k in range(11)] and pages[-1] == SEEK_PAGES and walk.rows_end is None


def test_a_job_sent_before_every_request_placed_is_looked_for_next_to_them_not_from_the_first_page():
    """Under 100 pages of earlier days' rows, this run's requests lie on pages 101-103; one sent before
    any of them was known made (the first submit, not yet listed when the end was found) lies just
    above or among them.  Read from page 1, a sweep's few pages were all earlier days' rows, every
    job it looked for counted as looked at, and polls that found them finished counted as misses."""
    places = Places()
    for i, page in enumerate((101, 101, 102, 103)):
        places.listed(f"r{i}", page, 50.0 + i, in_flight=True)
    walk = places.walk({"first", "r0", "r2"}, {"first": 40.0, "r0": 41.0, "r2": 45.0})
    assert read_all(walk, end=103, stop_after=5) == [101, 102, 103, 100, 99]


def end_search(pages_with_rows: int, hint: int | None = None, *, every_page_full: bool = False):
    """(the first empty page :func:`first_empty_page` finds, the pages it read)."""
    read: list[int] = []

    async def rows_on(page: int) -> int:
        read.append(page)
        return 20 if every_page_full or page <= pages_with_rows else 0

    return anyio.run(first_empty_page, rows_on, hint), read


@pytest.mark.parametrize("rows_end", [0, 1, 2, 7, 150, 1023, 3000])
@pytest.mark.parametrize("hint", [None, 1, 149, 150, 151, 400])
def test_the_first_empty_page_is_found_by_galloping_from_the_last_one_seen_then_halving(rows_end, hint):
    end, read = end_search(rows_end, hint)
    if rows_end >= SEEK_PAGES * (hint or 1):  # out of reach of the search from there
        assert end is None
        return
    assert end == rows_end + 1
    assert len(set(read)) == len(read)  # no page read twice
    distance = abs(rows_end + 1 - (hint or 1)) + 1
    assert len(read) <= 2 * math.log2(distance) + 3  # 16 for 150 pages from the first, not 151


def test_no_end_is_found_where_every_page_number_is_served_full():
    end, read = end_search(0, every_page_full=True)
    assert end is None and len(read) <= math.log2(SEEK_PAGES) + 2
