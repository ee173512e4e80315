"""Audit of ``batchgen/simulator/history.py``: the request history shows each request as it stood, to its own
account only, with no charge for what was not delivered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.helpers import KEY

H = {"x-api-key": KEY}
OTHER = "SG_fedcba9876543210"
SLUG = "kling-text2video"


def _submit(url: str, prompt: str = "a fox", headers: dict[str, str] = H) -> str:
    answer = httpx.post(f"{url}/v2/{SLUG}", json={"prompt": prompt}, headers=headers)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["request_id"])


def _at(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def _listing(url: str, headers: dict[str, str] = H, **params: str | int) -> dict:
    answer = httpx.get(f"{url}/inference-request/request-history", params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_failed_jobs_row_shows_no_credits_deducted_and_a_completed_ones_its_price(sim):
    server = sim(time_scale=1.0)
    server.state.script("fail")
    failed, done = _submit(server.url, "a fox"), _submit(server.url, "a hare")
    now = server.state.clock.now()
    for rid in (failed, done):
        job = server.state.jobs[rid]
        job.submitted = job.start = now - 100.0
        job.finish = now - 10.0
    rows = {row["request_id"]: row for row in _listing(server.url)["data"]}
    assert rows[failed]["model_status"] == "FAILED" and rows[failed]["credits_deduction"] == 0.0
    assert rows[failed]["error"]
    assert rows[done]["model_status"] == "COMPLETED"
    assert rows[done]["credits_deduction"] == pytest.approx(server.state.jobs[done].cost)


def test_a_stalled_or_running_jobs_row_is_pending_and_never_dated_in_the_future(sim):
    server = sim(time_scale=1.0)
    server.state.script("stall")
    stalled, running = _submit(server.url, "a fox"), _submit(server.url, "a hare")
    answer = httpx.get(f"{server.url}/inference-request/request-history", headers=H)
    assert answer.status_code == 200, answer.text
    rows = {row["request_id"]: row for row in answer.json()["data"]}
    assert set(rows) == {stalled, running}
    now = server.state.clock.now()
    for row in rows.values():
        assert row["model_status"] == "PENDING" and row["latency_ms"] is None
        assert _at(row["created_at"]) <= _at(row["updated_at"]) <= now
    one = httpx.get(f"{server.url}/inference-request/request-history/{stalled}", headers=H)
    assert one.status_code == 200 and one.json()["model_status"] == "PENDING"


def test_one_request_of_the_history_is_not_shown_to_another_accounts_key(sim):
    server = sim(time_scale=1.0, key_accounts={OTHER: "other"})
    mine = _submit(server.url)
    theirs = {"x-api-key": OTHER}
    answer = httpx.get(f"{server.url}/inference-request/request-history/{mine}", headers=theirs)
    assert answer.status_code == 404
    assert _listing(server.url, theirs)["data"] == []
    assert httpx.get(f"{server.url}/inference-request/request-history/{mine}", headers=H).status_code == 200


def test_a_lagging_history_filtered_by_status_gives_each_row_as_it_shows_it(sim):
    server = sim(time_scale=1.0, history_lag_s=30.0)
    rid = _submit(server.url)
    now = server.state.clock.now()
    job = server.state.jobs[rid]
    job.submitted = job.start = now - 100.0
    job.finish = now - 10.0  # finished, but the history shows the moment 30 s ago
    assert _listing(server.url, status="COMPLETED")["data"] == []
    pending = _listing(server.url, status="PENDING")["data"]
    assert [(row["request_id"], row["model_status"]) for row in pending] == [(rid, "PENDING")]


def test_each_page_holds_at_most_per_page_rows_and_the_pages_together_hold_each_row_once(sim):
    server = sim(time_scale=1.0)
    made = [_submit(server.url, f"scene {i}") for i in range(5)]
    pages = [_listing(server.url, page=p, per_page=2) for p in (1, 2, 3)]
    assert [len(page["data"]) for page in pages] == [2, 2, 1]
    assert [row["request_id"] for page in pages for row in page["data"]] == made[::-1]
    assert {page["total"] for page in pages} == {5}


def test_a_date_window_of_31_days_is_served_and_one_of_32_refused(sim):
    server = sim(time_scale=1.0)
    rid = _submit(server.url)
    today = datetime.fromtimestamp(server.state.clock.now(), UTC).date()
    month = _listing(server.url, from_date=str(today - timedelta(days=31)), to_date=str(today))
    assert [row["request_id"] for row in month["data"]] == [rid]
    longer = {"from_date": str(today - timedelta(days=32)), "to_date": str(today)}
    refused = httpx.get(f"{server.url}/inference-request/request-history", params=longer, headers=H)
    assert refused.status_code == 400 and "31 days" in refused.json()["error"]


def test_a_history_of_finished_requests_only_does_not_show_one_unfinished_request_asked_for_by_id(sim):
    server = sim(time_scale=1.0, history_shows="finished")
    rid = _submit(server.url)
    one = f"{server.url}/inference-request/request-history/{rid}"
    assert httpx.get(one, headers=H).status_code == 404
    assert _listing(server.url)["data"] == []
    job = server.state.jobs[rid]
    job.submitted = job.start = server.state.clock.now() - 100.0
    job.finish = server.state.clock.now() - 10.0
    shown = httpx.get(one, headers=H)
    assert shown.status_code == 200 and shown.json()["model_status"] == "COMPLETED"
