"""Audit of ``batchgen/simulator/schema.py``: the simulator takes every body its spec allows, refuses the
rest, and charges what the spec says."""

from __future__ import annotations

import base64

import httpx
import pytest

from tests.helpers import KEY, png_bytes

H = {"x-api-key": KEY}


def _submit(url: str, slug: str, **body: object) -> httpx.Response:
    return httpx.post(f"{url}/v2/{slug}", json={"prompt": "a fox", **body}, headers=H)


def test_a_number_at_either_end_of_its_range_is_taken_and_one_past_it_refused(sim):
    server = sim(time_scale=1.0)
    assert _submit(server.url, "kling-1.6-text2video", cfg_scale=0).status_code == 200
    assert _submit(server.url, "kling-1.6-text2video", cfg_scale=1).status_code == 200
    past = _submit(server.url, "kling-1.6-text2video", cfg_scale=1.01)
    assert past.status_code == 400 and "cfg_scale must be between 0 and 1" in past.json()["error"]
    assert len(server.state.jobs) == 2


def test_a_prompt_of_exactly_its_longest_length_is_taken_and_one_character_more_refused(sim):
    server = sim(time_scale=1.0)
    assert _submit(server.url, "kling-1.6-text2video", prompt="a" * 2500).status_code == 200
    longer = _submit(server.url, "kling-1.6-text2video", prompt="a" * 2501)
    assert longer.status_code == 400 and "prompt must be at most 2500 characters" in longer.json()["error"]
    assert len(server.state.jobs) == 1


@pytest.mark.parametrize(("slug", "usd"), [("kling-3-pro-text2video", 11.2), ("kling-text2video", 0.28)])
def test_a_job_is_charged_its_listed_price_or_the_top_of_its_range_when_none_is_listed(sim, slug, usd):
    server = sim(time_scale=1.0, credits=100.0)
    answer = _submit(server.url, slug)
    assert answer.status_code == 200, answer.text
    assert server.state.jobs[answer.json()["request_id"]].cost == pytest.approx(usd)


@pytest.mark.parametrize(
    ("width", "height", "taken"),
    [(300, 300, True), (299, 300, False), (750, 300, True), (760, 300, False)],
)
def test_an_image_at_its_smallest_side_or_widest_aspect_is_taken_and_one_past_either_refused(sim, width, height, taken):
    server = sim(time_scale=1.0)
    image = base64.b64encode(png_bytes(width, height)).decode()
    answer = _submit(server.url, "kling-1.6-image2video", image=image)
    assert (answer.status_code == 200) is taken, answer.text
    if not taken:
        assert answer.json()["error"].startswith("image ") and image[:40] not in answer.text


def test_an_image_url_that_is_not_https_is_refused_naming_the_field_and_nothing_is_made(sim):
    server = sim(time_scale=1.0)
    plain = _submit(server.url, "kling-1.6-image2video", image="http://example.com/a.png")
    assert plain.status_code == 400 and plain.json()["error"].startswith("image must be an image URL")
    assert server.state.jobs == {}


def test_a_list_of_as_many_shots_as_its_spec_allows_is_taken_and_one_more_refused(sim):
    server = sim(time_scale=1.0)
    shot = {"prompt": "a shot", "duration": "5"}
    assert _submit(server.url, "kling-3-standard-text2video", multi_prompt=[shot] * 5).status_code == 200
    more = _submit(server.url, "kling-3-standard-text2video", multi_prompt=[shot] * 6)
    assert more.status_code == 400 and "multi_prompt takes at most 5 items" in more.json()["error"]
    assert len(server.state.jobs) == 1


def test_an_integer_field_refuses_a_number_with_a_fraction(sim):
    server = sim(time_scale=1.0)
    assert _submit(server.url, "kling-text2video", camera_control_config_value=5).status_code == 200
    half = _submit(server.url, "kling-text2video", camera_control_config_value=5.5)
    assert half.status_code == 400 and "camera_control_config_value must be an integer" in half.json()["error"]
    assert len(server.state.jobs) == 1


def test_a_world_that_refuses_unknown_parameters_takes_known_ones_and_names_the_unknown(sim):
    server = sim(time_scale=1.0, reject_unknown_params=True)
    assert _submit(server.url, "kling-1.6-text2video", duration=10, mode="std").status_code == 200
    odd = _submit(server.url, "kling-1.6-text2video", seed_value=7)
    assert odd.status_code == 400 and odd.json()["error"] == "Unknown parameter(s): seed_value"
    assert len(server.state.jobs) == 1
