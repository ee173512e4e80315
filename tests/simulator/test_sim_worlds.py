"""The simulator builds worlds the client was not told about: latency, history, 429 hints, windows, expiry."""

from __future__ import annotations

import statistics

import httpx
import pytest

from batchgen.simulator import SimConfig, SimState
from tests.helpers import (
    KEY,
    run_cli,
)

H = {"x-api-key": KEY}


def _mean_service(config: SimConfig, slug: str = "kling-text2video") -> float:
    state = SimState(config)
    return statistics.fmean(state.service_time(slug, 5) for _ in range(400))


def test_latency_scale_and_per_model_mean_set_service_times():
    published = _mean_service(SimConfig(tail_rate=0.0))
    assert published == pytest.approx(320.2, rel=0.05)
    assert _mean_service(SimConfig(tail_rate=0.0, latency_scale=0.01)) == pytest.approx(3.2, rel=0.05)
    per_model = SimConfig(tail_rate=0.0, model_latency_s={"kling-text2video": 1600.0})
    assert _mean_service(per_model) == pytest.approx(1600.0, rel=0.05)
    assert _mean_service(per_model, "kling-1.6-text2video") == pytest.approx(304.1, rel=0.05)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rate_hint": "sometimes"}, "rate_hint"),
        ({"history": "maybe"}, "history"),
        ({"history_latency": "queue"}, "history_latency"),
        ({"history_page_cap": 0}, "history_page_cap"),
        ({"history_backlog": -1}, "history_backlog"),
        ({"account_others_per_min": -1.0}, "account_others_per_min"),
        ({"history_order": "newest"}, "history_order"),
        ({"history_refuses": frozenset({"page"})}, "history_refuses"),
        ({"rate_window_s": 0.0}, "rate_window_s"),
        ({"model_latency_s": {"kling-text2video": -1.0}}, "model_latency_s"),
    ],
)
def test_nonsense_world_knobs_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SimConfig(**kwargs)


def test_rate_window_other_than_a_minute_admits_its_share():
    state = SimState(SimConfig(rpm=120, rate_window_s=10.0))  # 20 per 10 s
    assert state.window_limit() == 20
    admitted = sum(state.admit(KEY, counted=True) is None for _ in range(50))
    assert admitted == 20
    assert state.rate_limited == 30


def _submit(url: str) -> httpx.Response:
    return httpx.post(f"{url}/v2/kling-text2video", json={"prompt": "a fox"}, headers=H)


@pytest.mark.parametrize(
    ("hint", "headers"),
    [
        ("reset", {"x-rate-limit-reset-at-utc"}),
        ("retry-after", {"retry-after"}),
        ("both", {"x-rate-limit-reset-at-utc", "retry-after"}),
        ("none", set()),
    ],
)
def test_429_carries_the_configured_hint(sim, hint, headers):
    server = sim(rpm=1, rate_hint=hint, time_scale=1.0)
    assert _submit(server.url).status_code == 200
    answer = _submit(server.url)
    assert answer.status_code == 429
    present = {name for name in ("x-rate-limit-reset-at-utc", "retry-after") if name in answer.headers}
    assert present == headers


@pytest.mark.parametrize(("mode", "code"), [("on", 200), ("off", 404), ("error", 500)])
def test_history_modes(sim, mode, code):
    server = sim(history=mode)
    rid = _submit(server.url).json()["request_id"]
    listing = httpx.get(f"{server.url}/inference-request/request-history", headers=H)
    one = httpx.get(f"{server.url}/inference-request/request-history/{rid}", headers=H)
    assert (listing.status_code, one.status_code) == (code, code)
    # status polls are unaffected by the history's state
    assert httpx.get(f"{server.url}/v2/requests/{rid}/status", headers=H).status_code == 200


@pytest.mark.parametrize(("measure", "latency_ms"), [("total", 50_000), ("inference", 30_000), ("none", None)])
def test_a_finished_history_rows_latency_is_what_the_world_says_it_measures(sim, measure, latency_ms):
    server = sim(history_latency=measure, time_scale=1.0)
    rid = _submit(server.url).json()["request_id"]
    job = server.state.jobs[rid]
    job.submitted -= 60.0  # made a minute ago: queued 20 s, then 30 s of work
    job.start, job.finish = job.submitted + 20.0, job.submitted + 50.0
    rows = httpx.get(f"{server.url}/inference-request/request-history", headers=H).json()["data"]
    assert [(row["model_status"], row["latency_ms"]) for row in rows] == [("COMPLETED", latency_ms)]


def test_a_capped_history_serves_fewer_rows_than_asked_for_and_says_nothing_of_its_pages(sim):
    server = sim(history_page_cap=3, time_scale=1.0)
    made = [_submit(server.url).json()["request_id"] for _ in range(7)]
    url = f"{server.url}/inference-request/request-history"
    pages = [httpx.get(url, params={"page": p, "per_page": 100}, headers=H).json() for p in (1, 2, 3, 4)]
    assert [list(page) for page in pages] == [["data"]] * 4  # no page counts
    assert [[row["request_id"] for row in page["data"]] for page in pages] == [made[6:3:-1], made[3:0:-1], made[:1], []]
    assert len(httpx.get(url, params={"per_page": 2}, headers=H).json()["data"]) == 2  # fewer asked: fewer given


@pytest.mark.parametrize("order", ["oldest", "unsorted"])
def test_a_history_may_list_its_rows_in_another_order_than_asked_for(sim, order):
    server = sim(history_order=order, time_scale=1.0)
    made = [_submit(server.url).json()["request_id"] for _ in range(6)]
    url = f"{server.url}/inference-request/request-history"
    listed = [row["request_id"] for row in httpx.get(url, params={"sort_order": "desc"}, headers=H).json()["data"]]
    assert sorted(listed) == sorted(made) and listed != made[::-1]
    if order == "oldest":
        assert listed == made
    again = [row["request_id"] for row in httpx.get(url, headers=H).json()["data"]]
    assert again == listed  # a stable order, page after page


def test_a_backlog_of_earlier_requests_is_listed_above_this_runs_and_counts_nowhere_else(sim):
    server = sim(history_backlog=150, time_scale=1.0)
    made = _submit(server.url).json()["request_id"]
    url = f"{server.url}/inference-request/request-history"
    newest = httpx.get(url, params={"per_page": 100}, headers=H).json()
    assert newest["total"] == 151 and newest["data"][0]["request_id"] == made
    oldest = httpx.get(url, params={"per_page": 100, "page": 2, "sort_order": "asc"}, headers=H).json()["data"]
    assert [row["request_id"] for row in oldest][-1] == made and len(oldest) == 51
    stamps = [row["created_at"] for row in oldest]
    assert stamps == sorted(stamps) and all(row["model_status"] == "COMPLETED" for row in oldest[:-1])
    assert list(server.state.jobs) == [made] and server.state.total_charged() == 0.0
    assert httpx.get(f"{server.url}/v2/requests/{oldest[0]['request_id']}", headers=H).status_code == 404


def test_the_accounts_other_users_requests_are_listed_among_this_runs_in_time_order_and_count_nowhere_else(sim):
    server = sim(account_others_per_min=60.0, time_scale=1.0)  # one a second, on average
    clock, made = server.state.clock, []
    for _ in range(3):
        made.append(_submit(server.url).json()["request_id"])
        clock.resume_at(clock.now() + 20.0)  # 20 seconds between submits
    url = f"{server.url}/inference-request/request-history"
    rows = httpx.get(url, params={"per_page": 100}, headers=H).json()["data"]
    ids = [row["request_id"] for row in rows]
    assert [rid for rid in ids if rid in made] == made[::-1]  # newest first, ours among theirs
    assert ids.index(made[0]) - ids.index(made[1]) >= 10  # theirs made between two of ours lie between them
    stamps = [row["created_at"] for row in rows]
    assert stamps == sorted(stamps, reverse=True)
    assert sorted(server.state.jobs) == sorted(made) and server.state.total_charged() == 0.0
    theirs = next(rid for rid in ids if rid not in made)
    assert httpx.get(f"{server.url}/v2/requests/{theirs}", headers=H).status_code == 404  # not this key's to poll


def test_short_record_life_answers_404_early(sim):
    server = sim(expiry_s=60.0, time_scale=1.0)
    rid = _submit(server.url).json()["request_id"]
    assert httpx.get(f"{server.url}/v2/requests/{rid}/status", headers=H).status_code == 200
    server.state.jobs[rid].submitted -= 61.0  # the record was made 61 simulated seconds ago
    assert httpx.get(f"{server.url}/v2/requests/{rid}/status", headers=H).status_code == 404


def test_simulate_flags_reach_the_config(monkeypatch):
    seen: dict[str, SimConfig] = {}

    class Stop(Exception):
        pass

    def capture(config: SimConfig, **_: object) -> None:
        seen["config"] = config
        raise Stop

    monkeypatch.setattr("batchgen.simulator.SimServer", capture)
    with pytest.raises(Stop):
        run_cli(
            "simulate", "--rate-hint", "none", "--rate-window", "10", "--latency-scale", "0.01",
            "--model-latency", "kling-text2video=30", "--history", "error", "--history-lag", "5",
            "--expiry", "900", "--history-latency", "inference", "--history-page-cap", "20",
            "--history-order", "oldest", "--history-refuse", "per_page", "--history-refuse", "sort_order",
            "--clock-offset", "-3600", "--history-backlog", "250", "--account-others", "12.5",
        )  # fmt: skip
    config = seen["config"]
    assert (config.rate_hint, config.rate_window_s, config.latency_scale) == ("none", 10.0, 0.01)
    assert config.model_latency_s == {"kling-text2video": 30.0}
    assert (config.history, config.history_lag_s, config.expiry_s) == ("error", 5.0, 900.0)
    assert config.history_latency == "inference" and config.history_page_cap == 20
    assert config.history_order == "oldest" and config.history_refuses == {"per_page", "sort_order"}
    assert config.clock_offset_s == -3600.0 and config.history_backlog == 250
    assert config.account_others_per_min == 12.5


def test_simulate_rejects_a_bad_model_latency(capsys):
    assert run_cli("simulate", "--model-latency", "kling-text2video=fast") != 0
    assert "--model-latency" in capsys.readouterr().err


def test_answer_time_draws_each_half_of_a_round_trip_in_real_seconds():
    # Two world seconds a round trip at 100-fold: each half takes 5-15 ms of real time.
    state = SimState(SimConfig(answer_time_s=2.0, time_scale=100.0))
    halves = [state.answer_time() for _ in range(200)]
    assert all(0.005 <= h <= 0.015 for h in halves)
    assert max(halves) - min(halves) > 0.005  # drawn, not one figure
    assert SimState(SimConfig()).answer_time() == 0.0  # answered at once by default
    with pytest.raises(ValueError, match="answer_time_s"):
        SimConfig(answer_time_s=-1.0)
