"""What resume counts against the spend cap for jobs it makes again: every earlier request's charge once,
whether its ledger record ended it (expired, failed) or a later run deferred it before it was sent."""

from __future__ import annotations

from typing import Any

import pytest

from batchgen.engine.resume import plan_resume
from batchgen.jobs import JobState
from batchgen.params import Prices
from batchgen.store.ledger import Replay, carry_forward
from tests.engine.doubles import MODEL, ScriptedApi, kit, pending


class _NoVideos:
    async def verify_many(self, items: list[Any], *, deep: bool) -> list[bool]:
        return [False for _ in items]

    def video_path(self, job_id: str, model: str) -> str:
        return f"videos/{job_id}.mp4"


def _replay(*lines: dict[str, Any]) -> Replay:
    jobs: dict[str, dict[str, Any]] = {}
    for record in lines:
        carry_forward(jobs, record["job_id"], dict(record))
    return Replay(jobs, len(lines), False)


async def _resume(replay: Replay, prices: Prices | None = None) -> tuple[Any, Any]:
    job = pending("a", estimate=0.5)
    k = kit(ScriptedApi(), [job])
    plan = await plan_resume(
        k.book, replay, _NoVideos(), k.reconciler, k.clock, k.report,  # type: ignore[arg-type]
        prices=prices or {}, retry_failed=True, resubmit_lost=True, verify_files=False,
    )  # fmt: skip
    return k.book, plan


LOST = (
    {"job_id": "a", "event": "submitted", "state": "submitted", "request_id": "r1", "model": "m"},
    {"job_id": "a", "event": "result", "state": "downloading", "cost": 0.28},
    {"job_id": "a", "event": "expired", "state": "expired", "error": {"detail": "gone"}},
)


async def test_a_lost_charged_job_made_again_counts_its_charge_once():
    book, plan = await _resume(_replay(*LOST))
    (job,) = plan.submit
    assert job.paid_before == pytest.approx(0.28) and job.cost is None and job.request_id is None
    assert book.committed == pytest.approx(0.28)  # paid once; the new request holds its estimate when sent


async def test_a_job_made_again_then_deferred_by_a_later_run_still_counts_the_lost_charge():
    deferred = {"job_id": "a", "event": "deferred", "state": "deferred", "error": {"detail": "the cap"}}
    book, plan = await _resume(_replay(*LOST, deferred))
    (job,) = plan.submit
    assert job.state is JobState.DEFERRED
    assert job.paid_before == pytest.approx(0.28) and job.cost is None and job.request_id is None
    assert book.committed == pytest.approx(0.28)


async def test_a_job_already_made_again_in_flight_counts_its_earlier_charge_beside_its_own_hold():
    again = (
        {"job_id": "a", "event": "submitting", "state": "submitting", "paid_before": 0.28, "model": "m"},
        {"job_id": "a", "event": "submitted", "state": "submitted", "request_id": "r2"},
    )
    book, plan = await _resume(_replay(*LOST, *again))
    (job,) = plan.poll
    assert job.paid_before == pytest.approx(0.28) and job.request_id == "r2"
    assert book.committed == pytest.approx(0.28 + 0.5)  # the lost charge, and the new request's estimate


async def test_another_manifests_jobs_count_what_they_may_have_been_charged_at_the_configs_prices():
    sent = {"model": MODEL, "params": {"prompt": "p"}, "request_id": "r"}  # mode std, 5 s by default
    others = (
        {"job_id": "lost", "event": "expired", "state": "expired", **sent},  # may have finished, and been charged
        {"job_id": "running", "event": "submitted", "state": "submitted", **sent},  # charged once made
        {"job_id": "unsure", "event": "submitting", "state": "submitting", **sent},  # its submit's outcome unknown
        {"job_id": "paid", "event": "completed", "state": "completed", **sent, "cost": 0.28, "paid_before": 0.1},
        {"job_id": "refused", "event": "failed", "state": "failed", **sent, "unreported_before": 0.2},
        {"job_id": "new", "event": "deferred", "state": "deferred", **sent, "request_id": None},
    )
    book, _ = await _resume(_replay(*others), prices={MODEL: {"std": {5: 0.9}}})
    # three requests at the config's price, what was charged (0.28 + 0.1), and a lost earlier request's estimate
    assert book.committed == pytest.approx(3 * 0.9 + 0.38 + 0.2)
