"""When resume takes a job left 'submitting' to have been sent: at its POST, dated by the 'submitting'
line written just before it, not by the lines written after it (a look-up that gave up, minutes later)."""

from __future__ import annotations

import pytest

from batchgen.clock import iso_utc
from batchgen.engine.resume import CLOCK_SLACK_S, plan_resume
from tests.engine.doubles import ScriptedApi, kit, pending, row_for, submitter
from tests.engine.test_resume_spend import _NoVideos, _replay, _resume

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


async def test_a_job_left_unsettled_knows_when_its_posts_outcome_came_back_unknown_and_only_that_posts():
    # A request of ours sent after then, listed, shows the history caught up past it (as it did in the run that
    # sent it), however soon after the POST that was.
    unknown = _line("submit_unknown", POST + 2.0, unknown_at=iso_utc(POST + 2.0))
    settled_later = _line("settle_later", POST + 600.0)
    first = _line("submitting", POST, posting_at=iso_utc(POST))
    (job,) = (await _resume(_replay(first, unknown, settled_later)))[1].reconcile
    assert job.unknown_epoch == pytest.approx(POST + 2.0, abs=0.01)
    # sent again once the first was shown never made, and killed mid-POST: that time was of the first POST
    again = _line("submitting", POST + 700.0, posting_at=iso_utc(POST + 700.0))
    (job,) = (await _resume(_replay(first, unknown, again)))[1].reconcile
    assert job.unknown_epoch is None


@pytest.mark.parametrize("other_after_post", [0.5, 3.0])
async def test_a_job_left_unsettled_counts_requests_sent_once_its_outcome_came_back_unknown_as_proof(other_after_post):
    """An earlier run's submit came back unknown 1 s after its POST (a 502, nothing made), it sent another job
    beside it while it was looked up, 3 s after the POST, and was killed.  The ledger says when the outcome came
    back: the other job, listed, shows the history caught up past it, and it is made in this run.  Dated by its
    POST alone (as if it could have been made up to a request timeout later), nothing showed that: with no job
    left to send beside it, it was left 'submitting' by every run.  One sent before the outcome came back still
    proves nothing (it may have been made first)."""
    job = pending("a")
    k = kit(ScriptedApi(submits=["again"]), [job])
    post = k.clock.epoch() - 300.0
    replay = _replay(
        _line("submitting", post, posting_at=iso_utc(post), params=job.spec.payload()),
        _line("submit_unknown", post + 1.0, unknown_at=iso_utc(post + 1.0)),
    )
    plan = await plan_resume(
        k.book, replay, _NoVideos(), k.reconciler, k.clock, k.report,  # type: ignore[arg-type]
        prices={}, retry_failed=False, resubmit_lost=False, verify_files=False,
    )  # fmt: skip
    assert plan.reconcile == [job]
    other = pending("o", prompt="other")
    k.api.rows = [row_for(other, "other", post + other_after_post)]
    k.reconciler.note_submitted(
        "other", post + other_after_post, posted=post + other_after_post, model="kling-text2video"
    )  # its posted_at
    stage, _ = submitter(k)
    async with k.clock.autojump():
        await stage.settle_resumed(job)
    if other_after_post < 1.0:
        assert k.api.posted == [] and k.ledger.events("a")[-1] == "settle_later"
    else:
        assert len(k.api.posted) == 1 and k.ledger.events("a") == ["reconciled_absent", "submitting", "submitted"]


async def test_a_job_re_attached_keeps_the_age_its_records_expiry_counts_from():
    # sent 15 min ago by an earlier run: its record lives 45 min more, not an hour from now (the poller's
    # expiry guard counts from this age)
    replay = _replay({"job_id": "a", "event": "submitted", "state": "submitted", "request_id": "r1", "model": "m",
                      "ts": iso_utc(POST), "submitted_at": iso_utc(POST)})  # fmt: skip
    job = pending("a")
    k = kit(ScriptedApi(), [job])
    plan = await plan_resume(
        k.book, replay, _NoVideos(), k.reconciler, k.clock, k.report,  # type: ignore[arg-type]
        prices={}, retry_failed=False, resubmit_lost=False, verify_files=False,
    )  # fmt: skip
    assert plan.poll == [job] and k.clock.epoch() - POST == pytest.approx(900.0)
    assert k.clock.now() - job.submitted_at == pytest.approx(900.0, abs=0.01)
