"""A world whose answers give a finished job's charge as 0 (not posted yet when it finished) or not at all: the
account is charged all the same, so the spend cap counts each such job at its estimate, and the summary and
``status`` tell them apart from the spend, never a spend of $0.00 as all there is."""

from __future__ import annotations

import json

import pytest

from batchgen.store.ledger import read_ledger
from tests.helpers import many_jobs_yaml, run_batch, run_cli, write

PRICE = 0.28  # kling-text2video, 5 s, std: the catalogue's price, and the simulator's charge


@pytest.mark.parametrize("shown", ["zero", "none"])
def test_jobs_completed_with_no_charge_shown_count_at_their_estimates_and_are_told_apart(
    sim, tmp_path, monkeypatch, capsys, shown
):
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(5))
    server = sim(seed=3, charges_shown=shown)
    out = tmp_path / "out"
    capsys.readouterr()
    # room for two jobs at their estimates: a charge shown as 0 must not make room for the other three
    code = run_batch(manifest, out, server, "--max-spend", f"{2.5 * PRICE:.2f}", monkeypatch=monkeypatch)
    printed = " ".join(capsys.readouterr().out.split())
    assert (code, len(server.state.submissions)) == (3, 2)
    charged = sum(job.cost for job in server.state.jobs.values() if job.charged)
    assert charged == pytest.approx(2 * PRICE)
    jobs = read_ledger(out / "ledger.jsonl").jobs.values()
    assert (
        sorted((rec["state"], rec.get("cost")) for rec in jobs) == [("completed", None)] * 2 + [("deferred", None)] * 3
    )
    told = f"2 completed jobs are not in that spend, no answer having reported its charge: about ${charged:.2f} more"
    assert told in printed, printed
    monkeypatch.setattr("sys.argv", ["batchgen"])
    assert run_cli("status", str(out), "--json") == 0
    status = json.loads(capsys.readouterr().out)
    assert (status["spend_usd"], status["unpriced_completed"], status["unpriced_completed_usd"]) == (
        0.0,
        2,
        pytest.approx(charged),
    )
    assert run_cli("status", str(out)) == 0
    assert "2 completed jobs are not in it, no answer having reported its charge" in capsys.readouterr().out
    page = (out / "report.html").read_text(encoding="utf-8")
    assert '<th>spend</th><td class="num">$0.00</td>' in page
    assert f"2 jobs, about ${charged:.2f} (estimated at the catalogue&#x27;s prices" in page, page[:3000]
