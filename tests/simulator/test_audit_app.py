"""Audit of ``batchgen/simulator/app.py``: a careless server quotes the key where it is told to, the Date header
speaks the simulator's clock, a counted redirect counts as its route would, and the log keeps each status."""

from __future__ import annotations

import email.utils

import httpx
import pytest

from tests.helpers import KEY

H = {"x-api-key": KEY}


def test_a_server_told_to_quote_the_key_in_errors_quotes_it_in_every_error_it_answers(sim):
    server = sim(echo_key=frozenset({"error"}), time_scale=1.0)
    refused = httpx.post(f"{server.url}/v2/kling-1.6-text2video", json={"prompt": "x", "mode": "pro"}, headers=H)
    unknown = httpx.get(f"{server.url}/v2/requests/no-such-request/status", headers=H)
    made = httpx.post(f"{server.url}/v2/kling-1.6-text2video", json={"prompt": "x"}, headers=H)
    assert [refused.status_code, unknown.status_code, made.status_code] == [400, 404, 200]
    assert KEY in refused.json()["error"] and KEY in unknown.json()["error"]
    assert KEY not in made.text  # an accepted submit is no error
    assert "mode" in refused.json()["error"]  # the error itself is kept beside the quoted key


@pytest.mark.parametrize("offset", [0.0, 86_400.0])
def test_the_date_header_speaks_the_simulators_clock_not_the_machines(sim, offset):
    server = sim(time_scale=1.0, clock_offset_s=offset)
    clock = server.state.clock
    clock.resume_at(clock.now() + 3 * 86_400.0)  # three simulated days on
    answer = httpx.get(f"{server.url}/v1/get-user-credits", headers=H)
    told = email.utils.parsedate_to_datetime(answer.headers["Date"]).timestamp()
    assert abs(told - clock.now()) < 5.0


def test_a_redirected_poll_counts_against_the_window_only_where_polls_count(sim):
    server = sim(
        time_scale=1.0, rpm=1, polls_count=False, redirect_routes=frozenset({"status"}), redirect_to="same",
        redirect_counted=True,
    )  # fmt: skip
    made = httpx.post(f"{server.url}/v2/kling-1.6-text2video", json={"prompt": "x"}, headers=H)
    assert made.status_code == 200, made.text
    hop = httpx.get(f"{server.url}/v2/requests/{made.json()['request_id']}/status", headers=H)
    assert hop.status_code == 307
    assert httpx.get(server.url + hop.headers["Location"], headers=H).status_code == 200
    assert server.state.rate_limited == 0


def test_the_request_log_keeps_each_answers_own_status(sim):
    server = sim(time_scale=1.0)
    httpx.post(f"{server.url}/v2/kling-1.6-text2video", json={"prompt": "x", "mode": "pro"}, headers=H)
    httpx.post(f"{server.url}/v2/kling-1.6-text2video", json={"prompt": "x"}, headers=H)
    httpx.get(f"{server.url}/v2/requests/no-such-request/status", headers=H)
    assert [(route, status) for _, route, status in server.state.log] == [
        ("/v2/{slug}", 400), ("/v2/{slug}", 200), ("/v2/requests/{rid}/status", 404),
    ]  # fmt: skip
    stats = httpx.get(f"{server.url}/_sim/stats").json()
    assert [entry[2] for entry in stats["log"]] == [400, 200, 404]


def test_a_server_told_to_quote_the_key_in_a_header_quotes_it_on_every_answer(sim):
    server = sim(echo_key=frozenset({"header"}), time_scale=1.0)
    made = httpx.post(f"{server.url}/v2/kling-1.6-text2video", json={"prompt": "x"}, headers=H)
    unknown = httpx.get(f"{server.url}/v2/requests/no-such-request/status", headers=H)
    credits = httpx.get(f"{server.url}/v1/get-user-credits", headers=H)
    assert [made.status_code, unknown.status_code, credits.status_code] == [200, 404, 200]
    assert [a.headers.get("X-Echo") for a in (made, unknown, credits)] == [f"key={KEY}"] * 3
    assert KEY not in made.text and KEY not in unknown.text  # the header alone quotes it
