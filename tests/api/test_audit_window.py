"""Audit of ``batchgen/api/window.py``: a hintless 429's run holds every call the server may still count."""

from __future__ import annotations

import pytest

from batchgen.api.window import WindowFinder
from tests.api.test_ratewindow import _learned_at_four_and_a_half


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


def test_a_call_sent_with_the_refused_one_and_admitted_later_counts_in_the_run_the_probe_reads():
    """Two calls granted at the same instant with nothing admitted before: one is refused, the other admitted
    after the 429.  It got through, so the probe admitted later shows a window that admits one call."""
    finder = WindowFinder(window_s=10.0)
    probe = finder.rejected(0.0, 0.1)
    assert finder.admitted(0.0, 0.2) is None  # on its way when the 429 came: part of the run
    finder.probe_sent(probe)
    learned = finder.admitted(probe, probe)
    assert learned is not None and learned[1] == 1


def test_a_probe_answered_the_instant_of_the_429_never_learns_a_window_of_no_length():
    """One call admitted, a 429 for the next at the same instant, and a call sent then admitted at once: the
    window found is at least the thousandth of the configured one the probes are spaced by, never zero (a pace of
    no length would send the whole batch at once)."""
    finder = WindowFinder(window_s=10.0)
    finder.admitted(0.0, 0.0)
    finder.rejected(0.0, 0.0)
    learned = finder.admitted(0.0, 0.0)
    assert learned is not None and learned[0] >= 1e-3 * 10.0


def test_once_the_bounds_are_within_a_tenth_an_admitted_call_narrows_the_window_no_more():
    """Settled at (3.96 s, 4.04 s]: a later call admitted with 20 sent in the 3.95 s before it no longer moves the
    window toward the lower bound (the pace stays where the bounds settled)."""
    finder = _learned_at_four_and_a_half()
    for k in range(1, 21):
        finder.admitted(4.5 + 0.2 * k, 4.5 + 0.2 * k)  # the last at 8.5 s proves at most 4.04 s
    finder.lower = 4.0 * 0.99  # as a call refused at 8.7 s with 20 admitted since 4.7 s proves
    assert finder.window == pytest.approx(4.04)
    for k in range(1, 21):
        finder.admitted(8.5 + 0.1975 * k, 8.5 + 0.1975 * k)  # 20 admitted in 3.95 s: settled, nothing moves
    assert finder.window == pytest.approx(4.04)
    assert finder.pace() == pytest.approx(4.04)


def test_the_first_call_a_limit_after_the_oldest_remembered_proves_the_window_shorter():
    """Later, the calls remembered are only the recent ones: the 21st of a fresh stretch, 4 s after the first,
    shows the window at most 4.04 s at once (the oldest remembered is the one ``limit`` back)."""
    finder = _learned_at_four_and_a_half()
    for k in range(20):
        finder.admitted(100.0 + 0.2 * k, 100.0 + 0.2 * k)
    assert finder.admitted_since(-1.0)[0] == pytest.approx(100.0)  # those before 82 s are forgotten
    assert finder.window == pytest.approx(4.5)
    finder.admitted(104.0, 104.0)
    assert finder.window == pytest.approx(4.0 * 1.01)


def test_a_later_episode_probes_first_at_the_known_window_whatever_the_last_one_took():
    """The first episode took two probes; a later one whose run spans 1 s probes first at its start plus the known
    window (4.5 s), not where the last episode's probes had reached (1 s x 1.5^2 = 2.25 s)."""
    finder = _learned_at_four_and_a_half()
    for i in range(20):
        finder.admitted(100.0 + 0.05 * i, 100.0 + 0.05 * i)
    assert finder.rejected(101.0, 101.0) == pytest.approx(104.5)


def test_a_call_refused_at_the_instant_the_last_admitted_went_shows_the_server_held_no_full_run():
    """Twenty calls admitted 0.2 s apart from 100 s and one refused, sent at the same instant as the twentieth:
    the server may have had the refused one first, holding only 19, so the lower bound stays at 2.97 s."""
    finder = _learned_at_four_and_a_half()
    for k in range(20):
        finder.admitted(100.0 + 0.2 * k, 100.0 + 0.2 * k)
    finder.rejected(103.8, 103.8)
    assert finder.lower == pytest.approx(2.97)


def test_a_call_sent_exactly_a_window_before_the_429_is_not_in_the_run_it_shows():
    """A sliding window of 10 s no longer holds a call that reached it exactly 10 s before: the run a 429 at 10 s
    shows begins at the next call (5 s), so the first probe goes at 5 s + 5 s x 1.6 and the limit is its 19."""
    finder = WindowFinder(window_s=10.0)
    finder.admitted(0.0, 0.0)
    for i in range(19):
        finder.admitted(5.0 + 0.1 * i, 5.0 + 0.1 * i)
    probe = finder.rejected(10.0, 10.0)
    assert probe == pytest.approx(13.0)
    finder.probe_sent(probe)
    learned = finder.admitted(probe, probe)
    assert learned is not None and learned[1] == 19


def test_once_a_window_is_known_a_later_cooldown_gives_the_configured_window_no_probe_of_its_own():
    """The configured 60 s is only a guess before anything is learned: a later episode probes at the known window,
    then at growing gaps from its run (2 s x 1.5^k), never at 60 s as well."""
    finder = _learned_at_four_and_a_half()
    for i in range(20):
        finder.admitted(100.0 + 0.1 * i, 100.0 + 0.1 * i)
    at = finder.rejected(102.0, 102.0)
    probes = [at]
    while at < 170.0:
        nxt = finder.probe_sent(at)
        assert finder.rejected(at, at) == nxt
        probes.append(at := nxt)
    assert probes == pytest.approx([104.5] + [100.0 + 2.0 * 1.5**k for k in range(3, 10)])


def test_a_window_found_with_no_lower_bound_is_paced_by_itself():
    """The first 429 came for a call sent before the run it shows (answered late): it proves no lower bound, and
    the window the probe found is the pace, not the geometric mean with nothing (a pace of no length)."""
    finder = WindowFinder(window_s=60.0, growth=1.5)
    for i in range(1, 21):
        finder.admitted(i * 0.1, i * 0.1)
    probe = finder.rejected(0.0, 2.0)
    assert finder.lower == 0.0
    finder.probe_sent(probe)
    learned = finder.admitted(probe, probe)
    assert learned is not None and learned[0] > 0.0
    assert finder.pace() == pytest.approx(learned[0])


def test_a_call_sent_before_the_run_and_answered_after_the_429_is_not_counted_in_the_limit():
    """A call sent at 5 s, answered only at 22.5 s, after a 429 at 22 s that followed twenty calls from 20 s: it may
    have reached the server before the window the 429 shows, so the limit found is the twenty, never more."""
    finder = WindowFinder(window_s=10.0, growth=1.5)
    for i in range(20):
        finder.admitted(20.0 + 0.1 * i, 20.0 + 0.1 * i)
    probe = finder.rejected(22.0, 22.0)
    assert finder.admitted(5.0, 22.5) is None
    finder.probe_sent(probe)
    learned = finder.admitted(probe, probe)
    assert learned is not None and learned[1] == 20


def test_a_refused_probe_answered_late_names_a_next_probe_still_to_come():
    """The probe sent at 3 s is refused only at 5 s: the next probe is the first of the growing moments after the
    answer (2 s x 1.5^3), not the one at 4.5 s that has already passed (a probe at once)."""
    finder = WindowFinder(window_s=60.0, growth=1.5)
    for i in range(20):
        finder.admitted(i * 0.1, i * 0.1)
    first = finder.rejected(2.0, 2.0)
    assert first == pytest.approx(3.0)
    finder.probe_sent(first)
    assert finder.rejected(first, 5.0) == pytest.approx(2.0 * 1.5**3)
