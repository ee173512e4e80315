"""Audit of ``batchgen/simulator/replies.py``: the gate every route passes: a key only where the world takes it,
and a 429 whose hint never asks for a retry sooner than the limit allows."""

from __future__ import annotations

import math
from datetime import datetime

import httpx
import pytest

from tests.helpers import KEY

SLUG = "kling-text2video"


def test_a_429_asks_for_at_least_one_second_and_no_less_than_the_reset_is_away(sim):
    server = sim(time_scale=1.0, rate_hint="both")
    server.state.script("rate_limit")
    answer = httpx.post(f"{server.url}/v2/{SLUG}", json={"prompt": "a fox"}, headers={"x-api-key": KEY})
    assert answer.status_code == 429
    wait = int(answer.headers["retry-after"])
    assert wait == 1
    assert server.state.last_reset_at[KEY] - server.state.clock.now() <= wait


def test_a_bearer_key_is_refused_unless_the_world_takes_bearer_keys(sim):
    bearer = {"Authorization": f"Bearer {KEY}"}
    refusing = sim(time_scale=1.0)
    answer = httpx.post(f"{refusing.url}/v2/{SLUG}", json={"prompt": "a fox"}, headers=bearer)
    assert answer.status_code == 401 and "x-api-key" in answer.json()["error"]
    assert refusing.state.submissions == []
    taking = sim(time_scale=1.0, accept_bearer=True)
    assert httpx.post(f"{taking.url}/v2/{SLUG}", json={"prompt": "a fox"}, headers=bearer).status_code == 200


def test_a_429_from_a_full_window_asks_for_the_seconds_until_the_oldest_request_leaves_it(sim):
    server = sim(time_scale=1.0, rpm=1, rate_hint="retry-after")
    headers = {"x-api-key": KEY}
    assert httpx.post(f"{server.url}/v2/{SLUG}", json={"prompt": "a fox"}, headers=headers).status_code == 200
    answer = httpx.post(f"{server.url}/v2/{SLUG}", json={"prompt": "a hare"}, headers=headers)
    assert answer.status_code == 429
    assert int(answer.headers["retry-after"]) == math.ceil(server.state.last_reset_at[KEY] - server.state.clock.now())


def test_a_429s_reset_time_is_told_to_the_millisecond_and_never_before_the_window_frees(sim):
    server = sim(time_scale=1.0, rpm=1)
    headers = {"x-api-key": KEY}
    assert httpx.post(f"{server.url}/v2/{SLUG}", json={"prompt": "a fox"}, headers=headers).status_code == 200
    answer = httpx.post(f"{server.url}/v2/{SLUG}", json={"prompt": "a hare"}, headers=headers)
    assert answer.status_code == 429
    told = answer.headers["x-rate-limit-reset-at-utc"]
    assert told.endswith("Z") and len(told.rsplit(".", 1)[-1]) == 4  # three digits of milliseconds, then Z
    reset_at = datetime.fromisoformat(told.replace("Z", "+00:00")).timestamp()
    assert reset_at == pytest.approx(server.state.last_reset_at[KEY], abs=0.001)
