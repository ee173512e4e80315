"""Audit of ``batchgen/engine/control.py``: a credit stop tells the balance the API named (an empty one included)
and never hides a signal."""

from __future__ import annotations

from collections import Counter

from batchgen.engine.control import RunControl
from batchgen.engine.outcome import RunReport
from batchgen.errors import InsufficientCredits
from batchgen.report.exits import EXIT_INTERRUPTED, exit_code

EMPTY = "Insufficient credits. Your balance is 0.0000 USD, required 0.2800 USD for this request."


def test_a_credit_stop_at_a_balance_of_nothing_tells_that_balance_not_an_unknown_one():
    ctl = RunControl(RunReport())
    ctl.note_balance(0.28)  # a result read while credits lasted
    ctl.credit_stop(InsufficientCredits("HTTP 406", status=406, detail=EMPTY))
    assert ctl.report.stop_reason == "credits" and ctl.report.stop_detail == EMPTY
    assert ctl.report.balance == 0.0
    ctl.note_balance(0.28)  # read before the stop, answered after it
    assert ctl.report.balance == 0.0


def test_a_second_refusal_naming_an_empty_balance_replaces_the_first_ones():
    ctl = RunControl(RunReport())
    ctl.credit_stop(InsufficientCredits("HTTP 406", status=406, detail="Insufficient credits. Balance: 0.12"))
    ctl.credit_stop(InsufficientCredits("HTTP 406", status=406, detail=EMPTY))
    assert ctl.report.balance == 0.0


def test_a_refusal_for_credits_answered_after_a_signal_does_not_hide_the_signal():
    ctl = RunControl(RunReport(states=Counter({"completed": 1, "deferred": 3})))
    ctl.request_stop()  # SIGINT while a submit is in flight
    ctl.credit_stop(InsufficientCredits("HTTP 406", status=406, detail=EMPTY))  # that submit's answer
    assert ctl.interrupted and ctl.report.stop_reason == "interrupted"
    assert exit_code(ctl.report, 4) == EXIT_INTERRUPTED
    assert ctl.report.balance == 0.0 and ctl.report.stop_detail is None  # the balance it named is kept, as news
