"""Audit of ``batchgen/api/paging.py``: what the history's rows prove of the server's clock and of the order
they are listed in holds for the rest of the run, up to the bounds it names."""

from __future__ import annotations

from batchgen.api.answers import HistoryRow
from batchgen.api.paging import OLDEST_FIRST_EXCEPTIONS, ListingOrder, StampClock


def stamped(rid: str, created: float, *, zoned: bool = True) -> HistoryRow:
    return HistoryRow(rid, "m", "COMPLETED", {}, None, None, created, None, stamp_zoned=zoned)


def unstamped(rid: str) -> HistoryRow:
    return HistoryRow(rid, "m", "COMPLETED", {}, None, None, None, None)


def test_once_a_row_was_stamped_without_a_zone_the_date_header_stays_ruled_out_whatever_pages_follow():
    stamps = StampClock({}, lambda epoch: -3_600.0)  # the Date header: an hour behind
    stamps.saw([stamped("x", 9_000.0, zoned=False)])
    stamps.saw([stamped("y", 9_100.0), stamped("z", 9_200.0)])  # a later page whose rows all give a zone
    stamps.saw([])  # and an empty page, the history's end
    assert stamps.earliest_stamp(10_000.0) is None and stamps.sent_stamp(10_000.0) is None


def test_a_listing_is_taken_for_oldest_first_with_exactly_the_share_of_falling_rows_it_allows():
    order = ListingOrder({}, {})
    order.listing().read([stamped(f"r{i}", 10.0 + i) for i in range(11)])  # ten rows each below an older one
    order.listing().read([stamped("x", 30.0), stamped("y", 29.0)])  # one row below a newer one
    assert order.rising == 10 and order.falls == 1 == OLDEST_FIRST_EXCEPTIONS * order.rising
    assert order.oldest_first
    order.listing().read([stamped("u", 40.0), stamped("v", 39.0)])  # one more falls: past the share
    assert not order.oldest_first


def test_another_users_row_listed_above_this_runs_requests_shows_none_of_ours_listed_below_a_newer_one():
    # "a" then "b", sent one after the other, listed oldest first under a row of the account's other user
    order = ListingOrder({"a": 100.0, "b": 160.0}, {"a": 90.0, "b": 150.0})
    order.listing().read([unstamped("x"), unstamped("a"), unstamped("b")])
    assert order.rising == 1 and order.falls == 0 and order.falling is None
