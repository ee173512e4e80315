"""Audit of ``batchgen/simulator/state.py``: the simulated account's queue, charges, holds, rate window, readouts
and the saved account taken up again as it was."""

from __future__ import annotations

import base64
import errno
import json
import math
import os

import httpx
import pytest

from batchgen.simulator import SimConfig, SimState
from batchgen.simulator.state import SimJob
from tests.helpers import KEY, TEST_IMAGE_SPEC, png_bytes, poll_until

H = {"x-api-key": KEY}
SLUG = "kling-text2video"


def _make(state: SimState, prompt: str = "a fox") -> SimJob:
    return state.create_job(SLUG, {"prompt": prompt}, "std", 5)


def test_jobs_beyond_the_workers_wait_in_the_queue_until_a_worker_is_free():
    state = SimState(SimConfig(workers=1, time_scale=1.0, seed=3))
    first, second = _make(state), _make(state, "a hare")
    assert first.finish > state.clock.now()
    assert second.start == first.finish
    assert second.status_at(first.start) == "QUEUED"


def test_a_stalled_job_holds_its_worker_for_the_life_of_its_record():
    state = SimState(SimConfig(workers=1, time_scale=1.0, seed=3, expiry_s=600.0))
    state.script("stall")
    stalled, after = _make(state), _make(state, "a hare")
    assert stalled.finish == math.inf
    assert after.start - stalled.start == pytest.approx(600.0)


def test_a_completed_job_is_charged_once_and_its_hold_is_released():
    state = SimState(SimConfig(credits=1.0, time_scale=1.0, seed=3))
    job = _make(state)
    assert state.holds == pytest.approx(job.cost) and state.available() == pytest.approx(1.0 - job.cost)
    state.clock.resume_at(job.finish + 1.0)
    state.settle()
    assert state.charges == [(job.request_id, job.cost)]
    assert state.holds == pytest.approx(0.0)
    assert state.balance == pytest.approx(1.0 - job.cost)
    assert state.available() == pytest.approx(1.0 - job.cost)


def test_a_body_submitted_again_is_counted_as_a_duplicate_once_per_repeat():
    state = SimState(SimConfig(time_scale=1.0, seed=3))
    _make(state, "a fox")
    _make(state, "a hare")
    assert state.duplicate_submissions() == 0
    _make(state, "a fox")
    assert state.duplicate_submissions() == 1
    _make(state, "a fox")
    assert state.duplicate_submissions() == 2
    assert state.stats()["duplicates"] == 2


def test_a_429_tells_the_moment_the_oldest_request_leaves_the_window():
    state = SimState(SimConfig(rpm=2, rate_window_s=60.0, time_scale=1.0))
    clock = state.clock
    first = clock.now()
    assert state.admit(KEY, counted=True) is None
    clock.resume_at(first + 30.0)
    assert state.admit(KEY, counted=True) is None
    clock.resume_at(first + 40.0)
    reset_at = state.admit(KEY, counted=True)
    assert reset_at == pytest.approx(first + 60.0, abs=0.5)
    clock.resume_at(first + 61.0)
    assert state.admit(KEY, counted=True) is None  # the oldest has left: one more is admitted


def test_a_window_too_short_for_one_request_at_the_rpm_still_admits_one():
    state = SimState(SimConfig(rpm=5, rate_window_s=6.0, time_scale=1.0))
    assert state.window_limit() == 1
    assert state.admit(KEY, counted=True) is None
    assert state.admit(KEY, counted=True) is not None
    assert state.rate_limited == 1


def test_a_save_that_fails_leaves_the_earlier_account_whole_and_no_partial_file(tmp_path, monkeypatch):
    path = tmp_path / "sim.json"
    state = SimState(SimConfig(time_scale=1.0, seed=3))
    kept = _make(state)
    state.save(str(path))
    _make(state, "a hare")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError, match="No space left"):
        state.save(str(path))
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sim.json"]
    again = SimState(SimConfig(time_scale=1.0, seed=3))
    assert again.load(str(path)) is True
    assert list(again.jobs) == [kept.request_id]


def test_a_saved_account_is_taken_up_on_its_own_clock_with_its_balance_holds_and_charges(tmp_path):
    path = str(tmp_path / "sim.json")
    two_days = 2 * 86_400.0
    first = SimState(SimConfig(credits=5.0, workers=1, time_scale=1.0, seed=3, clock_offset_s=-two_days))
    done, running = _make(first), _make(first, "a hare")
    first.clock.resume_at(done.finish + 1.0)
    first.settle()
    assert running.status_at(first.clock.now()) == "PROCESSING"
    first.save(str(path))
    second = SimState(SimConfig(credits=99.0, time_scale=1.0, seed=3))
    assert second.load(path) is True
    assert second.clock.now() == pytest.approx(done.finish + 1.0, abs=5.0)  # not two days on
    assert second.live_job(running.request_id) is not None
    assert (second.balance, second.holds) == pytest.approx((5.0 - done.cost, running.cost))
    assert second.available() == pytest.approx(first.available())
    assert second.charges == [(done.request_id, done.cost)] and second.total_charged() == pytest.approx(done.cost)


def test_a_saved_accounts_finished_video_is_served_after_it_is_taken_up(sim, tmp_path):
    state_file = str(tmp_path / "sim.json")
    first = sim(state_file=state_file, latency_scale=0.001)
    rid = httpx.post(f"{first.url}/v2/{SLUG}", json={"prompt": "a fox"}, headers=H).json()["request_id"]

    def result() -> httpx.Response:
        return httpx.get(f"{first.url}/v2/requests/{rid}", headers=H)

    assert poll_until(lambda: result().json().get("status") == "COMPLETED", 10)
    url = result().json()["output"]
    video = httpx.get(url).content
    assert video
    first.stop()
    saved = json.loads((tmp_path / "sim.json").read_text())
    assert [job["request_id"] for job in saved["jobs"]] == [rid]
    second = sim(state_file=state_file, latency_scale=0.001)
    again = httpx.get(url.replace(first.url, second.url))
    assert again.status_code == 200 and again.content == video
    assert httpx.get(f"{second.url}/v2/requests/{rid}", headers=H).json()["output"] == url.replace(
        first.url, second.url
    )


def test_a_saved_image_jobs_video_and_history_body_are_the_same_after_it_is_taken_up(sim, tmp_path):
    image = base64.b64encode(png_bytes(640, 360, seed=4)).decode()
    world = {"state_file": str(tmp_path / "sim.json"), "latency_scale": 0.001, "history_image": "whole"}
    first = sim(extra_specs=(str(TEST_IMAGE_SPEC),), **world)
    made = httpx.post(f"{first.url}/v2/kling-test-image2video", json={"prompt": "a fox", "image": image}, headers=H)
    rid = made.json()["request_id"]

    def result(url: str) -> dict:
        return dict(httpx.get(f"{url}/v2/requests/{rid}", headers=H).json())

    assert poll_until(lambda: result(first.url).get("status") == "COMPLETED", 10)
    before = httpx.get(result(first.url)["output"]).content
    first.stop()
    second = sim(extra_specs=(str(TEST_IMAGE_SPEC),), **world)
    after = httpx.get(result(second.url)["output"]).content
    row = httpx.get(f"{second.url}/inference-request/request-history/{rid}", headers=H).json()
    assert row["request_body"]["image"] == image
    assert after == before


def test_a_stalled_jobs_hold_is_released_when_its_record_dies_and_it_is_never_charged():
    state = SimState(SimConfig(credits=1.0, time_scale=1.0, seed=3, expiry_s=600.0))
    state.script("stall")
    stalled = _make(state)
    assert state.available() == pytest.approx(1.0 - stalled.cost)
    state.clock.resume_at(stalled.submitted + 601.0)
    state.settle()
    assert state.holds == pytest.approx(0.0)
    assert state.available() == pytest.approx(1.0)
    assert state.charges == [] and state.balance == pytest.approx(1.0)


def test_a_job_in_flight_when_the_account_was_saved_is_charged_once_it_finishes_after_it_is_taken_up(tmp_path):
    path = str(tmp_path / "sim.json")
    first = SimState(SimConfig(credits=5.0, time_scale=1.0, seed=3))
    running = _make(first)
    first.save(path)
    second = SimState(SimConfig(credits=5.0, time_scale=1.0, seed=3))
    assert second.load(path) is True
    second.clock.resume_at(running.finish + 1.0)
    second.settle()
    assert second.charges == [(running.request_id, running.cost)]
    assert (second.balance, second.holds) == pytest.approx((5.0 - running.cost, 0.0))


def test_one_body_sent_to_two_models_is_not_counted_as_a_duplicate():
    state = SimState(SimConfig(time_scale=1.0, seed=3))
    state.create_job(SLUG, {"prompt": "a fox"}, "std", 5)
    state.create_job("kling-1.6-text2video", {"prompt": "a fox"}, "std", 5)
    assert state.duplicate_submissions() == 0
    state.create_job(SLUG, {"prompt": "a fox"}, "std", 5)
    assert state.duplicate_submissions() == 1


def test_free_credits_pay_for_a_submit_the_paid_balance_alone_does_not_cover(sim):
    server = sim(time_scale=1.0, credits=0.1, free_credits=0.3)
    made = httpx.post(f"{server.url}/v2/{SLUG}", json={"prompt": "a fox"}, headers=H)
    assert made.status_code == 200, made.text
    refused = httpx.post(f"{server.url}/v2/{SLUG}", json={"prompt": "a hare"}, headers=H)
    assert refused.status_code == 406 and "balance is 0.1200" in refused.json()["error"]
    assert len(server.state.jobs) == 1


def test_status_polls_leave_the_rate_window_to_submits_when_polls_do_not_count(sim):
    server = sim(time_scale=1.0, rpm=1, polls_count=False)
    made = httpx.post(f"{server.url}/v2/{SLUG}", json={"prompt": "a fox"}, headers=H)
    assert made.status_code == 200
    rid = made.json()["request_id"]
    codes = [httpx.get(f"{server.url}/v2/requests/{rid}/status", headers=H).status_code for _ in range(3)]
    assert codes == [200, 200, 200] and server.state.rate_limited == 0
    assert httpx.post(f"{server.url}/v2/{SLUG}", json={"prompt": "a hare"}, headers=H).status_code == 429


def test_a_ten_second_video_takes_half_as_long_again_as_a_five_second_one():
    state = SimState(SimConfig(time_scale=1.0, latency_sigma=0.0, tail_rate=0.0, model_latency_s={SLUG: 40.0}))
    assert state.service_time(SLUG, 5) == pytest.approx(40.0)
    assert state.service_time(SLUG, 10) == pytest.approx(60.0)
