"""Audit of ``batchgen/simulator/outputs.py``: a video is served only once its job has finished, for its time to
live after that, labelled as the world says, and a key sent with a download is counted."""

from __future__ import annotations

import httpx

from batchgen.simulator.state import SimJob
from tests.helpers import KEY, SimThread

H = {"x-api-key": KEY}


def _finished_job(server: SimThread) -> tuple[SimJob, str]:
    answer = httpx.post(f"{server.url}/v2/kling-text2video", json={"prompt": "a fox"}, headers=H)
    job = server.state.jobs[answer.json()["request_id"]]
    return job, f"{server.url}/generations/{job.file_id}.mp4"


def test_a_video_is_served_for_its_time_to_live_counted_from_when_it_finished(sim):
    server = sim(time_scale=1.0, output_ttl_s=1000.0)
    job, url = _finished_job(server)
    now = server.state.clock.now()
    job.submitted, job.start, job.finish = now - 1900.0, now - 1800.0, now - 900.0  # 900 s of work, done 900 s ago
    served = httpx.get(url)
    assert served.status_code == 200 and served.headers["Content-Type"] == "video/mp4"
    job.submitted, job.start, job.finish = now - 2100.0, now - 2000.0, now - 1100.0  # done 1100 s ago
    assert httpx.get(url).status_code == 404


def test_a_key_sent_to_an_output_link_is_counted_in_either_header(sim):
    server = sim(time_scale=1.0)
    job, url = _finished_job(server)
    job.finish = job.start = server.state.clock.now() - 1.0
    assert httpx.get(url).status_code == 200
    assert server.state.key_leaks == 0
    assert httpx.get(url, headers=H).status_code == 200
    assert httpx.get(url, headers={"Authorization": f"Bearer {KEY}"}).status_code == 200
    assert server.state.key_leaks == 2


def test_no_video_or_preview_is_served_before_its_job_has_finished(sim):
    server = sim(time_scale=1.0)
    job, url = _finished_job(server)
    preview = url.replace("/generations/", "/previews/").replace(".mp4", ".jpg")
    assert job.status_at(server.state.clock.now()) in ("QUEUED", "PROCESSING")
    assert (httpx.get(url).status_code, httpx.get(preview).status_code) == (404, 404)
    job.finish = job.start = server.state.clock.now() - 1.0
    assert (httpx.get(url).status_code, httpx.get(preview).status_code) == (200, 200)


def test_a_download_served_with_the_wrong_content_type_is_the_video_labelled_as_a_web_page(sim):
    server = sim(time_scale=1.0)
    server.state.script("hostile", kind="wrong_content_type")
    job, url = _finished_job(server)
    plain, plain_url = _finished_job(server)
    for made in (job, plain):
        made.finish = made.start = server.state.clock.now() - 1.0
    served, honest = httpx.get(url), httpx.get(plain_url)
    assert served.status_code == 200 and served.headers["Content-Type"].startswith("text/html")
    assert honest.headers["Content-Type"] == "video/mp4"
    size = httpx.get(f"{server.url}/v2/requests/{job.request_id}", headers=H).json()["video"]["file_size"]
    assert len(served.content) == size and served.content[4:8] == b"ftyp"
