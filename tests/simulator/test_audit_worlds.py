"""Audit of ``batchgen/simulator/worlds.py``: the worlds it plays begin when they are told to and show what they say."""

from __future__ import annotations

import httpx
import pytest

from tests.helpers import KEY

H = {"x-api-key": KEY}


def _submit(url: str, key: str = KEY, **body: object) -> httpx.Response:
    return httpx.post(f"{url}/v2/kling-1.6-text2video", json={"prompt": "a fox", **body}, headers={"x-api-key": key})


def test_a_gateway_told_to_refuse_after_two_submits_lets_exactly_two_through(sim):
    server = sim(refuse_routes=frozenset({"submit"}), refuse_after_submits=2, time_scale=1.0)
    codes = [_submit(server.url).status_code for _ in range(3)]
    assert codes == [200, 200, 403]
    assert len(server.state.jobs) == 2 and server.state.refusals_served == 1


def test_an_outage_after_two_submits_begins_with_the_third(sim):
    server = sim(outage_s=10_000.0, outage_after_submits=2, time_scale=1.0)
    codes = [_submit(server.url).status_code for _ in range(3)]
    assert codes == [200, 200, 503]
    assert len(server.state.jobs) == 2 and server.state.outage_answers == 1


def test_a_key_revoked_after_two_jobs_makes_two_and_is_refused_from_the_third(sim):
    server = sim(revoke_key=KEY, revoke_after_submits=2, time_scale=1.0)
    codes = [_submit(server.url).status_code for _ in range(3)]
    assert codes == [200, 200, 401]
    assert len(server.state.jobs) == 2


def test_a_history_body_with_defaults_filled_in_keeps_what_was_sent(sim):
    server = sim(history_bodies="filled", time_scale=1.0)
    rid = _submit(server.url, aspect_ratio="9:16", duration=10).json()["request_id"]
    row = httpx.get(f"{server.url}/inference-request/request-history/{rid}", headers=H).json()
    body = row["request_body"]
    assert (body["aspect_ratio"], body["duration"], body["prompt"]) == ("9:16", 10, "a fox")
    assert (body["mode"], body["cfg_scale"]) == ("std", 0.5)  # the defaults not sent, filled in


def test_the_other_origin_counts_a_key_sent_in_either_header(sim):
    server = sim(redirect_routes=frozenset({"credits"}), time_scale=1.0)
    moved = httpx.get(f"{server.url}/v1/get-user-credits", headers=H)
    assert moved.status_code == 307
    there = moved.headers["Location"]
    assert httpx.get(there, headers=H).status_code == 404
    assert httpx.get(there, headers={"Authorization": f"Bearer {KEY}"}).status_code == 404
    assert httpx.get(there).status_code == 404
    assert (server.state.foreign_requests, server.state.foreign_key_requests) == (3, 2)


def test_a_list_with_a_preview_first_gives_the_still_images_link_then_the_videos(sim):
    server = sim(output_shape="list-preview-first", time_scale=1.0)
    rid = _submit(server.url).json()["request_id"]
    job = server.state.jobs[rid]
    job.start = job.finish = server.state.clock.now() - 1.0
    result = httpx.get(f"{server.url}/v2/requests/{rid}", headers=H).json()
    preview, video = result["output"]
    assert preview.endswith(f"/previews/{job.file_id}.jpg") and video.endswith(f"/generations/{job.file_id}.mp4")
    assert "video" not in result


def test_an_outage_at_a_time_begins_that_long_after_the_start_and_lasts_its_seconds(sim):
    server = sim(outage_s=600.0, outage_at_s=100.0, time_scale=1.0)
    state = server.state
    assert _submit(server.url).status_code == 200
    state.clock.resume_at(state.started_at + 150.0)
    assert _submit(server.url).status_code == 503
    assert httpx.get(f"{server.url}/v1/get-user-credits", headers=H).status_code == 503
    state.clock.resume_at(state.started_at + 800.0)
    assert _submit(server.url).status_code == 200
    assert len(state.jobs) == 2 and state.outage_answers == 2


@pytest.mark.parametrize(
    ("shape", "output"),
    [("list", lambda url: [url]), ("object", lambda url: {"video": url}), ("url-object", lambda url: {"url": url})],
)
def test_a_finished_results_output_takes_the_shape_the_world_gives_it(sim, shape, output):
    server = sim(output_shape=shape, time_scale=1.0)
    rid = _submit(server.url).json()["request_id"]
    job = server.state.jobs[rid]
    job.start = job.finish = server.state.clock.now() - 1.0
    result = httpx.get(f"{server.url}/v2/requests/{rid}", headers=H).json()
    assert result["output"] == output(f"{server.url}/generations/{job.file_id}.mp4")
    assert "video" not in result


def test_a_job_is_starting_for_the_first_fifth_of_its_work_and_processing_after_it(sim):
    server = sim(extra_states=True, time_scale=1.0)
    rid = _submit(server.url).json()["request_id"]
    job = server.state.jobs[rid]
    now = server.state.clock.now()
    status = f"{server.url}/v2/requests/{rid}/status"
    job.start, job.finish = now + 100.0, now + 200.0
    assert httpx.get(status, headers=H).json()["status"] == "IN_QUEUE"
    job.start, job.finish = now - 10.0, now + 90.0  # a tenth of the way
    assert httpx.get(status, headers=H).json()["status"] == "STARTING"
    job.start, job.finish = now - 50.0, now + 50.0  # half way
    assert httpx.get(status, headers=H).json()["status"] == "PROCESSING"


@pytest.mark.parametrize(
    ("names", "titled", "expected"),
    [
        ("prefixed", frozenset(), "segmind/kling-1.6-text2video"),
        ("titled", frozenset(), "Kling 1.6 Text2Video"),
        ("slug", frozenset({"kling-1.6-text2video"}), "Kling 1.6 Text2Video"),
    ],
)
def test_a_history_row_names_its_model_as_the_world_does(sim, names, titled, expected):
    server = sim(history_model_names=names, history_titled=titled, time_scale=1.0)
    rid = _submit(server.url).json()["request_id"]
    row = httpx.get(f"{server.url}/inference-request/request-history/{rid}", headers=H).json()
    assert row["model_name"] == expected
