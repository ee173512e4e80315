"""Audit of ``batchgen/simulator/config.py``: by default a request record lives one hour and an output file seven
days, as the README and the real API say, and a simulator with no workers is refused."""

from __future__ import annotations

import httpx
import pytest

from batchgen.simulator import SimConfig
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


def test_a_finished_video_is_served_for_seven_days_by_default_and_not_after(sim):
    server = sim(time_scale=1.0)
    rid = httpx.post(f"{server.url}/v2/kling-text2video", json={"prompt": "a fox"}, headers=H).json()["request_id"]
    job = server.state.jobs[rid]
    url = f"{server.url}/generations/{job.file_id}.mp4"
    now = server.state.clock.now()
    job.submitted, job.start, job.finish = now - 6.9 * 86_400, now - 6.9 * 86_400, now - 6.8 * 86_400
    assert httpx.get(url).status_code == 200
    job.submitted, job.start, job.finish = now - 7.2 * 86_400, now - 7.2 * 86_400, now - 7.1 * 86_400
    assert httpx.get(url).status_code == 404


@pytest.mark.parametrize("workers", [0, -1])
def test_a_simulator_with_no_workers_is_refused_when_configured(workers):
    with pytest.raises(ValueError, match="workers must be at least 1"):
        SimConfig(workers=workers)
