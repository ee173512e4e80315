"""Audit of ``batchgen/engine/stalls.py``: a job watched after its record died is never taken for stalled before
the jobs sent ahead of it were seen through."""

from __future__ import annotations

from batchgen.engine.stalls import Finishes


def test_a_finish_told_after_a_later_one_is_dated_no_earlier_than_that_later_one():
    finishes = Finishes()
    finishes.add(10.0, 100.0)  # the job sent at 10 s was seen finished at 100 s
    finishes.add(20.0, 50.0)  # one sent later, told after it, as finished at 50 s: taken as finished at 100 s
    assert finishes.last_before(30.0) == 100.0  # a job sent at 30 s waited behind both
    assert finishes.last_before(15.0) == 100.0
