"""What the request history's pages say of its end, when a page may hold fewer rows than asked for."""

from __future__ import annotations

import pytest

from batchgen.api.answers import HISTORY_PAGE, HistoryRow, history_row
from batchgen.api.paging import (
    CLOCK_SKEW_S,
    STAMP_RESOLUTION_S,
    HistoryPage,
    HistoryPaging,
    ListingOrder,
    RowRate,
    StampClock,
)


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


def test_pages_asked_with_fewer_rows_are_full_at_that_many_and_short_below_it():
    # Pages of 100 were read; then pages grew too large for api.max_response_bytes and 3 rows a page are asked
    # for: a page of 3 is full (not the end), one of 2 is the last, and pages ahead are counted 3 rows each.
    paging = HistoryPaging()
    assert paging.read(rows(100)) is False
    assert paging.read(HistoryPage(rows(3), asked=3)) is False
    assert paging.size() == 3
    assert paging.read(HistoryPage(rows(2), asked=3)) is True


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


def test_a_page_of_a_server_that_caps_its_pages_listing_a_request_twice_does_not_set_the_size():
    # 20 requests a page whatever is asked: one with two outputs makes a page of 21 rows; the next full
    # page of 20 is not the end, and a page of 7 is
    paging = HistoryPaging()
    assert paging.read(HistoryPage(rows(20) + rows(1))) is False
    assert paging.read(HistoryPage(rows(20))) is False
    assert paging.read(HistoryPage(rows(7))) is True
    assert paging.size() == 20


def made(rid: str, created: float | None) -> HistoryRow:
    return HistoryRow(rid, "m", "COMPLETED", {}, None, None, created, None)


def test_rows_made_later_than_one_listed_above_show_the_listing_is_not_newest_first():
    order = ListingOrder({}, {})
    check = order.listing()
    assert check.read([made("a", 30.0), made("b", 30.0), made("c", None), made("d", 20.0)]) is True  # ties keep it
    assert check.read([made("e", 10.0)]) is True  # across pages too
    assert order.newest_first
    assert check.read([made("f", 11.0)]) is False
    assert order.disorder is not None and "request f" in order.disorder
    assert order.listing().read([made("g", 5.0)]) is False  # for the rest of the run


def test_without_timestamps_this_runs_own_requests_show_the_order():
    # "a" was known made (its answer came) at 100; "b" was sent at 150, so it was made after "a"
    order = ListingOrder({"a": 100.0}, {"a": 90.0, "b": 150.0})
    assert order.listing().read([made("b", None), made("a", None)]) is True  # newest first
    assert order.listing().read([made("a", None), made("x", None), made("b", None)]) is False
    assert order.disorder is not None and "request b" in order.disorder


def test_requests_whose_sending_overlapped_prove_no_order():
    # "b" was sent at 95, before "a" was known made (100): either may have been made first
    order = ListingOrder({"a": 100.0, "b": 120.0}, {"a": 90.0, "b": 95.0})
    assert order.listing().read([made("a", None), made("b", None)]) is True
    assert order.listing().read([made("b", None), made("a", None)]) is True


def test_a_rows_time_says_whether_it_gave_its_zone():
    def zoned(stamp: object) -> bool:
        parsed = history_row({"request_id": "a", "created_at": stamp})
        assert parsed is not None and parsed.created_at is not None
        return parsed.stamp_zoned

    assert zoned("2027-01-15T10:00:00Z") and zoned("2027-01-15T10:00:00+05:30") and zoned(1_800_000_000)
    assert not zoned("2027-01-15T10:00:00") and not zoned("2027-01-15 10:00:00.123")


def test_before_a_request_of_ours_ties_the_clocks_the_date_as_it_ran_when_the_request_was_sent_stands_in():
    asked: list[float] = []

    def ahead_at(epoch: float) -> float | None:
        asked.append(epoch)
        return -36_000.0 if epoch < 1_500.0 else -30_000.0  # a clock that gains on ours

    stamps = StampClock({}, ahead_at)
    assert stamps.earliest_stamp(1_000.0) == pytest.approx(1_000.0 - 36_000.0 - CLOCK_SKEW_S)
    assert stamps.earliest_stamp(2_000.0) == pytest.approx(2_000.0 - 30_000.0 - CLOCK_SKEW_S)
    assert asked == [1_000.0, 2_000.0]


def test_the_servers_clock_is_taken_as_far_ahead_as_the_request_of_ours_that_shows_it_furthest_ahead():
    # each request of ours, made by its answer, shows the server's clock at least so far ahead: the furthest is
    # the bound (a nearer one would take a row stamped just before the attempt was sent, another run's same
    # request, for the attempt's)
    stamps = StampClock({"a": 1_000.0, "b": 1_010.0}, lambda epoch: None)
    stamps.note("a", 1_003.0)  # at least 3 s ahead
    stamps.note("b", 1_040.0)  # at least 30 s ahead
    assert stamps.sent_stamp(1_020.0) == pytest.approx(1_020.0 + 30.0 - STAMP_RESOLUTION_S)


def test_rows_listed_oldest_first_are_taken_for_it_only_after_enough_of_them_and_not_once_more_than_a_few_fall():
    order = ListingOrder({}, {})
    check = order.listing()
    check.read([made(f"r{i}", 10.0 + i) for i in range(8)])  # seven rows each below an older one
    assert not order.newest_first and not order.oldest_first  # one more could still be chance
    check.read([made("r8", 18.0), made("r8", 18.0)])  # a request listed once per output shows nothing more
    assert order.rising == 8 and order.oldest_first
    order.listing().read([made("x", 30.0), made("y", 29.0)])  # a row made before the one above it
    assert not order.oldest_first and order.falling is not None and "request y" in order.falling
    # a server that stamps a request a moment out of the order it lists them in: one row in many falls
    check = order.listing()
    check.read([made(f"s{i}", 100.0 + i + (1.5 if i % 20 == 5 else 0.0)) for i in range(100)])
    assert order.falls == 1 + 5 and order.falls <= 0.1 * order.rising and order.oldest_first
    # in no order of time, about as many rows fall as rise
    order.listing().read([made(f"u{i}", 200.0 + (i * 37) % 50) for i in range(50)])
    assert not order.oldest_first


def test_this_runs_own_requests_show_a_row_listed_below_a_newer_one():
    # "a" was known made at 100, "b" sent at 150: "b" listed above "a" is newest first, and not oldest first
    order = ListingOrder({"a": 100.0, "b": 160.0}, {"a": 90.0, "b": 150.0})
    order.rising, order.rose = 9, {f"r{i}" for i in range(8)}
    assert order.oldest_first
    assert order.listing().read([made("b", None), made("x", None), made("a", None)]) is True
    assert order.falling is not None and "request a" in order.falling and not order.oldest_first


def test_the_same_rows_read_again_by_every_sweep_are_not_taken_for_more_evidence():
    """A history in no order of time whose first page happens to list two rows oldest first: a sweep
    that reads only that page sees one row below an older one, and so does every later sweep.  Counted
    once a sweep, eight sweeps took the listing for oldest first (and sweeps read only where jobs had
    been listed, which such a history does not keep)."""
    order = ListingOrder({}, {})
    for _ in range(20):
        order.listing().read([made("a", 10.0), made("b", 11.0)])
    assert not order.oldest_first
    order.listing().read([made(f"r{i}", 20.0 + i) for i in range(8)])
    assert order.oldest_first and order.falling is None


def test_a_listing_is_taken_for_one_in_no_order_only_when_rows_both_rise_and_fall_often():
    order = ListingOrder({}, {})
    order.listing().read([made(f"n{i}", 1000.0 - i - (1.5 if i % 20 == 5 else 0.0)) for i in range(300)])
    assert len(order.rose) == 8 and not order.newest_first  # newest first, a few rows a moment out of order
    assert not order.in_no_order
    order = ListingOrder({}, {})
    order.listing().read([made(f"o{i}", 100.0 + i) for i in range(100)])
    assert order.oldest_first and not order.in_no_order
    order = ListingOrder({}, {})
    order.listing().read([made(f"u{i}", 200.0 + (i * 37) % 50) for i in range(50)])
    assert order.in_no_order and not order.oldest_first


def test_only_requests_answered_by_then_say_how_far_ahead_the_servers_clock_ran():
    """A server clock that gains on ours (a simulator's, scaled): a request answered later shows it further
    ahead than it was when an earlier one was sent.  Taken for the earlier moment too, it would put that request's
    rows' stamps later than they are, and take its own row for another run's, made before it was sent."""
    stamps = StampClock({"a": 1_000.0, "b": 5_000.0}, lambda epoch: None)
    stamps.note("a", 1_003.0)  # 3 s ahead at 1000
    stamps.note("b", 5_100.0)  # 100 s ahead at 5000
    assert stamps.sent_stamp(2_000.0) == pytest.approx(2_000.0 + 3.0 - STAMP_RESOLUTION_S)
    assert stamps.sent_stamp(6_000.0) == pytest.approx(6_000.0 + 100.0 - STAMP_RESOLUTION_S)
    # a server clock ahead never puts the earliest stamp of a request later than its sending less the skew
    assert stamps.earliest_stamp(6_000.0) == pytest.approx(6_000.0 - CLOCK_SKEW_S)


def test_a_row_stamped_without_a_zone_rules_the_date_header_out_as_the_servers_clock():
    stamps = StampClock({}, lambda epoch: -3_600.0)  # the Date header: an hour behind
    assert stamps.earliest_stamp(10_000.0) == pytest.approx(10_000.0 - 3_600.0 - CLOCK_SKEW_S)
    stamps.saw([HistoryRow("x", "m", "COMPLETED", {}, None, None, 9_000.0, None, stamp_zoned=False)])
    assert stamps.earliest_stamp(10_000.0) is None and stamps.sent_stamp(10_000.0) is None  # nothing ties them


def test_what_first_showed_a_listing_out_of_order_is_kept_and_said_once(caplog):
    order = ListingOrder({}, {})
    with caplog.at_level("WARNING", logger="batchgen"):
        order.listing().read([made("a", 10.0), made("b", 20.0), made("c", 30.0)])
    assert order.disorder is not None and "request b" in order.disorder
    assert sum("not list its rows newest first" in r.getMessage() for r in caplog.records) == 1


def test_rows_pushed_down_onto_the_next_page_by_new_requests_show_no_order():
    """Newest first, 3 rows a page: between the reads of pages 1 and 2, two requests are made (another
    process on the account, or this run's own submits), and page 2 begins with the two rows page 1 ended
    with.  Read again below older ones, they were taken to show the listing not newest first, and every
    look-up read to the history's end from then on."""
    order = ListingOrder({}, {})
    check = order.listing()
    assert check.read([made("e", 50.0), made("d", 40.0), made("c", 30.0)]) is True
    assert check.read([made("d", 40.0), made("c", 30.0), made("b", 20.0)]) is True
    assert check.read([made("a", 10.0)]) is True
    assert order.newest_first and order.rising == 0
    assert check.read([made("z", 11.0)]) is False  # a row read for the first time still shows the order


def test_the_rows_listed_above_the_deepest_job_in_flight_give_the_rate_they_are_made_at():
    """Of ours, "b" was sent at 100 and is in flight; "a", done, was sent at 90.  At 110, a listing shows
    "b" under 30 rows (the account's other users' and ours): 3 rows a second.  The rows below it, and a
    job not in flight however deep, say nothing of it."""
    rate = RowRate()
    in_flight = {"b", "c"}.__contains__
    count = rate.listing({"a": 90.0, "b": 100.0, "c": 105.0}, in_flight)
    count.read([made(f"x{i}", None) for i in range(10)] + [made("c", None)] + [made(f"y{i}", None) for i in range(19)])
    count.read([made("b", None), made("a", None), made("z", None)])
    count.end(110.0)
    assert rate.per_s == pytest.approx(3.0)
    top = rate.listing({"b": 100.0}, in_flight)
    top.read([made("b", None), made("x", None)])  # under no row: says nothing
    top.end(120.0)
    assert rate.per_s == pytest.approx(3.0)
