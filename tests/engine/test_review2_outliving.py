"""Second review of the kind hold (a kind of job that outlives its records where no history stands in): faults
the first review did not find, each shown by a test that fails until it is mended."""

from __future__ import annotations

from typing import Any

from batchgen.api.answers import HistoryRow
from batchgen.engine.resume import outlived
from batchgen.errors import AmbiguousSubmit, NotFound
from batchgen.jobs import JobSpec, JobState, TrackedJob
from batchgen.store.ledger import read_ledger
from tests.engine.doubles import ScriptedApi, pending
from tests.engine.test_audit_outliving import feed_and_submit, submit_each, trial_kit
from tests.helpers import many_jobs_yaml, run_batch, write

# as tests/e2e/test_outliving.py (twice as fast): records live a minute, a job takes five, the history answers 404
OUTLIVED = {"time_scale": 400.0, "history": "off", "expiry_s": 60.0, "latency_sigma": 0.0, "tail_rate": 0.0}
SLOW = {"kling-2.6": 300.0}


def test_a_credit_stop_while_resubmit_lost_remakes_a_held_kind_keeps_it_on_trial(sim, tmp_path, monkeypatch):
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(3, model="kling-2.6"))
    out = tmp_path / "out"
    first = sim(seed=6, model_latency_s=SLOW, **OUTLIVED)
    # the first two go together, the third alone: its death is the second with no wait, and the kind is held
    assert run_batch(manifest, out, first, "--concurrency", "2", monkeypatch=monkeypatch) == 1
    assert {rec["state"] for rec in read_ledger(out / "ledger.jsonl").jobs.values()} == {"expired"}
    # the operator makes the lost jobs again, and the account is out of credits: the trial's submit stops the run
    broke = sim(seed=7, model_latency_s=SLOW, credits=0.0, **OUTLIVED)
    assert run_batch(manifest, out, broke, "--concurrency", "2", "--resubmit-lost", monkeypatch=monkeypatch) == 3
    # topped up, the run after must still try the kind with one job alone: its death holds the rest again
    topped = sim(seed=8, model_latency_s=SLOW, **OUTLIVED)
    run_batch(manifest, out, topped, "--concurrency", "2", monkeypatch=monkeypatch)  # (the deferred are sent)
    assert len(topped.state.submissions) == 1


class NoHistory(ScriptedApi):
    """The API with no request history: it answers 404 to every history read."""

    async def history(self, **_: object) -> list[HistoryRow]:
        raise NotFound("no request history")

    async def history_get(self, request_id: str) -> HistoryRow:
        raise NotFound("no request history")


async def test_a_trial_submit_of_unknown_outcome_keeps_the_rest_of_its_kind_waiting():
    trial, nxt = jobs = [pending("a"), pending("b", prompt="a hare")]
    k, life, stage_ = trial_kit(jobs, [], on_trial=trial)
    k.api = k.reconciler.api = NoHistory(submits=[AmbiguousSubmit("no answer after sending"), "r-b"])
    stage_.api = k.api
    life.unknown = lambda sent_at: None  # (the life cap's own slot for it: not here)
    await submit_each(k, stage_, jobs, 60)
    # nothing can say whether it was made: left 'submitting', it may be a job of the kind in the account's queue
    assert trial.state is JobState.SUBMITTING and k.ledger.events("a")[-1] == "reconcile_failed"
    assert [p["prompt"] for p in k.api.posted] == ["a fox"]  # on trial, no second job of the kind beside it
    assert nxt.state is JobState.DEFERRED and k.ledger.events("b") == ["outlives_record"]
    assert k.report.held_back == [("b", nxt.error)] and "job a of the kind may or may not have been made" in (
        nxt.error or ""
    )


async def test_a_trial_submit_of_unknown_outcome_does_not_wait_a_records_life_for_a_job_that_waits_on_it():
    trial, nxt = jobs = [pending("a"), pending("b", prompt="a hare")]
    # a history that answers and does not list it (nor yet any finished job of ours with its link)
    k, life, stage_ = trial_kit(jobs, [AmbiguousSubmit("no answer after sending"), "r-b"], on_trial=trial)
    life.unknown = lambda sent_at: None  # (the life cap's own slot for it: not here)
    # its look-ups (under ten minutes) are over
    stuck = await submit_each(
        k, stage_, jobs, 900, lambda: trial.holds_slot and trial.state is JobState.SUBMITTING and len(k.api.posted) == 1
    )
    assert not stuck  # it waits for "a hare", and "a hare" waits for it, until its record's life is out
    assert trial.state is JobState.SUBMITTING and k.ledger.events("a")[-1] == "settle_later"
    assert nxt.state is JobState.DEFERRED and k.ledger.events("b") == ["outlives_record"]


def test_a_video_whose_post_went_out_before_the_hold_does_not_end_it_for_the_next_run():
    kind = ("kling-2.6", "pro", 10)
    jobs = [JobSpec(f"j{i}", "kling-2.6", {"prompt": str(i), "mode": "pro", "duration": 10}) for i in range(3)]
    known: dict[str, dict[str, Any]] = {
        # the second death with no wait: its line holds the kind
        "j0": {"state": "expired", "event": "expired", "ts": "2026-12-01T10:05:00.000Z",
               "outlived": {"died": 2, "made": 0}},
        # a job whose POST had gone out (an image body, a slow front end) before the hold, and whose answer came
        # after it: sent before the line, it made a video (in the run, 1 video against 2 deaths: still held)
        "j1": {"state": "completed", "event": "completed", "ts": "2026-12-01T10:09:00.000Z",
               "posted_at": "2026-12-01T10:04:40.000Z", "submitted_at": "2026-12-01T10:05:02.000Z"},
        # held
        "j2": {"state": "deferred", "event": "outlives_record", "ts": "2026-12-01T10:05:00.100Z",
               "outlived": {"died": 2, "made": 0}},
    }  # fmt: skip
    assert outlived(known, jobs) == {kind: (2, 0)}


def test_a_kind_held_by_another_manifests_run_in_the_same_folder_is_taken_up_on_trial(sim, tmp_path, monkeypatch):
    out = tmp_path / "out"
    first = write(tmp_path / "a.yaml", many_jobs_yaml(3, model="kling-2.6", prefix="a"))
    server = sim(seed=6, model_latency_s=SLOW, **OUTLIVED)
    # the first two go together, the third alone: its death is the second with no wait, and the kind is held
    assert run_batch(first, out, server, "--concurrency", "2", monkeypatch=monkeypatch) == 1
    lines = read_ledger(out / "ledger.jsonl").jobs.values()
    assert any(rec.get("outlived", {}).get("died") == 2 for rec in lines)
    # the next night's manifest, the same kind, the same folder and account: its jobs outlive their records too
    second = write(tmp_path / "b.yaml", many_jobs_yaml(3, model="kling-2.6", prefix="b"))
    again = sim(seed=7, model_latency_s=SLOW, **OUTLIVED)
    run_batch(second, out, again, "--concurrency", "2", monkeypatch=monkeypatch)
    assert len(again.state.submissions) == 1  # one on trial, whose death holds the rest


async def test_jobs_waiting_on_a_trial_do_not_keep_jobs_of_other_kinds_from_the_room():
    trial, waiting = pending("a"), pending("b", prompt="a hare")
    other = TrackedJob(JobSpec("c", "kling-2.6", {"prompt": "an owl"}), JobState.PENDING, 0.28)
    jobs = [trial, waiting, other]
    k, _, stage_ = trial_kit(jobs, ["r-a", "r-next"], on_trial=trial)  # two slots, and room for two
    # the trial job is in flight (its record lives an hour)
    posted = await feed_and_submit(k, stage_, jobs, 600, lambda: [p["prompt"] for p in k.api.posted])
    assert trial.request_id == "r-a" and trial.holds_slot
    assert posted == ["a fox", "an owl"]  # the other kind's job goes beside the trial, as the room allows
    assert not waiting.holds_slot and waiting.state is JobState.PENDING  # set aside: no slot, not sent
