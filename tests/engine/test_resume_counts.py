"""What a resumed run takes up of the ledger, and what it counts for the summary ("2 already done; 1 re-attached
from an earlier run"): every job goes where its last line says, and each is counted where it went."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from batchgen.clock import iso_utc
from batchgen.engine.resume import ResumePlan, plan_resume
from batchgen.engine.verdicts import Attach, Leave, Resubmit
from batchgen.jobs import JobState, TrackedJob
from batchgen.store.ledger import Replay, carry_forward
from tests.engine.doubles import Kit, ScriptedApi, kit, pending, row_for


class _Videos:
    """The folder: only the videos named in ``intact`` are in place as recorded."""

    def __init__(self, intact: set[str]) -> None:
        self.intact = intact

    async def verify_many(self, items: list[Any], *, deep: bool) -> list[bool]:
        return [Path(path).stem in self.intact for path, *_ in items]

    def video_path(self, job_id: str, model: str) -> str:
        return f"videos/{job_id}.mp4"


def _replay(*lines: dict[str, Any]) -> Replay:
    jobs: dict[str, dict[str, Any]] = {}
    for record in lines:
        carry_forward(jobs, record["job_id"], {"model": "m", **record})
    return Replay(jobs, len(lines), False)


DONE = {"event": "completed", "state": "completed", "request_id": "r", "cost": 0.28, "bytes": 10, "sha256": "0" * 64}
T0 = 1_800_000_000.0
# a's submit came back unknown at T0 + 1; the run then sent b, its POST at T0 + 10
LOST_THEN_SENT = (
    {"job_id": "a", "event": "submit_unknown", "state": "submitting", "posting_at": iso_utc(T0),
     "unknown_at": iso_utc(T0 + 1)},
    {"job_id": "b", "event": "submitted", "state": "submitted", "request_id": "r-b",
     "submitted_at": iso_utc(T0 + 11), "posted_at": iso_utc(T0 + 10)},
)  # fmt: skip


async def _resume(
    replay: Replay,
    jobs: list[TrackedJob],
    intact: set[str] | None = None,
    *,
    retry_failed: bool = False,
    resubmit_lost: bool = False,
) -> tuple[Kit, ResumePlan]:
    """A resumed run's plan for ``jobs`` from ``replay`` (``intact``: the videos in place), and its kit."""
    k = kit(ScriptedApi(), jobs)
    plan = await plan_resume(
        k.book,
        replay,
        _Videos(intact or set()),  # type: ignore[arg-type]
        k.reconciler,
        k.clock,
        k.report,
        prices={},
        retry_failed=retry_failed,
        resubmit_lost=resubmit_lost,
        verify_files=False,
    )
    return k, plan


async def test_a_resume_counts_the_videos_in_place_and_the_jobs_it_re_attaches_and_sends_each_where_it_stands():
    replay = _replay(
        {"job_id": "done-1", **DONE},
        {"job_id": "done-2", **DONE},
        {"job_id": "gone", **DONE},  # its video was deleted: fetched again, not counted as done
        {"job_id": "queued", "event": "submitted", "state": "submitted", "request_id": "r-q"},
        {"job_id": "fetching", "event": "result", "state": "downloading", "request_id": "r-f", "cost": 0.28},
        {"job_id": "unsure", "event": "submitting", "state": "submitting"},
    )
    jobs = [pending(job_id) for job_id in ("done-1", "done-2", "gone", "queued", "fetching", "unsure", "new")]
    k, plan = await _resume(replay, jobs, {"done-1", "done-2"})
    assert (k.report.skipped, k.report.reattached) == (2, 1)
    assert [job.spec.id for job in plan.poll] == ["queued"]
    assert [job.spec.id for job in plan.download] == ["gone", "fetching"]
    assert [job.spec.id for job in plan.reconcile] == ["unsure"]
    assert [job.spec.id for job in plan.submit] == ["new"]
    assert k.ledger.events("gone") == ["file_missing"] and k.book.in_flight == 4
    # three charged videos and a charged download, and the estimates of the two that may yet be charged
    assert k.book.committed == pytest.approx(6 * 0.28)
    assert {job.spec.id: job.state for job in jobs}["queued"] is JobState.SUBMITTED


@pytest.mark.parametrize("retry_failed", [False, True])
@pytest.mark.parametrize("resubmit_lost", [False, True])
async def test_a_plain_resume_never_sends_a_failed_or_lost_job_again_only_its_flag_does(retry_failed, resubmit_lost):
    # Each is paid again when sent: only --retry-failed (failed on the server) and --resubmit-lost (expired or
    # lost) send them, and each flag only its own.
    replay = _replay(
        {"job_id": "refused", "event": "failed", "state": "failed", "request_id": "r-1", "error": {"detail": "nsfw"}},
        {"job_id": "lost", "event": "expired", "state": "expired", "request_id": "r-2", "cost": 0.28},
    )
    jobs = [pending("refused"), pending("lost"), pending("new")]
    k, plan = await _resume(replay, jobs, retry_failed=retry_failed, resubmit_lost=resubmit_lost)
    sent = [job.spec.id for job in plan.submit]
    assert sent == [job_id for job_id, flag in (("refused", retry_failed), ("lost", resubmit_lost)) if flag] + ["new"]
    assert k.ledger.lines == [] and not plan.poll and not plan.download and not plan.reconcile
    # a failed job left alone keeps its recorded reason: the summary's "failures by reason" give it
    assert jobs[0].error == "nsfw"


async def test_a_resumed_lost_submit_never_takes_a_request_the_ledger_gives_another_job():
    # a and b ask for the same; a's request r-a is in the ledger, b's submit came back unknown.  The history
    # lists r-a alone, made after b's POST went out: it is a's, so b is not attached to it (one video for two
    # jobs, b never made)
    replay = _replay(
        {"job_id": "a", "event": "submitted", "state": "submitted", "request_id": "r-a"},
        {"job_id": "b", "event": "submitting", "state": "submitting"},
    )
    a, b = pending("a", prompt="same"), pending("b", prompt="same")
    k, _ = await _resume(replay, [a, b])
    since = k.clock.epoch() - 60
    k.api.rows = [row_for(a, "r-a", since + 1)]
    async with k.clock.autojump():
        verdict = await k.reconciler.settle(b, since=since)
    assert verdict != Attach("r-a") and isinstance(verdict, Leave)


async def test_an_earlier_runs_request_posted_after_a_lost_submit_settles_it_in_a_resumed_run():
    # the earlier run sent b ten seconds after a's outcome came back unknown, and the history lists b alone:
    # a was never made, and the resumed run sends it again (by when b's POST went out, its ledger line says)
    replay = _replay(
        *LOST_THEN_SENT,
    )  # fmt: skip
    a, b = pending("a", prompt="a"), pending("b", prompt="b")
    k, plan = await _resume(replay, [a, b])
    assert plan.reconcile == [a] and a.submitted_epoch is not None and a.unknown_epoch == T0 + 1
    k.api.rows = [row_for(b, "r-b", T0 + 10.5)]
    async with k.clock.autojump():
        assert await k.reconciler.settle(a, since=a.submitted_epoch, until=a.unknown_epoch) == Resubmit()


async def test_an_earlier_runs_request_keeps_its_posting_time_once_it_has_completed():
    # as above, but b went on to complete: its 'completed' line, written after the one that records when its
    # POST went out, must not take that time from the job's view (b would prove nothing, and a never settle)
    replay = _replay(
        *LOST_THEN_SENT,
        {"job_id": "b", "event": "result", "state": "downloading", "output_url": "https://out.example/b.mp4"},
        {"job_id": "b", **DONE, "request_id": "r-b"},
    )  # fmt: skip
    assert replay.jobs["b"]["posted_at"] == iso_utc(T0 + 10)
    a, b = pending("a", prompt="a"), pending("b", prompt="b")
    k, _ = await _resume(replay, [a, b], {"b"})
    assert k.reconciler.sent_time("r-b") == T0 + 10
