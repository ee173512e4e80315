"""status, dry-run and validate tell the whole truth (issue 23, items 7-10)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from batchgen.models import catalogue
from batchgen.store.ledger import read_ledger
from batchgen.store.local import OutputDir
from batchgen.store.shards import Shard, shard_of
from tests.e2e.test_told_true import PER_SECOND_SPEC
from tests.helpers import KEY, many_jobs_yaml, run_batch, run_cli, write

ROOT = str(Path(__file__).resolve().parents[2])


def test_dry_run_with_replace_changed_counts_the_rows_it_pays_for_and_validate_exits_2(
    sim, tmp_path, monkeypatch, capsys
):
    server = sim()
    out = tmp_path / "out"
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(3))
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    write(manifest, many_jobs_yaml(3).replace("scene number 1", "scene number one"))
    capsys.readouterr()
    assert run_cli("run", str(manifest), "--out", str(out), "--dry-run", "--replace-changed") == 0
    printed = capsys.readouterr().out
    assert "1 changed job(s) will be made anew (--replace-changed; paid again)" in printed
    assert "the run stops (exit 2)" not in printed  # --replace-changed is given: it does not stop
    assert "(kept with the folder and used: --base-url --time-scale)" in printed
    assert "2 of these already completed; 1 to do" in printed and "estimated spend: $0.28" in printed
    # validate --out says what run would: the changed row stops the run (exit 2), named with its field.
    assert run_cli("validate", str(manifest), "--out", str(out)) == 2
    err = capsys.readouterr().err
    assert "job-001" in err and "prompt" in err and "--replace-changed" in err
    assert run_batch(manifest, out, server, "--replace-changed", monkeypatch=monkeypatch) == 0
    assert server.state.total_charged() == 4 * 0.28


def test_status_counts_jobs_never_submitted(sim, tmp_path, monkeypatch, capsys, refused_port):
    server = sim()
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(10))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    write(manifest, many_jobs_yaml(30))  # the manifest grew: 20 of its jobs were never submitted
    capsys.readouterr()
    for given in ([], ["--manifest", str(manifest)]):  # the folder keeps which manifest it was given
        assert run_cli("status", str(out), "--json", *given) == 0
        status = json.loads(capsys.readouterr().out)
        assert status["never_submitted"] == 20 and status["manifest_jobs"] == 30 and not status["finished"]
        assert "30 jobs in the manifest: 10 completed, 20 never submitted" in status["lines"][0]
    # A run that never reached the API recorded nothing: status still says how many wait.
    empty = tmp_path / "empty"
    monkeypatch.setenv("SEGMIND_API_KEY", KEY)
    assert run_cli("run", str(manifest), "--out", str(empty), "--base-url", f"http://127.0.0.1:{refused_port}",
                   "--time-scale", "2000", "--quiet") == 6  # fmt: skip
    capsys.readouterr()
    recorded = len(read_ledger(empty / "ledger.jsonl").jobs)
    assert run_cli("status", str(empty)) == 0
    assert f"{30 - recorded} never submitted" in capsys.readouterr().out


def test_status_sees_live_shard_runs(sim, tmp_path, monkeypatch, capsys):
    server = sim()
    out = tmp_path / "out"
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(8))
    for i in range(4):
        run_batch(manifest, out, server, "--shard", f"{i}/4", monkeypatch=monkeypatch)
    holders = [OutputDir(out, shard=Shard(i, 4)) for i in range(4)]
    for holder in holders:
        holder.lock()
    try:
        capsys.readouterr()
        assert run_cli("status", str(out), "--json") == 0
        status = json.loads(capsys.readouterr().out)
        assert status["running"] is True
        assert sorted(status["live_runs"]) == [f"{i}-of-4" for i in range(4)]
        assert f"4 runs (0-of-4 process {os.getpid()}" in status["lines"][2]
        assert "do not start another run" in "\n".join(status["lines"])
    finally:
        for holder in holders:
            holder.unlock()
    assert run_cli("status", str(out), "--json") == 0
    assert json.loads(capsys.readouterr().out)["running"] is False


def test_failure_reasons_group_without_their_request_ids_and_ages(sim, tmp_path, monkeypatch, capsys):
    server = sim()
    out = tmp_path / "out"
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(3))
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    for video in (out / "videos").glob("*.mp4"):
        video.unlink()
    server.state.config.output_ttl_s = 0.0
    server.state.config.expiry_s = 0.0
    capsys.readouterr()
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 1
    summary = capsys.readouterr().out
    assert summary.count("failures by reason") == 1
    grouped = [line for line in summary.splitlines() if line.startswith("    3 x ")]
    assert len(grouped) == 1, summary  # one line for the three, not one per job
    assert run_cli("status", str(out), "--json") == 0
    status = json.loads(capsys.readouterr().out)
    assert len(status["failures"]) == 1 and status["failures"][0]["count"] == 3
    details = status["failures"][0]["details"]  # each job's own text is kept
    assert all(job_id in text for job_id, text in details.items()) and len(details) == 3


def test_expiry_reasons_with_request_ids_and_ages_group():
    from batchgen.report.summary import group_failures

    failures = [
        (f"job-{i}", f"request 2c7f59ea-0000-4000-8000-00000000000{i} expired (records last 1 hour after submission; "
                     f"it was sent {100 + i} min ago) before its result was fetched")
        for i in range(5)
    ]  # fmt: skip
    groups = group_failures(failures)
    assert len(groups) == 1 and groups[0][1] == 5 and "2c7f59ea" not in groups[0][0]


def test_status_counts_the_manifest_s_jobs_not_the_rows_removed_from_it(sim, tmp_path, monkeypatch, capsys):
    # A row that failed is taken out of the manifest, and the run completes the rest (exit 0).  Status counted
    # every job of the ledger as "in the manifest", the removed one too: not finished, a failure to retry.
    server = sim()
    server.state.script("fail")
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(4))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, "--concurrency", "1", monkeypatch=monkeypatch) == 1
    failed = next(i for i, rec in read_ledger(out / "ledger.jsonl").jobs.items() if rec["state"] == "failed")
    rows = many_jobs_yaml(4).split("\n  - ")
    write(manifest, "\n  - ".join(row for row in rows if not row.startswith(f"id: {failed}\n")))
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    capsys.readouterr()
    assert run_cli("status", str(out), "--json") == 0
    status = json.loads(capsys.readouterr().out)
    assert (status["manifest_jobs"], status["states"], status["finished"]) == (3, {"completed": 3}, True)
    assert status["failures"] == [] and status["outside_manifest"] == 1
    assert status["lines"][0].endswith(": 3 jobs in the manifest: 3 completed")
    assert status["lines"][1] == (
        "  1 more job in the ledger not in the manifest (rows removed, or another manifest's): counted in the spend "
        "alone"
    )
    assert status["spend_usd"] == round(server.state.total_charged(), 6) == 0.84
    assert not any("--retry-failed" in line for line in status["lines"]) and "  all jobs completed" in status["lines"]


def test_the_report_and_status_each_say_which_jobs_they_count(sim, tmp_path, monkeypatch, capsys):
    """The world above (a failed row taken out of the manifest): the report counts the ledger's four jobs, status
    the manifest's three; each says plainly which set it counts, and, with no manifest known, status the
    ledger's, as the report."""
    server = sim()
    server.state.script("fail")
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(4))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, "--concurrency", "1", monkeypatch=monkeypatch) == 1
    failed = next(i for i, rec in read_ledger(out / "ledger.jsonl").jobs.items() if rec["state"] == "failed")
    rows = many_jobs_yaml(4).split("\n  - ")
    write(manifest, "\n  - ".join(row for row in rows if not row.startswith(f"id: {failed}\n")))
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    assert run_cli("report", str(out)) == 0
    page = (out / "report.html").read_text()
    assert '<tr><th>jobs in the ledger</th><td class="num">4</td></tr>' in page
    assert "This page counts every job of the folder&#x27;s ledger: rows since removed from the manifest" in page
    capsys.readouterr()
    assert run_cli("status", str(out), "--json") == 0
    status = json.loads(capsys.readouterr().out)
    assert (status["counted"], status["jobs"], status["outside_manifest"]) == ("manifest", 3, 1)
    manifest.unlink()  # the manifest the folder's last run was given is gone: status counts the ledger's jobs
    assert run_cli("status", str(out), "--json") == 0
    status = json.loads(capsys.readouterr().out)
    assert (status["counted"], status["jobs"]) == ("ledger", 4)
    assert status["lines"][0] == f"{out}: 4 jobs in the ledger: 3 completed, 1 failed"


def test_status_counts_the_manifest_of_a_model_given_with_models_and_its_rows_never_sent(
    sim, tmp_path, monkeypatch, capsys
):
    # A batch of a model of the user's spec file (--models): status read the kept manifest without that file,
    # could not, and went by the ledger alone: a row added since was not counted, and a folder with a job
    # never submitted was told "all jobs completed".
    spec = write(tmp_path / "kling-per-second.yaml", PER_SECOND_SPEC)
    server = sim(extra_specs=(str(spec),))
    rows = [f'  - {{id: ps-{i}, prompt: "scene {i}", duration: 3}}' for i in range(3)]
    manifest = write(tmp_path / "m.yaml", "\n".join(["model: kling-per-second", "jobs:", *rows[:2]]) + "\n")
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, "--models", str(spec), monkeypatch=monkeypatch) == 0
    write(manifest, "\n".join(["model: kling-per-second", "jobs:", *rows]) + "\n")
    capsys.readouterr()
    catalogue.use()  # status runs in a process of its own, given no --models: the shipped models alone
    assert run_cli("status", str(out), "--json") == 0
    status = json.loads(capsys.readouterr().out)
    assert (status["manifest_jobs"], status["never_submitted"], status["finished"]) == (3, 1, False)
    assert status["lines"][0].endswith(": 3 jobs in the manifest: 2 completed, 1 never submitted")
    assert "  all jobs completed" not in status["lines"]
    # The same manifest named with --manifest reads with the folder's spec file too.
    assert run_cli("status", str(out), "--manifest", str(manifest), "--json") == 0
    assert json.loads(capsys.readouterr().out)["never_submitted"] == 1
    assert run_batch(manifest, out, server, "--models", str(spec), monkeypatch=monkeypatch) == 0
    capsys.readouterr()
    assert run_cli("status", str(out), "--json") == 0
    status = json.loads(capsys.readouterr().out)
    assert (status["manifest_jobs"], status["states"], status["finished"]) == (3, {"completed": 3}, True)
    assert server.state.total_charged() == pytest.approx(3 * 0.15)


def test_status_of_a_sharded_folder_names_the_shards_whose_jobs_were_never_submitted(
    sim, tmp_path, monkeypatch, capsys
):
    # Only shard 0 of 3 has run: status told its jobs never submitted to "run the same 'batchgen run' again",
    # a command that sends none of them (they are the other shards').  A row added since to a shard that ran
    # is that shard's run's to send.
    server = sim()
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(9))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, "--shard", "0/3", monkeypatch=monkeypatch) == 0
    ids = [f"job-{i:03d}" for i in range(9)]
    waiting = sorted({shard_of(i, 3) for i in ids} - {0})
    added = next(f"added-{k}" for k in range(100) if shard_of(f"added-{k}", 3) == 0)
    write(manifest, many_jobs_yaml(9) + f'  - id: {added}\n    prompt: "a row added"\n')
    capsys.readouterr()
    assert run_cli("status", str(out), "--json") == 0
    status = json.loads(capsys.readouterr().out)
    ran = sum(shard_of(i, 3) == 0 for i in ids)
    assert (status["never_submitted"], status["states"]) == (10 - ran, {"completed": ran})
    assert not any("run the same 'batchgen run' again" in line for line in status["lines"])
    flags = ", ".join(f"--shard {index}/3" for index in waiting)
    assert status["lines"][-2:] == [
        "  1 never submitted, of shards that ran: run the 'batchgen run' of each one's shard (--shard 0/3) again to "
        "send them",
        f"  {9 - ran} never submitted, of {len(waiting)} shards not run here yet: run 'batchgen run' for each "
        f"({flags}) to send them",
    ]
    for index in waiting:  # each shard named, run: the folder completes
        assert run_batch(manifest, out, server, "--shard", f"{index}/3", monkeypatch=monkeypatch) == 0
    assert run_batch(manifest, out, server, "--shard", "0/3", monkeypatch=monkeypatch) == 0
    capsys.readouterr()
    assert run_cli("status", str(out), "--json") == 0
    status = json.loads(capsys.readouterr().out)
    assert (status["states"], status["finished"]) == ({"completed": 10}, True)
    assert server.state.total_charged() == pytest.approx(10 * 0.28)


def test_the_dry_run_of_another_shard_count_than_the_folders_is_refused_as_the_run_is(
    sim, tmp_path, monkeypatch, capsys
):
    # A folder run as 3 shards: the dry run without --shard (or with --shard I/2) counted the jobs done and to
    # do, with an estimate, and exited 0, while the run it described is refused at once (exit 2).
    server = sim()
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(6))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, "--shard", "0/3", monkeypatch=monkeypatch) == 0
    for shard in ([], ["--shard", "1/2"]):
        capsys.readouterr()
        assert run_cli("run", str(manifest), "--out", str(out), "--dry-run", *shard) == 2, shard
        told = capsys.readouterr()
        assert "estimated spend" not in told.out
        asks = "1-of-2" if shard else "one (no --shard)"
        assert f"was run as 3 shard(s) (0-of-3) and this run asks for {asks}" in told.err
        assert run_batch(manifest, out, server, *shard, monkeypatch=monkeypatch) == 2  # as the run is
    capsys.readouterr()
    assert run_cli("run", str(manifest), "--out", str(out), "--dry-run", "--shard", "1/3") == 0
    assert "estimated spend" in capsys.readouterr().out
    assert len(server.state.submissions) == sum(shard_of(f"job-{i:03d}", 3) == 0 for i in range(6))


def test_status_names_the_rows_changed_since_their_ids_were_sent_and_does_not_call_the_batch_finished(
    sim, tmp_path, monkeypatch, capsys
):
    # A row's prompt changed after its video was made: status said "all jobs completed" ("finished": true)
    # while the next run stops with exit 2 and the manifest's video for that row was never made.
    server = sim()
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(3))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    write(manifest, many_jobs_yaml(3).replace("scene number 1", "scene number one"))
    capsys.readouterr()
    assert run_cli("status", str(out), "--json") == 0
    status = json.loads(capsys.readouterr().out)
    assert status["finished"] is False and "  all jobs completed" not in status["lines"]
    assert status["lines"][-1] == (
        "  1 row of the manifest asks for something other than what its id was sent as (job-001): the next run "
        "stops (exit 2); run it with --replace-changed to make it anew (paid again), or give the row a new id"
    )
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 2  # as status said
    assert run_batch(manifest, out, server, "--replace-changed", monkeypatch=monkeypatch) == 0
    capsys.readouterr()
    assert run_cli("status", str(out), "--json") == 0
    status = json.loads(capsys.readouterr().out)
    assert status["finished"] is True and status["lines"][-1] == "  all jobs completed"
    assert server.state.total_charged() == pytest.approx(4 * 0.28)


def test_status_results_to_stdout_writes_the_table_alone(sim, tmp_path, monkeypatch, capsys):
    """``status OUT --results -`` is for a pipe: the CSV and nothing else (a summary after it would be read as rows)."""
    out = tmp_path / "out"
    assert run_batch(write(tmp_path / "m.yaml", many_jobs_yaml(3)), out, sim(), monkeypatch=monkeypatch) == 0
    capsys.readouterr()
    assert run_cli("status", str(out), "--results", "-") == 0
    printed = capsys.readouterr().out
    assert printed == (out / "results.csv").read_text()


def test_shards_without_a_shard_to_run_is_refused_not_ignored(sim, tmp_path, monkeypatch, capsys):
    server = sim()
    code = run_batch(write(tmp_path / "m.yaml", many_jobs_yaml(3)), tmp_path / "out", server, "--shards", "4",
                     monkeypatch=monkeypatch)  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "--shards N goes with --shard auto or --ray; for one shard of N use --shard I/N" in err
    assert server.state.submissions == []


@pytest.mark.parametrize("given", [["--json"], ["--results", "-"], []])
def test_status_read_by_a_pipe_closed_early_exits_0_without_a_traceback(sim, tmp_path, monkeypatch, given):
    # 'batchgen status OUT --json | head -1': the reader leaves before the end, and the next write met a
    # closed pipe: a traceback (BrokenPipeError) and exit 1 for a status that was fine.
    server = sim()
    out = tmp_path / "out"
    assert run_batch(write(tmp_path / "m.yaml", many_jobs_yaml(3)), out, server, monkeypatch=monkeypatch) == 0
    read, written = os.pipe()
    os.close(read)  # the reader is gone before anything is written
    try:
        done = subprocess.run(
            [sys.executable, "-m", "batchgen", "status", str(out), *given],
            stdout=written, stderr=subprocess.PIPE, text=True, timeout=60, env={**os.environ, "PYTHONPATH": ROOT},
        )  # fmt: skip
    finally:
        os.close(written)
    assert done.returncode == 0 and "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr


def test_a_job_in_flight_whose_row_was_removed_is_its_own_shards_to_fetch(sim, tmp_path, monkeypatch, capsys):
    # Every shard's run took up every job in flight whose row left the manifest, its shard's or not: two runs
    # would poll the same job and write its video.  Only the shard its id falls in takes it up.
    server = sim()
    out = tmp_path / "out"
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(2))
    for index in range(2):
        assert run_batch(manifest, out, server, "--shard", f"{index}/2", monkeypatch=monkeypatch) == 0
    gone = next(f"gone-{k}" for k in range(100) if shard_of(f"gone-{k}", 2) == 1)
    lines = [
        {"v": 1, "ts": "2026-01-01T00:00:00.000Z", "job_id": gone, "event": "submitting", "state": "submitting",
         "model": "kling-text2video", "params": {"prompt": "a row since removed"}},
        {"v": 1, "ts": "2026-01-01T00:00:00.001Z", "job_id": gone, "event": "submitted", "state": "submitted",
         "model": "kling-text2video", "request_id": "r-gone"},
    ]  # fmt: skip
    with OutputDir(out, shard=Shard(1, 2)).ledger.open("a") as ledger:
        ledger.write("".join(json.dumps(line) + "\n" for line in lines))
    capsys.readouterr()
    for index in range(2):
        assert run_cli("run", str(manifest), "--out", str(out), "--dry-run", "--shard", f"{index}/2") == 0
        noted = f"1 job(s) in flight have no row in the manifest any more ({gone})" in capsys.readouterr().out
        assert noted is (index == 1), index


def test_status_of_another_manifest_names_the_run_of_that_manifest_for_its_jobs_not_the_same_run_again(
    sim, tmp_path, monkeypatch, capsys
):
    # 'status --manifest OTHER' said "run the same 'batchgen run' again" for OTHER's rows never sent: that run
    # (the folder's last, of its own manifest) never sends them.
    server = sim()
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(2))
    other = write(tmp_path / "other.yaml", many_jobs_yaml(3, prefix="other"))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    capsys.readouterr()
    assert run_cli("status", str(out), "--manifest", str(other)) == 0
    told = capsys.readouterr().out
    assert f"3 never submitted: run 'batchgen run {other} --out {out}' to submit them" in told, told
    assert "the same 'batchgen run'" not in told
    assert run_cli("status", str(out), "--manifest", str(manifest)) == 0  # the folder's own: nothing to send
    assert "all jobs completed" in capsys.readouterr().out
    # the command named is the one that sends them
    assert run_batch(other, out, server, monkeypatch=monkeypatch) == 0
    assert len(server.state.submissions) == 5


def test_jobs_made_and_left_unfetched_are_told_apart_from_the_spend_with_what_they_will_cost(
    sim, tmp_path, monkeypatch, capsys
):
    # Every result is redirected away and there is no history: the three jobs are made (and charged as they
    # finish) but never fetched, so no answer reports their cost.  The spend line counts none of them; the
    # summary says so, and what they come to.
    server = sim(redirect_routes=frozenset({"result"}), history="off", nonterminal_result="error-400")
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(3))
    assert run_batch(manifest, tmp_path / "out", server, monkeypatch=monkeypatch) == 6
    printed = capsys.readouterr().out
    assert "spend $0.00 in this folder" in printed
    charged = server.state.total_charged()
    assert charged == pytest.approx(3 * 0.28)
    assert (
        f"3 jobs made and not fetched are not in that spend, their charge not yet reported: about ${charged:.2f} "
        "more at the catalogue's prices, charged for each that completes"
    ) in printed
    assert run_cli("status", str(tmp_path / "out")) == 0
    told = capsys.readouterr().out
    assert (
        f"spend $0.00; 3 jobs made and not fetched are not in it, their charge not yet reported: about ${charged:.2f} "
        "more at the catalogue's prices, charged for each that completes"
    ) in told
    assert run_cli("status", str(tmp_path / "out"), "--json") == 0
    counted = json.loads(capsys.readouterr().out)
    assert counted["unfetched"] == 3 and counted["unfetched_usd"] == pytest.approx(charged)
    # Where every job is fetched, the spend is all that was charged, and no such line is written.
    plain = sim()
    assert run_batch(manifest, tmp_path / "plain", plain, monkeypatch=monkeypatch) == 0
    printed = capsys.readouterr().out
    assert f"spend ${plain.state.total_charged():.2f} in this folder" in printed and "not in that spend" not in printed
    assert run_cli("status", str(tmp_path / "plain")) == 0
    assert "not fetched" not in capsys.readouterr().out


def test_jobs_made_and_left_unfetched_are_priced_as_the_config_prices_them_and_status_says_at_whose_prices(
    sim, tmp_path, monkeypatch, capsys
):
    # The config prices a 5-s standard job at $1.00 (the catalogue: $0.28).  The run's summary counts the three
    # jobs it made and could not fetch at the config's price; status reads no config, and says it counts them at
    # the catalogue's.
    server = sim(redirect_routes=frozenset({"result"}), history="off", nonterminal_result="error-400")
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(3))
    config = write(tmp_path / "c.yaml", "prices:\n  kling-text2video:\n    std:\n      5: 1.0\n")
    assert run_batch(manifest, tmp_path / "out", server, "--config", str(config), monkeypatch=monkeypatch) == 6
    assert (
        "3 jobs made and not fetched are not in that spend, their charge not yet reported: about $3.00 more at the "
        "config's prices (the catalogue's where it gives none)"
    ) in capsys.readouterr().out
    assert run_cli("status", str(tmp_path / "out")) == 0
    assert "not yet reported: about $0.84 more at the catalogue's prices" in capsys.readouterr().out
