"""A request history that spells request ids otherwise than submits do (32 bare hex digits, as in the SDK's
history example), names models otherwise than their slugs, or keeps request bodies otherwise than they were
sent: sweeps, lost submits and look-ups by id still find every job, and nothing is paid twice."""

from __future__ import annotations

import json

import pytest

from batchgen.store.ledger import read_ledger
from tests.e2e.test_crash import assert_every_job_completed
from tests.helpers import KEY, charges_per_job, many_jobs_yaml, run_batch, run_cli, write


def settles_every_lost_submit(sim, tmp_path, monkeypatch, **world):
    """24 jobs on 8 workers in ``world``, a quarter of the submits' answers lost: every job completes, some
    found in the history after their answers were lost, each paid once.  The simulator, for more checks."""
    server = sim(time_scale=500, workers=8, seed=3, rates={"submit_drop_after": 0.25}, **world)
    jobs = 24
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(jobs))
    out = tmp_path / "out"
    # (at 500 times the wall's pace, a loaded machine's second-long stall is 500 s of silence: the run would
    # take the API for unreachable, which is not what this world is about)
    config = write(tmp_path / "c.yaml", "api:\n  unreachable_after_s: 3600\n")
    code = run_batch(manifest, out, server, "--concurrency", "8", "--config", str(config), monkeypatch=monkeypatch)
    assert code == 0
    assert_every_job_completed(out, jobs)
    lost = [e for e in map(json.loads, (out / "ledger.jsonl").read_text().splitlines()) if e["event"] == "reconciled"]
    assert lost  # found in the history, not taken for never made and sent again
    assert set(charges_per_job(server).values()) == {1} and len(server.state.charges) == jobs
    return server


def test_sweeps_and_lost_submits_find_every_job_in_a_history_that_spells_ids_without_dashes(sim, tmp_path, monkeypatch):
    server = settles_every_lost_submit(sim, tmp_path, monkeypatch, history_ids="bare")
    # each job is found by the sweeps, not polled one by one (a history not read says so, and polls each).  A few
    # are polled before the history has shown a finished job of ours with its link (until then it stands in for no
    # record that may die), more on a loaded machine, where the simulator's time runs on while the client waits.
    assert server.state.counters["/v2/requests/{rid}"] < 24 / 2


@pytest.mark.parametrize("names", ["prefixed", "titled"])
def test_lost_submits_are_found_in_a_history_that_names_models_otherwise_than_their_slugs(
    sim, tmp_path, monkeypatch, names
):
    settles_every_lost_submit(sim, tmp_path, monkeypatch, history_model_names=names)


@pytest.mark.parametrize("bodies", ["filled", "text"])
def test_lost_submits_are_found_in_a_history_that_keeps_bodies_otherwise_than_sent(sim, tmp_path, monkeypatch, bodies):
    settles_every_lost_submit(sim, tmp_path, monkeypatch, history_bodies=bodies)  # by the fields sent


def test_a_history_that_keeps_no_bodies_leaves_lost_submits_unsent_and_says_why(sim, tmp_path, monkeypatch, capsys):
    server = sim(time_scale=500, workers=8, seed=3, history_bodies="none", rates={"submit_drop_after": 0.25})
    jobs = 24
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(jobs))
    out = tmp_path / "out"
    monkeypatch.setenv("SEGMIND_API_KEY", KEY)
    rc = run_cli("run", str(manifest), "--out", str(out), "--base-url", server.url, "--time-scale", "500",
                 "--concurrency", "8")  # fmt: skip
    assert rc == 6
    states = {rec["state"] for rec in read_ledger(out / "ledger.jsonl").jobs.values()}
    assert states == {"completed", "submitting"}
    assert set(charges_per_job(server).values()) == {1}  # made once each: none sent again on a guess
    said = capsys.readouterr().out
    assert "does not keep request bodies as they were sent" in said and "give the manifest row a new id" in said
    # a plain re-run reads the same history: the summary and the ledger say it does not settle them
    left = [rec for rec in read_ledger(out / "ledger.jsonl").jobs.values() if rec["state"] == "submitting"]
    assert all(rec["error"].get("rerun") is False and rec["error"].get("send_settles") is False for rec in left)
    assert f"a plain re-run settles none of the {len(left)} left" in said.replace("A plain", "a plain")


def test_a_history_that_lists_requests_only_once_finished_never_has_a_lost_submit_paid_twice(
    sim, tmp_path, monkeypatch
):
    # A request sent after the lost one, and quicker, is listed first: it does not show the lost one absent.
    server = sim(time_scale=200, workers=8, seed=2, history_shows="finished", rates={"submit_drop_after": 0.25})
    jobs = 24
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(jobs))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, "--concurrency", "8", monkeypatch=monkeypatch) in (0, 6)
    assert set(charges_per_job(server).values()) == {1}
    states = [rec["state"] for rec in read_ledger(out / "ledger.jsonl").jobs.values()]
    assert set(states) <= {"completed", "submitting"} and len(states) == jobs
    # a job left submitting is settled by the next run, from its row, once listed: not made again
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    assert_every_job_completed(out, jobs)
    assert set(charges_per_job(server).values()) == {1} and len(server.state.charges) == jobs


@pytest.mark.parametrize("shows", ["all", "finished"])
def test_a_lost_submit_is_not_taken_for_never_made_where_answers_come_slower_than_the_history_lists(
    sim, tmp_path, monkeypatch, shows
):
    # Answers that come 75 s after the job is made (a slow gateway); jobs of a minute, a history 30 s behind.
    # How long our requests took to be listed was timed from their answers: 10-40 s, where a lost submit,
    # timed from its POST, is listed 30-90 s on.  Its absence was concluded too soon, and it was paid twice.
    settles_every_lost_submit(
        sim,
        tmp_path,
        monkeypatch,
        submit_answer_delay_s=0.15,
        history_lag_s=30.0,
        model_latency_s={"kling-text2video": 60.0},
        history_shows=shows,
    )


def test_lost_submits_are_never_paid_twice_where_the_history_names_one_model_by_slug_and_another_by_title(
    sim, tmp_path, monkeypatch
):
    # kling-text2video is listed by its slug, kling-2.6 under a title ("Kling 2.6").  Four kling-text2video jobs
    # go first, then one of kling-2.6 whose submit is made (and paid) and its answer lost.  The rows of ours
    # listed by their slugs are no proof that every model is: looked for by its slug, the lost submit's row is
    # not found, and its absence would have it sent again.
    server = sim(time_scale=500, seed=3, history_titled={"kling-2.6"})
    server.state.script("submit_error_after", after=4)
    models = ["kling-text2video"] * 4 + ["kling-2.6"] + ["kling-text2video"] * 11
    manifest = write(tmp_path / "m.yaml", "jobs:\n" + "".join(
        f'  - {{id: job-{i:03d}, model: {model}, prompt: "scene number {i}"}}\n' for i, model in enumerate(models)
    ))  # fmt: skip
    out = tmp_path / "out"
    for _ in range(3):  # the run that lost it, and re-runs
        run_batch(manifest, out, server, "--concurrency", "4", monkeypatch=monkeypatch)
        assert set(charges_per_job(server).values()) == {1} and len(server.state.submissions) == len(models)
