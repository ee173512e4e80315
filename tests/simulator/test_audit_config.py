"""Audit of ``batchgen/simulator/config.py``: by default a request record lives one hour, as the README and
the real API say."""

from __future__ import annotations

import httpx

from tests.helpers import KEY

H = {"x-api-key": KEY}


def test_a_record_lives_one_hour_by_default_and_answers_404_after_it(sim):
    server = sim(time_scale=1.0)
    rid = httpx.post(f"{server.url}/v2/kling-text2video", json={"prompt": "a fox"}, headers=H).json()["request_id"]
    job = server.state.jobs[rid]
    job.submitted -= 3590.0  # made 59 minutes 50 seconds ago
    assert httpx.get(f"{server.url}/v2/requests/{rid}/status", headers=H).status_code == 200
    job.submitted -= 20.0  # an hour and ten seconds ago
    assert httpx.get(f"{server.url}/v2/requests/{rid}/status", headers=H).status_code == 404
