"""When resume takes a job left 'submitting' to have been sent: at its POST, dated by the 'submitting'
line written just before it, not by the lines written after it (a look-up that gave up, minutes later)."""

from __future__ import annotations

import pytest

from batchgen.clock import iso_utc
from batchgen.engine.resume import CLOCK_SLACK_S
from tests.engine.test_resume_spend import _replay, _resume

POST = 1_800_000_000.0 - 900.0  # 15 min before the fake clock's wall time


def _line(event: str, at: float, **fields: object) -> dict[str, object]:
    return {"job_id": "a", "event": event, "state": "submitting", "ts": iso_utc(at), "model": "m", **fields}


async def test_a_job_left_unsettled_is_dated_by_its_post_not_by_the_look_up_that_gave_up():
    replay = _replay(
        _line("submitting", POST, posting_at=iso_utc(POST)),
        _line("submit_unknown", POST + 60.0),
        _line("settle_later", POST + 600.0),  # its history had not caught up: a later run settles it
    )
    _, plan = await _resume(replay)
    (job,) = plan.reconcile
    # Dated by the last line, the row it made (stamped about POST) would be taken for too old to be its own,
    # and the job made again once the history showed it caught up.
    assert job.submitted_epoch == pytest.approx(POST - CLOCK_SLACK_S, abs=0.01)


async def test_a_submit_sent_again_after_a_429_is_dated_by_its_last_attempt():
    replay = _replay(
        _line("submitting", POST, posting_at=iso_utc(POST)),
        _line("submitting", POST + 90.0, posting_at=iso_utc(POST + 90.0)),  # the first was refused (429)
    )
    _, plan = await _resume(replay)
    (job,) = plan.reconcile
    assert job.submitted_epoch == pytest.approx(POST + 90.0 - CLOCK_SLACK_S, abs=0.01)


async def test_an_older_ledger_without_posting_at_dates_the_post_by_its_line_only_while_it_is_the_last():
    (job,) = (await _resume(_replay(_line("submitting", POST))))[1].reconcile
    assert job.submitted_epoch == pytest.approx(POST - CLOCK_SLACK_S, abs=0.01)
    later = _replay(_line("submitting", POST), _line("settle_later", POST + 600.0))
    (job,) = (await _resume(later))[1].reconcile
    # as far back as a record lives (an hour before now: the settle_later line was 5 min ago)
    assert job.submitted_epoch is not None and job.submitted_epoch < POST - 600.0
