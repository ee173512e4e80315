"""How a run stops: the stop flags, the reasons the report gives, the job boundary.  No simulator."""

from __future__ import annotations

import pytest

from batchgen.engine.control import RunControl, balance_from
from batchgen.engine.outcome import RunReport
from batchgen.errors import (
    ApiUnreachable,
    AuthError,
    InsufficientCredits,
    InvalidContentType,
    LedgerError,
    RequestRejected,
    StorageError,
)
from batchgen.jobs import StopReason


def control() -> tuple[RunControl, list[int]]:
    woken: list[int] = []
    return RunControl(RunReport(), on_stop=lambda: woken.append(1)), woken


def test_a_fresh_run_is_not_stopping():
    ctl, woken = control()
    assert ctl.stopping is False and not ctl.done.is_set() and ctl.interrupted is False
    assert ctl.report.stop_reason is None and woken == []


def test_a_signal_stops_submitting_and_is_the_reason_even_after_another():
    ctl, woken = control()
    ctl.request_stop()
    assert ctl.stopping and ctl.interrupted and ctl.report.stop_reason == "interrupted"
    assert not ctl.done.is_set()  # in-flight jobs go on
    assert woken == [1]
    ctl.request_stop(StopReason.SPEND_CAP)  # later reasons do not hide the signal
    assert ctl.report.stop_reason == "interrupted" and woken == [1, 1]
    other, _ = control()
    other.report.stop_reason = StopReason.CREDITS
    other.request_stop()  # a signal after a credit stop: the run was interrupted
    assert other.report.stop_reason == "interrupted"


def test_a_stop_for_a_reason_keeps_the_first_reason():
    ctl, _ = control()
    ctl.request_stop(StopReason.SPEND_CAP)
    assert ctl.stopping and ctl.report.stop_reason == "spend_cap" and not ctl.interrupted
    ctl.report.stop_reason = None
    ctl.request_stop(StopReason.SPEND_CAP)  # already stopping: the reason is not set again
    assert ctl.report.stop_reason is None
    fresh, _ = control()
    fresh.report.stop_reason = StopReason.CREDITS
    fresh.request_stop(StopReason.SPEND_CAP)
    assert fresh.report.stop_reason == "credits"


def test_a_control_without_a_wake_hook_stops_too():
    ctl = RunControl(RunReport())
    ctl.request_stop(StopReason.CREDITS)
    assert ctl.stopping


def test_a_credit_stop_keeps_the_apis_words_and_the_balance_it_named():
    ctl, woken = control()
    ctl.credit_stop(InsufficientCredits("out of credits", status=406, detail="Insufficient credits. Balance: 0.12"))
    report = ctl.report
    assert ctl.stopping and report.stop_reason == "credits" and not ctl.done.is_set() and woken == [1]
    assert report.stop_detail == "Insufficient credits. Balance: 0.12" and report.balance == 0.12
    ctl.credit_stop(InsufficientCredits("again", status=406, detail="balance is 5"))
    # the first refusal's words are kept; the balance is the latest the API named
    assert report.stop_detail == "Insufficient credits. Balance: 0.12" and report.balance == 5.0
    bare, _ = control()
    bare.credit_stop(InsufficientCredits("no detail here", status=406))
    assert bare.report.stop_detail == "no detail here" and bare.report.balance is None


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (AuthError("refused", status=401), "auth"),
        (ApiUnreachable("gone", seconds=60.0, last_error="refused"), "unreachable"),
        (LedgerError("disk"), "fatal"),
        (InvalidContentType("bug", status=406), "fatal"),
        (StorageError("full"), "fatal"),
    ],
)
def test_a_run_wide_error_ends_the_run_now_and_names_itself(exc, reason):
    ctl, _ = control()
    ctl.fatal(exc)
    assert ctl.done.is_set() and ctl.stopping
    assert ctl.report.fatal is exc and ctl.report.stop_reason == reason and ctl.report.stop_detail == str(exc)
    ctl.fatal(LedgerError("second"))  # the first error is the one reported
    assert ctl.report.fatal is exc and ctl.report.stop_detail == str(exc)


def test_abort_leaves_now():
    ctl, woken = control()
    ctl.abort()
    assert ctl.stopping and ctl.done.is_set() and woken == [] and ctl.report.stop_reason is None


@pytest.mark.parametrize(
    "exc",
    [AuthError("x", status=403), InvalidContentType("x", status=406), LedgerError("x"), StorageError("x"),
     ApiUnreachable("x", seconds=1.0, last_error="y")],
)  # fmt: skip
async def test_the_job_boundary_turns_run_wide_errors_into_a_stop(exc):
    ctl, _ = control()

    async def work() -> None:
        raise exc

    await ctl.guard(work)
    assert ctl.report.fatal is exc and ctl.done.is_set()


async def test_the_job_boundary_lets_a_bug_and_a_jobs_own_error_through():
    ctl, _ = control()

    async def bug() -> None:
        raise KeyError("bug")

    async def rejected() -> None:
        raise RequestRejected("bad", status=400)

    with pytest.raises(KeyError):
        await ctl.guard(bug)
    with pytest.raises(RequestRejected):
        await ctl.guard(rejected)
    assert ctl.report.fatal is None and not ctl.done.is_set()
    done: list[int] = []

    async def fine() -> None:
        done.append(1)

    await ctl.guard(fine)
    assert done == [1]


@pytest.mark.parametrize(
    ("detail", "balance"),
    [
        ("Insufficient credits. Balance: 0.12", 0.12),
        ("your balance is 3", 3.0),
        ("BALANCE -1.5 USD", -1.5),
        ("balance is $7.25 left", 7.25),
        ("no number here", None),
        ("", None),
        (None, None),
        ("credits 4.0", None),
    ],
)
def test_the_balance_an_insufficient_credits_message_names(detail, balance):
    assert balance_from(detail) == balance


def test_a_credit_stop_after_the_spend_cap_says_credits():
    ctl, _ = control()
    ctl.request_stop(StopReason.SPEND_CAP)
    ctl.credit_stop(InsufficientCredits("out", status=406, detail="Insufficient credits"))
    assert ctl.report.stop_reason == "credits" and ctl.report.stop_detail == "Insufficient credits"


def test_after_a_credit_stop_the_balance_told_is_the_latest_never_one_read_before_it():
    ctl, _ = control()
    ctl.note_balance(7.5)  # a result read while credits lasted
    ctl.credit_stop(InsufficientCredits("out", status=406, detail="Insufficient credits"))  # names no balance
    assert ctl.report.balance is None  # 7.50 was before the stop: stale, not said
    ctl.note_balance(0.4)  # results fetched late: spending only lowers it, so the lowest is the latest
    ctl.note_balance(2.0)  # read before the stop, answered after it
    assert ctl.report.balance == 0.4
