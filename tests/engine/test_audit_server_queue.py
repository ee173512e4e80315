"""Audit of ``batchgen/engine/server_queue.py``: the jobs said to wait on the server for a worker are reckoned from
enough first jobs and from the recent ones alone (a queue gone is no longer claimed)."""

from __future__ import annotations

import pytest

from batchgen.engine.server_queue import FIRST_LEAST, FIRST_MOST, RECENT_LEAST, RECENT_WINDOW, ServerQueue
from tests.engine.test_server_queue import KEY, job, sent_and_finished


def test_exactly_the_fewest_first_jobs_allowed_are_enough_to_say_how_many_wait():
    queue = ServerQueue()
    sent_and_finished(queue, 10.0, 20.0, count=FIRST_MOST + RECENT_LEAST)
    slots = 2 * FIRST_LEAST  # the first half of the slots: FIRST_LEAST places stand for the work
    assert queue.waiting(KEY, slots) == pytest.approx(slots / 2)


def test_a_queue_that_has_cleared_is_no_longer_claimed_once_the_recent_jobs_are_all_quick_again():
    queue = ServerQueue()
    sent_and_finished(queue, 10.0, 20.0, count=FIRST_MOST + RECENT_WINDOW)
    assert queue.waiting(KEY, FIRST_MOST) == pytest.approx(FIRST_MOST / 2)  # half the slots waited
    for i in range(FIRST_MOST + RECENT_WINDOW, FIRST_MOST + 2 * RECENT_WINDOW):
        tracked = job(i, 0.0)
        queue.sent(tracked)
        queue.finished(tracked, 10.0)  # the jobs sent since took as long as the work alone
    assert queue.waiting(KEY, FIRST_MOST) == 0.0
