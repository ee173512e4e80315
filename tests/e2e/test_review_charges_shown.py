"""Review of the charges-shown change: paths where a finished job's charge of 0 is still taken as a charge."""

from __future__ import annotations

import json

import pytest

from batchgen.store.ledger import read_ledger
from tests.helpers import many_jobs_yaml, run_batch, run_cli, write

PRICE = 0.28  # kling-text2video, 5 s, std


def _older_version_ledger(tmp_path, sim, monkeypatch, count: int, *, last: str = "completed"):
    """A folder whose ``count`` jobs finished on the server, their lines carrying ``cost: 0.0`` as a version before
    this change wrote them in a world whose answers gave a finished job's charge as 0 (the account charged all the
    same); ``last``: "downloading" cuts each job's lines after its result line (a run that stopped before fetching)."""
    server = sim(seed=3)
    out = tmp_path / "out"
    assert run_batch(write(tmp_path / "first.yaml", many_jobs_yaml(count)), out, server, monkeypatch=monkeypatch) == 0
    ledger = out / "ledger.jsonl"
    lines, cut = [], set()
    for line in ledger.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        if rec.get("job_id") in cut:
            continue
        if rec.get("cost"):
            rec["cost"] = 0.0
        if last == "downloading" and rec.get("state") == "downloading":
            cut.add(rec["job_id"])
        lines.append(json.dumps(rec))
    ledger.write_text("\n".join(lines) + "\n", encoding="utf-8")
    if last == "downloading":
        for video in (out / "videos").glob("*"):
            video.unlink()
    assert sorted((r["state"], r.get("cost")) for r in read_ledger(ledger).jobs.values()) == [(last, 0.0)] * count
    return server, out


def test_a_completed_line_with_cost_zero_from_an_older_version_still_holds_its_estimate(
    sim, tmp_path, monkeypatch, capsys
):
    server, out = _older_version_ledger(tmp_path, sim, monkeypatch, 2)
    sent_before = len(server.state.submissions)
    capsys.readouterr()
    monkeypatch.setattr("sys.argv", ["batchgen"])
    assert run_cli("status", str(out), "--json") == 0
    status = json.loads(capsys.readouterr().out)
    # the folder's two charges: each must be in the spend or told as charged with no charge reported
    told = (status["spend_usd"], status["unpriced_completed"])
    # the cap has room for 2.5 jobs: the two already made (charged) leave room for none of the three new ones
    manifest = write(tmp_path / "all.yaml", many_jobs_yaml(5))
    run_batch(manifest, out, server, "--max-spend", f"{2.5 * PRICE:.2f}", monkeypatch=monkeypatch)
    sent = len(server.state.submissions) - sent_before
    assert (told, sent) == ((0.0, 2), 0)


def test_a_downloading_line_with_cost_zero_from_an_older_version_still_holds_its_estimate(sim, tmp_path, monkeypatch):
    server, out = _older_version_ledger(tmp_path, sim, monkeypatch, 2, last="downloading")
    sent_before = len(server.state.submissions)
    manifest = write(tmp_path / "all.yaml", many_jobs_yaml(5))
    run_batch(manifest, out, server, "--max-spend", f"{2.5 * PRICE:.2f}", monkeypatch=monkeypatch)
    jobs = read_ledger(out / "ledger.jsonl").jobs
    fetched = sorted(rec["state"] for job_id, rec in jobs.items() if job_id in ("job-000", "job-001"))
    assert (fetched, len(server.state.submissions) - sent_before) == (["completed", "completed"], 0)


def test_the_spend_caps_stop_line_tells_what_the_cap_counted_beside_a_spend_of_zero_reported(
    sim, tmp_path, monkeypatch, capsys
):
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(5))
    server = sim(seed=3, charges_shown="zero")
    out = tmp_path / "out"
    capsys.readouterr()
    assert run_batch(manifest, out, server, "--max-spend", f"{2.5 * PRICE:.2f}", monkeypatch=monkeypatch) == 3
    printed = " ".join(capsys.readouterr().out.split())
    assert sum(job.cost for job in server.state.jobs.values() if job.charged) == pytest.approx(2 * PRICE)
    assert "Stopped submitting at the spend cap" in printed
    told = "(for the folder's whole spend: $0.00 spent so far, $0.56 counted with the estimates of charges not yet"
    assert told in printed, printed


def test_a_charge_the_result_reported_is_kept_when_the_link_comes_from_the_history(sim, tmp_path, monkeypatch, capsys):
    from types import SimpleNamespace

    import batchgen.simulator.history as sim_history
    from batchgen.simulator import worlds

    # the history row's credits_deduction is 0 (the charge not yet posted there); the result gives the charge
    history_worlds = SimpleNamespace(
        **{name: getattr(worlds, name) for name in dir(worlds) if not name.startswith("__")}
    )
    history_worlds.charge_shown = lambda state, cost: 0.0
    monkeypatch.setattr(sim_history, "worlds", history_worlds)
    server = sim(seed=3)
    server.state.script("hostile", kind="no_output")  # the result: COMPLETED, its charge, no link
    out = tmp_path / "out"
    capsys.readouterr()
    code = run_batch(write(tmp_path / "m.yaml", many_jobs_yaml(1)), out, server, monkeypatch=monkeypatch)
    printed = " ".join(capsys.readouterr().out.split())
    assert code == 0
    (job,) = server.state.jobs.values()
    # its result was served COMPLETED (metrics.cost: its charge), with no link
    assert job.charged and job.hostile == "no_output" and job.request_id in server.state.results_served
    (rec,) = read_ledger(out / "ledger.jsonl").jobs.values()
    assert (rec["state"], rec.get("cost")) == ("completed", pytest.approx(PRICE)), printed
