"""Review of commit 728c094 (a lost job's estimate keeps counting against --max-spend) and of the kind's trial as
mended (f8f9c3b, effbf26): each fault found, a test that fails until it is mended."""

from __future__ import annotations

import json
import re
import shlex
from datetime import UTC, datetime

from batchgen.clock import parse_time
from batchgen.config import PollingSettings
from batchgen.engine.life_cap import UNSEEN_LIVES
from batchgen.manifest import load_manifest
from batchgen.params import estimate_cost
from batchgen.store.ledger import read_ledger
from tests.e2e.test_outliving import OUTLIVED, SLOW, trial_left_unknown
from tests.helpers import many_jobs_yaml, run_batch, run_cli, write

POLLING_EXPIRY_S = PollingSettings().expiry_s  # as configured by default (no config file here)


def _words_after(printed: str, start: str) -> list[str]:
    line = next(line for line in printed.splitlines() if line.startswith(start))
    return shlex.split(line.split(": ", 1)[1])


def _lost_one_then_capped(sim, tmp_path, monkeypatch, capsys):
    """As tests/e2e/test_outliving.py's spend-cap test: three jobs of $price, a cap with room for one; the first
    one's record dies before it finishes (expired, its cost never reported), and the cap defers the other two."""
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(3, model="kling-2.6"))
    job = next(iter(load_manifest(manifest).jobs))
    price = estimate_cost(job.model, job.params, {})
    assert price
    server = sim(seed=6, model_latency_s=SLOW, **OUTLIVED)
    out = tmp_path / "out"
    capsys.readouterr()
    code = run_batch(
        manifest, out, server, "--concurrency", "1", "--max-spend", f"{1.5 * price:.2f}", monkeypatch=monkeypatch
    )
    assert code == 3 and len(server.state.submissions) == 1
    states = sorted(rec["state"] for rec in read_ledger(out / "ledger.jsonl").jobs.values())
    assert states == ["deferred", "deferred", "expired"]
    printed = capsys.readouterr().out
    # from here on the server makes videos well inside a record's life: only the cap can stop the next run
    server.config.model_latency_s = {"kling-2.6": 5.0}
    server.config.expiry_s = 3600.0
    return manifest, out, server, price, printed


def test_the_raised_cap_of_the_resume_line_covers_a_lost_jobs_estimate_that_the_next_run_counts(
    sim, tmp_path, monkeypatch, capsys
):
    _, _, server, price, printed = _lost_one_then_capped(sim, tmp_path, monkeypatch, capsys)
    words = _words_after(printed, "To resume, raise the cap")
    cap = float(words[words.index("--max-spend") + 1])
    # the next run counts the lost job at its estimate, then sends the two deferred ones: the printed line
    # resumes past the cap
    code = run_cli(*words[1:])
    assert (code, len(server.state.submissions)) == (1, 3), (code, cap, price)  # (1: the lost job stays lost)
    assert cap >= 3 * price - 0.01, (cap, price)


def test_the_resubmit_lost_command_after_a_cap_stop_has_room_for_the_lost_jobs_both_estimates(
    sim, tmp_path, monkeypatch, capsys
):
    _, _, server, price, printed = _lost_one_then_capped(sim, tmp_path, monkeypatch, capsys)
    words = _words_after(printed, "1 job lost or expired")
    assert "--resubmit-lost" in words
    cap = float(words[words.index("--max-spend") + 1])
    # lost request (kept at its estimate) + its new request + the two deferred jobs
    code = run_cli(*words[1:])
    assert (code, len(server.state.submissions)) == (0, 4), (code, cap, price)
    assert cap >= 4 * price - 0.01, (cap, price)


def test_the_dry_runs_time_for_a_trial_of_unknown_outcome_is_the_runs_own_under_a_time_scale(
    sim, tmp_path, monkeypatch, capsys
):
    manifest, out, server = trial_left_unknown(sim, tmp_path, monkeypatch)
    trial = next(rec for rec in read_ledger(out / "ledger.jsonl").jobs.values() if rec["state"] == "submitting")
    posted = parse_time(trial.get("posting_at") or trial.get("submitted_at"))
    assert posted is not None
    scale = server.config.time_scale
    capsys.readouterr()
    assert run_cli("run", str(manifest), "--out", str(out), "--dry-run", "--time-scale", str(scale)) == 0
    planned = " ".join(capsys.readouterr().out.split())
    # the run (Trials, LifeCap.through) takes the trial for through UNSEEN_LIVES * polling.expiry_s run seconds
    # after its POST: that many wall seconds divided by the scale
    through = posted + UNSEEN_LIVES * POLLING_EXPIRY_S / scale
    said = re.search(r"goes beside it before (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC", planned)
    if said is not None:
        at = datetime.strptime(said.group(1), "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC).timestamp()
        assert at <= through + 1.0, (said.group(0), through - posted)
    else:
        assert "one of them goes first, alone of its kind" in planned, planned


def test_a_lost_request_made_anew_keeps_counting_against_the_cap_in_a_later_run(sim, tmp_path, monkeypatch, capsys):
    manifest, out, server, price, _ = _lost_one_then_capped(sim, tmp_path, monkeypatch, capsys)
    # made anew, with room for everything: the lost request finished on the server all the same, and was charged
    run_batch(manifest, out, server, "--resubmit-lost", "--max-spend", "100", monkeypatch=monkeypatch)
    states = sorted(rec["state"] for rec in read_ledger(out / "ledger.jsonl").jobs.values())
    assert states == ["completed"] * 3 and len(server.state.submissions) == 4
    # a row more, under a cap with room for half of it beyond the four requests the folder's jobs may have been
    # charged for (the lost one may finish on the server, and be charged, whenever it does)
    bigger = write(tmp_path / "m.yaml", many_jobs_yaml(4, model="kling-2.6"))
    cap = round(4.5 * price, 2)
    code = run_batch(bigger, out, server, "--max-spend", f"{cap:.2f}", monkeypatch=monkeypatch)
    assert (code, len(server.state.submissions)) == (3, 4)  # not sent: the cap has no room for it


def test_a_lost_request_made_anew_is_told_beside_the_spend_by_the_run_and_by_status(sim, tmp_path, monkeypatch, capsys):
    manifest, out, server, price, _ = _lost_one_then_capped(sim, tmp_path, monkeypatch, capsys)
    capsys.readouterr()
    assert run_batch(manifest, out, server, "--resubmit-lost", "--max-spend", "100", monkeypatch=monkeypatch) == 0
    told = {"run": capsys.readouterr().out}
    assert run_cli("status", str(out)) == 0
    told["status"] = capsys.readouterr().out
    assert run_cli("status", str(out), "--json") == 0
    said = json.loads(capsys.readouterr().out)
    assert (said["unreported_earlier"], said["unreported_earlier_usd"]) == (1, round(price, 6))
    paid = sum(float(rec.get("cost") or 0.0) for rec in read_ledger(out / "ledger.jsonl").jobs.values())
    for command, printed in told.items():
        said = " ".join(printed.split())
        # three videos fetched and paid; the lost request may have been charged too, and is not in the spend
        assert f"spend ${paid:.2f}" in said, (command, said)
        assert "1 job has earlier requests whose charge no answer reported" in said, (command, said)
        assert f"about ${price:.2f} more" in said, (command, said)
