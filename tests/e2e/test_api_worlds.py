"""Worlds the API may show, through the CLI: redirects, revoked keys, unknown states, output shapes, outages.

The client is told only what a user would give on the command line (the base URL, the
simulator's time scale, a key); every world is the simulator's.  In each, nothing is paid
twice, the key never reaches another origin, and no paid job is written ``failed`` unless the
API said it failed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from batchgen.store.ledger import read_ledger
from tests.helpers import (
    assert_transitions_are_legal,
    charges_per_job,
    ledger_events,
    many_jobs_yaml,
    run_batch,
    run_cli,
    write,
)

SECOND_KEY = "SG_1111111111111111"  # the same account's new key
OTHER_KEY = "SG_2222222222222222"  # a key of another account


def states(out: Path) -> dict[str, str]:
    return {job_id: rec["state"] for job_id, rec in read_ledger(out / "ledger.jsonl").jobs.items()}


def assert_paid_once(server) -> None:
    assert server.state.duplicate_submissions() == 0
    assert all(n == 1 for n in charges_per_job(server).values()), charges_per_job(server)
    assert server.state.foreign_key_requests == 0  # the key never went to another origin
    assert server.state.key_leaks == 0


def run_as(key: str, manifest: Path, out: Path, server, monkeypatch, *extra: str) -> int:
    monkeypatch.setenv("SEGMIND_API_KEY", key)
    return run_cli(
        "run", str(manifest), "--out", str(out), "--base-url", server.url,
        "--time-scale", str(server.config.time_scale), "--quiet", *extra,
    )  # fmt: skip


# --------------------------------------------------------------------------- redirects


def test_a_redirected_result_route_never_fails_a_paid_job_the_history_brings_its_video(sim, tmp_path, monkeypatch):
    server = sim(redirect_routes=frozenset({"result"}))
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(6))
    code = run_batch(manifest, tmp_path / "out", server, "--concurrency", "3", monkeypatch=monkeypatch)
    assert code == 0
    assert set(states(tmp_path / "out").values()) == {"completed"}
    assert server.state.redirects_served > 0 and server.state.foreign_requests == 0
    assert len(server.state.charges) == 6
    assert_paid_once(server)
    assert_transitions_are_legal(tmp_path / "out")


def test_with_every_source_redirected_paid_jobs_stay_in_flight_and_a_later_run_fetches_them(sim, tmp_path, monkeypatch):
    server = sim(redirect_routes=frozenset({"result", "history"}))
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(4))
    out = tmp_path / "out"
    code = run_batch(manifest, out, server, "--concurrency", "4", monkeypatch=monkeypatch)
    assert code == 6  # the API's trouble, not the jobs': nothing failed, a re-run resumes
    final = read_ledger(out / "ledger.jsonl").jobs
    assert {rec["state"] for rec in final.values()} == {"submitted"}
    assert {rec["event"] for rec in final.values()} == {"unreachable"}
    assert "will not be made again" in final["job-000"]["error"]["detail"]
    server.state.config.redirect_routes = frozenset()  # the route is fixed
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    assert set(states(out).values()) == {"completed"}
    assert len(server.state.submissions) == 4
    assert_paid_once(server)
    assert_transitions_are_legal(out)


def test_a_redirect_within_the_api_origin_is_followed(sim, tmp_path, monkeypatch):
    server = sim(redirect_routes=frozenset({"status", "result", "credits"}), redirect_to="same")
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(4))
    assert run_batch(manifest, tmp_path / "out", server, monkeypatch=monkeypatch) == 0
    assert set(states(tmp_path / "out").values()) == {"completed"}
    assert server.state.redirects_served > 0
    assert_paid_once(server)


@pytest.mark.parametrize("accepted", [201, 202])
def test_a_submit_and_polls_answered_with_another_2xx_than_200_are_a_job_made_and_in_flight(
    sim, tmp_path, monkeypatch, accepted
):
    server = sim(accepted_status=accepted, history="off")  # every job polled, answered so while in flight
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(4))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    assert set(states(out).values()) == {"completed"} and len(server.state.submissions) == 4
    assert_paid_once(server)


def test_a_redirected_submit_is_looked_up_never_sent_again_blindly(sim, tmp_path, monkeypatch):
    server = sim(redirect_routes=frozenset({"submit"}))
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(3))
    code = run_batch(manifest, tmp_path / "out", server, monkeypatch=monkeypatch)
    # The redirect created nothing, but only the history could show that, and it lists no request of
    # ours: each submit is left to settle later (exit 6), never failed, never sent again on a guess.
    assert code == 6
    assert set(states(tmp_path / "out").values()) == {"submitting"}
    assert server.state.submissions == [] and server.state.foreign_requests == 0
    assert_paid_once(server)


# --------------------------------------------------------------------------- keys and accounts


def test_a_revoked_key_stops_the_run_and_the_same_accounts_new_key_finishes_it(sim, tmp_path, monkeypatch, capsys):
    server = sim(
        key_accounts={SECOND_KEY: "main", OTHER_KEY: "other"},
        revoke_key="SG_0123456789abcdef",
        revoke_after_submits=3,
    )
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(8))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, "--concurrency", "2", monkeypatch=monkeypatch) == 4
    paid_before = set(states(out).items())
    assert (
        any(state in ("submitted", "downloading", "submitting") for _, state in paid_before)
        or len(server.state.submissions) == 3
    )
    made = len(server.state.submissions)
    printed = capsys.readouterr().out
    # the same command would be refused again: no resume line, on the page either, until the key is changed
    assert "To resume" not in printed
    assert json.loads((out / "report.json").read_text())["resume_command"] is None
    assert "To resume" not in (out / "report.html").read_text()

    # another account's key: refused before anything is sent, the way through named
    assert run_as(OTHER_KEY, manifest, out, server, monkeypatch) == 2
    message = capsys.readouterr().err
    assert "another account" in message and "--adopt-key" in message
    assert len(server.state.submissions) == made

    # the same account's new key: goes on, and finishes every job
    assert run_as(SECOND_KEY, manifest, out, server, monkeypatch) == 0
    assert set(states(out).values()) == {"completed"}
    changed = [e for e in ledger_events(out) if e["event"] == "key_changed"]
    assert changed and all(e.get("previous_key_fp") for e in changed)
    assert SECOND_KEY not in (out / "ledger.jsonl").read_text()
    assert len(server.state.submissions) == 8
    assert_paid_once(server)
    assert_transitions_are_legal(out)


def test_adopting_a_folder_under_another_accounts_key_never_resubmits_its_jobs_silently(
    sim, tmp_path, monkeypatch, capsys
):
    server = sim(key_accounts={OTHER_KEY: "other"}, revoke_key="SG_0123456789abcdef", revoke_after_submits=2)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(4))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, "--concurrency", "2", monkeypatch=monkeypatch) == 4
    in_flight = {j for j, s in states(out).items() if s in ("submitting", "submitted")}
    capsys.readouterr()
    code = run_as(OTHER_KEY, manifest, out, server, monkeypatch, "--adopt-key")
    assert "--adopt-key" in capsys.readouterr().err
    final = read_ledger(out / "ledger.jsonl").jobs
    for job_id in in_flight:
        assert final[job_id]["state"] == "expired" and final[job_id]["event"] == "key_adopted"
    assert code == (1 if in_flight else 0)
    assert_paid_once(server)


# --------------------------------------------------------------------------- states and outputs


@pytest.mark.parametrize(
    "world", [{"state_case": "lower"}, {"extra_states": True}, {"state_case": "lower", "extra_states": True}]
)
def test_a_cancelled_job_ends_failed_while_the_others_complete_whatever_the_spelling(sim, tmp_path, monkeypatch, world):
    server = sim(cancel_prompts=("number 2",), **world)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(5))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 1
    final = read_ledger(out / "ledger.jsonl").jobs
    assert final["job-002"]["state"] == "failed"
    assert "CANCELLED" in final["job-002"]["error"]["detail"]
    assert {final[f"job-00{i}"]["state"] for i in (0, 1, 3, 4)} == {"completed"}
    assert len(server.state.charges) == 4
    assert_paid_once(server)


@pytest.mark.parametrize("shape", ["list", "object", "url-object", "list-preview-first"])
def test_an_output_as_a_list_or_an_object_completes(sim, tmp_path, monkeypatch, shape):
    server = sim(output_shape=shape, history="off")  # the result's own link is the only one
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(3))
    assert run_batch(manifest, tmp_path / "out", server, monkeypatch=monkeypatch) == 0
    assert set(states(tmp_path / "out").values()) == {"completed"}
    assert_paid_once(server)


@pytest.mark.parametrize("history", ["off", "on"])
def test_a_preview_listed_before_the_video_is_never_taken_for_it(sim, tmp_path, monkeypatch, history):
    # The result lists [preview.jpg, video.mp4]; with the history on, its rows link the preview too.  The
    # row's link once matched the result's first, was trusted, and every paid video was left undownloaded.
    server = sim(output_shape="list-preview-first", history=history, history_url="other")
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(8))
    assert run_batch(manifest, tmp_path / "out", server, "--concurrency", "4", monkeypatch=monkeypatch) == 0
    assert set(states(tmp_path / "out").values()) == {"completed"}
    assert server.state.counters["/previews/{fid}.jpg"] == 0  # the video's link goes first: no preview fetched
    assert_paid_once(server)


# --------------------------------------------------------------------------- outages


@pytest.mark.parametrize("kind", ["503", "drop"])
def test_an_outage_mid_run_is_ridden_out_and_its_unknown_submits_settled_in_the_same_run(
    sim, tmp_path, monkeypatch, kind
):
    server = sim(outage_s=120.0, outage_after_submits=3, outage_kind=kind)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(10))
    out = tmp_path / "out"
    code = run_batch(manifest, out, server, "--concurrency", "4", monkeypatch=monkeypatch)
    assert server.state.outage_answers > 0
    assert code in (0, 6), code
    final = states(out)
    assert "failed" not in final.values()
    if code == 0:
        assert set(final.values()) == {"completed"}
    assert "submitting" not in final.values()  # every unknown submit was settled in this run
    events = ledger_events(out)
    unknown = {e["job_id"] for e in events if e["event"] == "submit_unknown"}
    settled = {e["job_id"] for e in events if e["event"] in ("reconciled", "reconciled_absent")}
    assert unknown and unknown <= settled  # a submit fell in the outage, and was looked up once it ended
    assert_paid_once(server)
    assert_transitions_are_legal(out)


@pytest.mark.parametrize("kind", ["503", "drop"])
def test_no_submit_is_sent_into_an_outage_after_the_first_fell_in_it(sim, tmp_path, monkeypatch, capsys, kind):
    # With no request history a submit of unknown outcome is never settled: each one sent into the outage would be
    # a job left for the operator to look for by hand.  After the first, submits wait until the API answers again.
    server = sim(history="off", outage_s=1200.0, outage_after_submits=0, outage_kind=kind)  # from the first submit
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(10))
    out = tmp_path / "out"
    # (paced at one request in 3 s: the submits after the first would go one by one while the outage lasts)
    # (and no reachability bound to meet: at this time scale a dropped connection's real moments are minutes)
    config = write(
        tmp_path / "c.yaml",
        "limits:\n  requests_per_minute: 20\n  rate_window_s: 3\napi:\n  unreachable_after_s: 36000\n",
    )
    code = run_batch(manifest, out, server, "--concurrency", "10", "--config", str(config), monkeypatch=monkeypatch)
    events = ledger_events(out)
    first = next(i for i, e in enumerate(events) if e["event"] == "submit_unknown")
    unknown = {e["job_id"] for e in events if e["event"] == "submit_unknown"}
    # only submits already sent when the first fell in it have unknown outcomes: here that one alone
    assert unknown == {e["job_id"] for e in events[:first] if e["event"] == "submitting"} - {
        e["job_id"] for e in events[:first] if e["event"] == "submitted"
    }
    assert len(unknown) == 1, unknown
    assert code == 6  # those are left for the operator (no history can settle them), the others completed
    final = states(out)
    assert {final.pop(job) for job in unknown} == {"submitting"} and set(final.values()) == {"completed"}
    # nothing else in flight to hear the API through: it was asked whether it answers (the balance, paying for
    # nothing) after the last call unanswered, at gaps doubling, until it did
    assert server.state.counters["/v1/get-user-credits"] >= 2, dict(server.state.counters)
    told = capsys.readouterr()
    assert told.err.count("no submit is sent until it answers again") == 1
    assert "the API answers again: submits go on" in told.err
    assert_paid_once(server)
    assert_transitions_are_legal(out)


@pytest.mark.parametrize("kind", ["503", "drop"])
def test_an_api_out_of_reach_for_the_bound_ends_6_and_a_later_run_finishes_without_paying_twice(
    sim, tmp_path, monkeypatch, kind
):
    server = sim(outage_s=10_000_000.0, outage_after_submits=2, outage_kind=kind)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(6))
    config = write(tmp_path / "c.yaml", "api:\n  unreachable_after_s: 120\n")
    out = tmp_path / "out"
    code = run_batch(manifest, out, server, "--config", str(config), "--concurrency", "3", monkeypatch=monkeypatch)
    assert code == 6
    assert not {"failed", "expired"} & set(states(out).values())
    server.state.config.outage_s = 0.0  # the API is back
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    assert set(states(out).values()) == {"completed"}
    assert_paid_once(server)
    assert_transitions_are_legal(out)


def test_a_resumed_run_whose_history_still_answers_500_asks_it_a_bounded_number_of_times_and_sends_nothing(
    sim, tmp_path, monkeypatch, capsys
):
    # A submit falls in an outage (503: it may have made a job) while the request history answers 500, so
    # the run leaves it 'submitting'; the next run finds the history still answering 500.
    server = sim(history="error", outage_s=30.0, outage_after_submits=3)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(10))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, "--concurrency", "4", monkeypatch=monkeypatch) == 6
    unknown = sorted(job_id for job_id, state in states(out).items() if state == "submitting")
    assert unknown  # the path under test
    history, sent = server.state.counters["/inference-request/request-history"], server.state.submit_requests
    capsys.readouterr()
    assert run_batch(manifest, out, server, "--concurrency", "4", monkeypatch=monkeypatch) == 6
    # The summary counts none of them as sent now: they were sent by the run before.
    printed = capsys.readouterr().out.splitlines()
    assert next(line for line in printed if "submitted now" in line).endswith("; 0 submitted now")
    told = next(line for line in printed if "of unknown outcome" in line)
    assert told.lstrip().startswith(f"{len(unknown)} submit") and "sent now" not in told
    # One spell for every unknown submit: the first look-up with the gateway's 6 attempts, then one probe
    # 5, 10, 20, 40, 80 s apart until api.unreachable_after_s (300 s) is spent: 12 requests, not 54 per job.
    assert server.state.counters["/inference-request/request-history"] - history <= 12
    assert server.state.submit_requests == sent  # nothing sent again: the history could not say
    assert sorted(job_id for job_id, state in states(out).items() if state == "submitting") == unknown
    last = {e["job_id"]: e["event"] for e in ledger_events(out)}
    assert {last[job_id] for job_id in unknown} == {"reconcile_failed"}  # left, with the reason said
    assert_paid_once(server)
    assert_transitions_are_legal(out)
