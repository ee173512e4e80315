"""Audit of ``batchgen/simulator/worlds.py``: the worlds it plays begin when they are told to and show what they say."""

from __future__ import annotations

import httpx

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
