"""Audit of ``batchgen/simulator/app.py``: a careless server quotes the key in every error it answers, and the
Date header speaks the simulator's clock."""

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
