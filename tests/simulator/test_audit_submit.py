"""Audit of ``batchgen/simulator/submit.py``: a submit is refused for credits exactly when the account cannot
pay for it, and the refusal says what the account has and what the request costs."""

from __future__ import annotations

import httpx

from tests.helpers import KEY

H = {"x-api-key": KEY}


def _submit(url: str, slug: str = "kling-text2video", **body: object) -> httpx.Response:
    return httpx.post(f"{url}/v2/{slug}", json={"prompt": "a fox", **body}, headers=H)


def test_a_submit_that_uses_up_the_balance_exactly_is_accepted_and_the_next_is_refused_406(sim):
    server = sim(time_scale=1.0, credits=0.28)
    assert _submit(server.url).status_code == 200
    refused = _submit(server.url)
    assert refused.status_code == 406
    assert refused.json()["error"] == (
        "Insufficient credits. Your balance is 0.0000 USD, required 0.2800 USD for this request."
    )
    assert len(server.state.submissions) == 1


def test_a_refusal_for_credits_gives_the_balance_left_once_jobs_in_flight_are_held(sim):
    server = sim(time_scale=1.0, credits=0.5)
    assert _submit(server.url).status_code == 200
    refused = _submit(server.url)
    assert refused.status_code == 406
    assert "Your balance is 0.2200 USD, required 0.2800 USD" in refused.json()["error"]
    assert len(server.state.submissions) == 1


def test_a_submit_whose_body_costs_more_than_the_balance_is_refused_at_the_price_it_would_be_charged(sim):
    server = sim(time_scale=1.0, credits=1.0)
    answer = _submit(server.url, "kling-2.6", duration="5", generate_audio=True)
    assert answer.status_code == 406, answer.text
    assert "required 1.7500 USD" in answer.json()["error"]
    assert server.state.submissions == []
