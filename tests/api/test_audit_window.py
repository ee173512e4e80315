"""Audit of ``batchgen/api/window.py``: a hintless 429's run holds every call the server may still count."""

from __future__ import annotations

import pytest

from batchgen.api.window import WindowFinder


def test_calls_sent_more_than_a_window_before_a_later_answer_still_count_in_the_run_a_429_shows():
    """Ten calls sent a second apart from 0 s, each answered 5 s later, and one more sent at 64 s: those sent from
    1 s on may have reached the server as late as 6-14 s, still inside a 60 s window at the 429 (65.5 s).  The run
    the probe ends is all ten of them, however many answers came since: counted short, the limit found is half
    the server's, for the rest of the run."""
    finder = WindowFinder(window_s=60.0)
    for second in range(10):
        finder.admitted(float(second), second + 5.0)
    finder.admitted(64.0, 65.2)
    probe = finder.rejected(65.0, 65.5)
    window, limit = finder.admitted(probe, probe + 1.0) or (None, None)
    assert limit == 10
    assert window == pytest.approx(probe + 1.0 - 1.0)
