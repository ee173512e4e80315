"""Audit of ``batchgen/simulator/polls.py``: a request is polled by its own account only, a failure is a 422
with its error, an unfinished result answers as the world says, and the credits endpoint gives the balance as it
stands."""

from __future__ import annotations

import httpx
import pytest

from tests.helpers import KEY, poll_until

H = {"x-api-key": KEY}
OTHER = "SG_fedcba9876543210"
SLUG = "kling-text2video"


def _submit(url: str, prompt: str = "a fox") -> str:
    answer = httpx.post(f"{url}/v2/{SLUG}", json={"prompt": prompt}, headers=H)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["request_id"])


@pytest.mark.parametrize("route", ["/v2/requests/{}/status", "/v2/requests/{}"])
def test_a_request_is_not_polled_by_another_accounts_key(sim, route):
    server = sim(time_scale=1.0, key_accounts={OTHER: "other"})
    rid = _submit(server.url)
    theirs = httpx.get(server.url + route.format(rid), headers={"x-api-key": OTHER})
    assert theirs.status_code == 404 and rid in theirs.json()["error"]
    assert httpx.get(server.url + route.format(rid), headers=H).status_code == 200


@pytest.mark.parametrize("route", ["/v2/requests/{}/status", "/v2/requests/{}"])
def test_a_failed_job_is_answered_422_with_its_error_and_no_cost(sim, route):
    server = sim(time_scale=1.0)
    server.state.script("fail")
    rid = _submit(server.url)
    job = server.state.jobs[rid]
    job.finish = job.start = server.state.clock.now() - 1.0
    answer = httpx.get(server.url + route.format(rid), headers=H)
    assert answer.status_code == 422
    body = answer.json()
    assert body["status"] == "FAILED" and body["request_id"] == rid and body["error"] == job.error
    assert "cost" not in body["metrics"]


def test_the_credits_endpoint_gives_the_paid_balance_and_the_free_credits_apart(sim):
    server = sim(time_scale=1.0, credits=3.0, free_credits=0.25)
    credits = httpx.get(f"{server.url}/v1/get-user-credits", headers=H).json()
    assert credits == {"credits": pytest.approx(3.0), "free-credits": pytest.approx(0.25)}
    server.state.balance -= 0.5
    assert httpx.get(f"{server.url}/v1/get-user-credits", headers=H).json()["credits"] == pytest.approx(2.5)


def test_a_results_remaining_credits_is_the_paid_balance_after_its_charge(sim):
    server = sim(credits=2.0, free_credits=0.5, latency_scale=0.001)
    done = _submit(server.url, "a fox")
    result = f"{server.url}/v2/requests/{done}"
    assert poll_until(lambda: httpx.get(result, headers=H).json()["status"] == "COMPLETED", 10)
    server.state.script("stall")
    _submit(server.url, "a hare")  # in flight: its price is held, not paid
    metrics = httpx.get(result, headers=H).json()["metrics"]
    cost = server.state.jobs[done].cost
    assert metrics["cost"] == pytest.approx(cost)
    assert metrics["remaining_credits"] == pytest.approx(2.0 - cost)
    assert httpx.get(f"{server.url}/v1/get-user-credits", headers=H).json()["credits"] == pytest.approx(2.0 - cost)


def test_a_results_metrics_give_the_time_queued_and_the_inference_apart(sim):
    server = sim(time_scale=1.0)
    rid = _submit(server.url)
    job = server.state.jobs[rid]
    now = server.state.clock.now()
    job.submitted, job.start, job.finish = now - 100.0, now - 80.0, now - 10.0
    metrics = httpx.get(f"{server.url}/v2/requests/{rid}", headers=H).json()["metrics"]
    assert (metrics["queue_time"], metrics["inference_time"], metrics["total_time"]) == (20.0, 70.0, 90.0)
    status = httpx.get(f"{server.url}/v2/requests/{rid}/status", headers=H).json()
    assert status["status"] == "COMPLETED" and status["metrics"] == {"inference_time": 70.0}


def test_polls_of_a_job_in_flight_carry_the_worlds_accepted_status_and_a_finished_one_200(sim):
    server = sim(time_scale=1.0, accepted_status=202)
    answer = httpx.post(f"{server.url}/v2/{SLUG}", json={"prompt": "a fox"}, headers=H)
    assert answer.status_code == 202
    rid = answer.json()["request_id"]
    for route in ("/v2/requests/{}/status", "/v2/requests/{}"):
        polled = httpx.get(server.url + route.format(rid), headers=H)
        assert polled.status_code == 202 and polled.json()["status"] in ("QUEUED", "PROCESSING")
    job = server.state.jobs[rid]
    job.finish = job.start = server.state.clock.now() - 1.0
    for route in ("/v2/requests/{}/status", "/v2/requests/{}"):
        polled = httpx.get(server.url + route.format(rid), headers=H)
        assert polled.status_code == 200 and polled.json()["status"] == "COMPLETED"


@pytest.mark.parametrize(
    ("mode", "code", "output"),
    [("status", 200, None), ("empty-output", 200, ""), ("error-400", 400, None), ("not-found", 404, None)],
)
def test_a_result_poll_of_an_unfinished_job_answers_as_the_world_says(sim, mode, code, output):
    server = sim(time_scale=1.0, nonterminal_result=mode)
    rid = _submit(server.url)
    answer = httpx.get(f"{server.url}/v2/requests/{rid}", headers=H)
    assert answer.status_code == code, answer.text
    body = answer.json()
    if code == 200:
        assert body["status"] in ("QUEUED", "PROCESSING") and body.get("output") == output
    else:
        assert "status" not in body and body["error"]
    job = server.state.jobs[rid]
    job.finish = job.start = server.state.clock.now() - 1.0
    done = httpx.get(f"{server.url}/v2/requests/{rid}", headers=H)
    assert done.status_code == 200 and done.json()["output"].endswith(f"/generations/{job.file_id}.mp4")
