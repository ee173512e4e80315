"""Review of the one-job-at-a-time trial (commit f8f9c3b: ``batchgen/engine/trials.py``, the feeder's line, the
submitter's use of them): each fault found, each a test that failed until it was mended."""

from __future__ import annotations

import anyio

from batchgen.engine.pollplan import latency_key
from batchgen.errors import AmbiguousSubmit
from batchgen.jobs import JobSpec, JobState, TrackedJob
from batchgen.store.ledger import read_ledger
from tests.e2e.test_outliving import held_jobs, trial_left_unknown
from tests.engine.doubles import pending, row_for
from tests.engine.test_audit_outliving import feed_and_submit, trial_kit
from tests.helpers import run_batch, run_cli


def of_kind_b(job_id: str, prompt: str) -> TrackedJob:
    """A job of another kind (another model) than ``pending``'s."""
    return TrackedJob(JobSpec(job_id, "kling-2.6", {"prompt": prompt}), JobState.PENDING, 0.28)


async def test_two_jobs_of_a_kind_on_trial_left_submitting_and_shown_never_made_do_not_wait_for_each_other():
    older, newer = pending("a", prompt="a fox"), pending("b", prompt="a hare")  # one kind
    k, _, stage_ = trial_kit([older, newer], ["r-new", "r-old"], on_trial=older)
    now = k.clock.epoch()
    for job, ago in ((older, 400.0), (newer, 300.0)):  # a killed run's two POSTs of the kind
        job.submitted_epoch = job.posted_epoch = now - ago
        k.book.adopt(job, JobState.SUBMITTING, in_flight=True)
    # a request of ours sent after both, listed: the history has caught up with them, and lists neither
    other = pending("d", prompt="an owl")
    k.api.rows = [row_for(other, "r-d", now - 200.0)]
    k.reconciler.note_submitted("r-d", now - 200.0, posted=now - 200.0, model=other.spec.model)
    stage_.trials.resumed([older, newer])  # as Run.start does: the newer is the kind's claimant
    async with k.clock.autojump():
        with anyio.fail_after(8):
            async with anyio.create_task_group() as tg:
                tg.start_soon(stage_.settle_resumed, older)
                tg.start_soon(stage_.settle_resumed, newer)
                await k.clock.sleep(3600.0)  # an hour on: both look-ups long over
                posted = [p["prompt"] for p in k.api.posted]
                waiting = [job.spec.id for job in (older, newer) if job.holds_slot and job.request_id is None]
                tg.cancel_scope.cancel()
    assert k.ledger.events("a")[:1] == k.ledger.events("b")[:1] == ["reconciled_absent"]
    # one of them (the claimant) is sent again, alone of its kind; the other waits for it
    assert len(posted) == 1, (posted, waiting)


async def test_two_trials_of_unknown_outcome_do_not_wait_a_records_life_for_each_others_jobs_set_aside():
    a1, a2 = pending("a1", prompt="a fox"), pending("a2", prompt="a hare")
    b1, b2 = of_kind_b("b1", "an owl"), of_kind_b("b2", "a wren")
    jobs = [a1, b1, a2, b2]
    # a history that answers and lists neither trial (nor yet any finished job of ours with its link)
    k, life, stage_ = trial_kit(jobs, [AmbiguousSubmit("no answer"), AmbiguousSubmit("no answer")], on_trial=a1)
    life.kinds.carry(latency_key(b1.spec), 2, 0)  # the earlier run held both kinds
    life.unknown = lambda sent_at: None  # (the life cap's own slot for it: not here)
    await feed_and_submit(k, stage_, jobs, 900.0)  # the look-ups themselves are over in under ten minutes
    assert [p["prompt"] for p in k.api.posted] == ["a fox", "an owl"]  # one of each kind, as it should be
    # neither trial waits a record's life for jobs that cannot go before one of them ends
    assert [job.spec.id for job in (a1, b1) if job.holds_slot] == []
    assert k.ledger.events("a1")[-1] == k.ledger.events("b1")[-1] == "settle_later"
    assert a2.state is b2.state is JobState.DEFERRED


async def test_a_lost_submit_of_another_kind_is_not_told_no_rerun_settles_it_while_jobs_held_by_a_trial_are_left():
    trial, nxt = pending("a1", prompt="a fox"), pending("a2", prompt="a hare")
    lost = of_kind_b("j", "an owl")
    jobs = [trial, lost, nxt]
    k, life, stage_ = trial_kit(jobs, [AmbiguousSubmit("no answer"), AmbiguousSubmit("no answer")], on_trial=trial)
    life.unknown = lambda sent_at: None  # (the life cap's own slot for it: not here)
    await feed_and_submit(k, stage_, jobs, 900.0)
    assert [p["prompt"] for p in k.api.posted] == ["a fox", "an owl"]
    assert nxt.state is JobState.DEFERRED and k.ledger.events("a2") == ["outlives_record"]
    assert "a later run" in (nxt.error or "")  # held back, for a later run to send
    assert k.ledger.events("j")[-1] == "settle_later"
    said = [fields for jid, _, _, fields in k.ledger.lines if jid == "j"][-1]
    assert said.get("error", {}).get("rerun") is not False, said
    assert "No job is left to send in this manifest" not in (lost.error or "")


def test_validate_does_not_promise_a_trial_goes_while_one_of_unknown_outcome_holds_the_rest(
    sim, tmp_path, monkeypatch, capsys
):
    manifest, out, server = trial_left_unknown(sim, tmp_path, monkeypatch)
    assert len(held_jobs(out)) == 1
    capsys.readouterr()
    assert run_cli("validate", str(manifest), "--out", str(out)) == 0
    planned = " ".join(capsys.readouterr().out.split())
    # what the next run, soon after, does: it looks the trial up, and sends none of them
    assert run_batch(manifest, out, server, "--concurrency", "2", monkeypatch=monkeypatch) == 1
    assert len(server.state.submissions) == 4
    assert "one of them goes first, alone of its kind" not in planned
    trial = next(
        job_id for job_id, rec in read_ledger(out / "ledger.jsonl").jobs.items() if rec["state"] == "submitting"
    )
    assert f"job {trial} of the kind, of unknown outcome, is looked up first" in planned
    assert "else none of them goes beside it before" in planned
