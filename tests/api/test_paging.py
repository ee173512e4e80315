"""What the request history's pages say of its end, when a page may hold fewer rows than asked for."""

from __future__ import annotations

from batchgen.api.answers import HISTORY_PAGE, HistoryRow
from batchgen.api.paging import HistoryPage, HistoryPaging


def rows(n: int) -> list[HistoryRow]:
    return [HistoryRow(f"r{i}", "m", "COMPLETED", {}, None, None, None, None) for i in range(n)]


def test_a_short_page_is_the_end_only_once_a_longer_page_was_seen():
    paging = HistoryPaging()
    assert paging.size() == HISTORY_PAGE  # nothing seen: what is asked for
    assert paging.read(rows(20)) is False  # 20 of 100: the server's pages may hold 20
    assert paging.read(rows(20)) is False  # another full page of 20
    assert paging.read(rows(7)) is True  # shorter than a page seen: the last
    assert paging.read([]) is True
    assert paging.size() == 20


def test_rows_left_out_as_malformed_still_count_toward_the_page():
    paging = HistoryPaging()
    paging.read(HistoryPage(rows(20)))
    assert paging.read(HistoryPage(rows(19), listed=20)) is False  # one row was malformed: the page was full
    assert paging.read(HistoryPage(rows(3), listed=4)) is True


def test_a_page_listing_more_rows_than_asked_for_counts_as_a_full_one():
    # A request with several outputs is listed once for each: 100 requests may come as 101 rows, and the
    # next full page of 100 is not shorter than a page seen.
    paging = HistoryPaging()
    assert paging.read(HistoryPage(rows(101))) is False
    assert paging.read(HistoryPage(rows(100))) is False
    assert paging.size() == HISTORY_PAGE
