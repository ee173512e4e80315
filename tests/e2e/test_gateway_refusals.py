"""Something in front of the API (a firewall, a proxy that asks to log in) answers a route with an HTML page of
HTTP 401 or 403 after the API's own answers had accepted the run's key: the run says what answered, where, and that
the key was accepted, never that the API refused it; it backs off and goes on, looks a refused submit up before
sending it again, and stops (exit 6) only when nothing reaches the API for ``api.unreachable_after_s``."""

from __future__ import annotations

from batchgen.store.ledger import read_ledger
from tests.helpers import (
    KEY,
    assert_transitions_are_legal,
    charges_per_job,
    ledger_events,
    many_jobs_yaml,
    run_batch,
    write,
)

ACCEPTED = "though the API's own answers this run had accepted the key ($SEGMIND_API_KEY)"


def paid_once(server) -> bool:
    return server.state.duplicate_submissions() == 0 and all(n == 1 for n in charges_per_job(server).values())


def test_polls_and_history_refused_for_a_while_by_a_gateway_page_are_ridden_out(sim, tmp_path, monkeypatch, capsys):
    server = sim(refuse_routes=frozenset({"status", "result", "history"}), refuse_after_submits=2, refuse_s=60.0)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(6))
    out = tmp_path / "out"
    code = run_batch(manifest, out, server, "--concurrency", "3", monkeypatch=monkeypatch)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert server.state.refusals_served > 0
    told = captured.err + captured.out
    assert "refused the key" not in told
    assert f"was answered HTTP 403 with an HTML page, not the API's JSON, {ACCEPTED}" in told
    assert f"Check what stands between this machine and {server.url}" in told
    assert {rec["state"] for rec in read_ledger(out / "ledger.jsonl").jobs.values()} == {"completed"}
    assert paid_once(server)


def test_a_submit_refused_by_a_gateway_page_is_looked_up_before_it_is_sent_again(sim, tmp_path, monkeypatch, capsys):
    server = sim(refuse_routes=frozenset({"submit"}), refuse_status=401, refuse_after_submits=2, refuse_s=30.0)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(5))
    out = tmp_path / "out"
    code = run_batch(manifest, out, server, "--concurrency", "2", monkeypatch=monkeypatch)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert server.state.refusals_served >= 1
    assert "refused the key" not in captured.err + captured.out
    events = ledger_events(out)
    unknown = [e for e in events if e["event"] == "submit_unknown"]
    assert unknown and all(e["error"]["http"] == 401 for e in unknown)
    assert "an HTML page from something in front of the API" in unknown[0]["error"]["detail"]
    refused = unknown[0]["job_id"]
    # looked up (the history shows it never made), then sent again: made once
    after = [e["event"] for e in events if e["job_id"] == refused]
    assert after.index("reconciled_absent") > after.index("submit_unknown")
    assert {rec["state"] for rec in read_ledger(out / "ledger.jsonl").jobs.values()} == {"completed"}
    assert len(server.state.submissions) == 5 and paid_once(server)
    assert_transitions_are_legal(out)


def test_a_gateway_refusing_every_route_for_good_stops_the_run_with_exit_6_and_a_rerun_pays_nothing_twice(
    sim, tmp_path, monkeypatch, capsys
):
    server = sim(refuse_routes=frozenset({"submit", "status", "result", "history", "credits"}), refuse_after_submits=2)
    config = write(tmp_path / "c.yaml", "api:\n  unreachable_after_s: 60\n")
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(6))
    out = tmp_path / "out"
    code = run_batch(manifest, out, server, "--concurrency", "3", "--config", str(config), monkeypatch=monkeypatch)
    captured = capsys.readouterr()
    assert code == 6, captured.err
    errors = [line for line in captured.err.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1 and "the API could not be reached for" in errors[0], errors
    assert f"was answered HTTP 403 with an HTML page, not the API's JSON, {ACCEPTED}" in errors[0]
    assert "refused the key" not in captured.err + captured.out
    assert KEY not in captured.err + captured.out
    states = {job: rec["state"] for job, rec in read_ledger(out / "ledger.jsonl").jobs.items()}
    assert "submitting" in states.values()  # the refused submit: left for a look-up, never pending on a guess

    server.state.config.refuse_routes = frozenset()  # the way to the API is open again
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    assert {rec["state"] for rec in read_ledger(out / "ledger.jsonl").jobs.values()} == {"completed"}
    assert len(server.state.submissions) == 6 and paid_once(server)
    assert_transitions_are_legal(out)


def test_submits_refused_by_a_gateway_while_other_routes_answer_wait_and_only_one_at_a_time_goes_to_see(
    sim, tmp_path, monkeypatch, capsys
):
    # The polls' and the history's answers do not show the submits' route open again: each submit sent into the
    # refusal would be another of unknown outcome, looked up (or, with no history, left for the operator)
    server = sim(refuse_routes=frozenset({"submit"}), refuse_after_submits=2, refuse_s=200.0, time_scale=200.0)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(12))
    config = write(
        tmp_path / "c.yaml", "limits:\n  rate_window_s: 6\nretry:\n  backoff_initial_s: 20\n  backoff_max_s: 80\n"
    )
    out = tmp_path / "out"
    # paced (2 requests in 6 s): without the wait, every submit of the 200 s would go into the refusal
    code = run_batch(manifest, out, server, "--concurrency", "12", "--rpm", "20", "--config", str(config),
                     monkeypatch=monkeypatch)  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0, captured.err
    unknown = [e for e in ledger_events(out) if e["event"] == "submit_unknown"]
    assert 1 <= len(unknown) <= 5, [e["job_id"] for e in unknown]  # the first refused, then one every gap
    told = captured.err + captured.out
    assert "something in front of the API refuses its submits" in told
    assert "the API answers again: submits go on" in told
    assert {rec["state"] for rec in read_ledger(out / "ledger.jsonl").jobs.values()} == {"completed"}
    assert len(server.state.submissions) == 12 and paid_once(server)
    assert_transitions_are_legal(out)
