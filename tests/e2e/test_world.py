"""Worlds the client was not told about: it learns them from what the server shows.

Every run here gets a plain real-time ``Clock``: the simulator runs at time
scale 1 with service times, windows and record lives of its own, and the
client knows only what a user's config would say.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from batchgen.api.window import PROBE_GROWTH
from batchgen.cli.runner import Outcome, run_jobs
from batchgen.config import load_settings
from batchgen.engine.pollplan import SCOUTS
from batchgen.manifest import load_manifest
from batchgen.simulator import SimConfig, SimServer
from batchgen.store.ledger import read_ledger
from tests.helpers import (
    KEY,
    many_jobs_yaml,
    write,
)

FAST = {"min_interval_s": 0.05, "max_interval_s": 0.5}


async def run_world(
    path: Path,
    sim: SimServer,
    out: Path,
    *,
    polling: dict[str, Any] | None = None,
    resubmit_lost: bool = False,
    api: dict[str, Any] | None = None,
    **limits: Any,
) -> Outcome:
    settings = load_settings(
        overrides={
            "api": {"base_url": sim.url, **(api or {})},
            "limits": {"requests_per_minute": 6000, **limits},
            "polling": polling or FAST,
            "retry": {"backoff_initial_s": 0.05, "backoff_max_s": 0.2},
            "output": {"dir": str(out)},
        },
        environ={},
    )
    # no time scale: not told
    return await run_jobs(load_manifest(path).jobs, settings, api_key=KEY, resubmit_lost=resubmit_lost)


def states(out: Path) -> dict[str, str]:
    return {job_id: rec["state"] for job_id, rec in read_ledger(out / "ledger.jsonl").jobs.items()}


def poll_calls(sim: SimServer, completed: int) -> int:
    """Status polls plus result calls beyond the one each completed job needs (polls may ask either)."""
    counters = sim.state.counters
    return counters["/v2/requests/{rid}/status"] + counters["/v2/requests/{rid}"] - completed


def fast_world(**kw: Any) -> SimConfig:
    """Jobs of about 1.3 s instead of the published 320 s."""
    return SimConfig(**{"time_scale": 1.0, "latency_scale": 0.004, "workers": 4, "seed": 3, **kw})


async def test_history_unavailable_falls_back_to_learned_polling(tmp_path, caplog):
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(12))
    with caplog.at_level(logging.INFO, logger="batchgen"):
        async with SimServer(fast_world(history="off")) as sim:
            outcome = await run_world(manifest, sim, tmp_path / "out", concurrency=6)
    assert set(states(tmp_path / "out").values()) == {"completed"}
    poller = outcome.run.poller
    assert not poller.sweeper.sweeping
    assert "history sweeps are off" in caplog.text
    polls = poll_calls(sim, 12)
    assert 12 <= polls <= 16 * 12  # a prior 250x too long costs some polls, not minutes
    assert poller.latency.learned(("kling-text2video", "", 5))
    assert poller.latency.median(("kling-text2video", "", 5)) < 10.0  # learned, not the published 320 s


async def test_an_erroring_history_falls_back_and_every_job_completes(tmp_path):
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(8))
    async with SimServer(fast_world(history="error")) as sim:
        outcome = await run_world(manifest, sim, tmp_path / "out", concurrency=4)
    assert set(states(tmp_path / "out").values()) == {"completed"}
    assert not outcome.run.poller.sweeper.sweeping
    assert 8 <= poll_calls(sim, 8) <= 16 * 8


async def test_a_working_history_finds_fast_jobs_with_few_polls(tmp_path):
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(16))
    async with SimServer(fast_world()) as sim:
        outcome = await run_world(manifest, sim, tmp_path / "out", concurrency=6)
    assert set(states(tmp_path / "out").values()) == {"completed"}
    poller = outcome.run.poller
    assert poller.sweeper.sweeping and poller.sweeper.hits >= 8
    api = sum(v for k, v in sim.state.counters.items() if not k.startswith("/generations"))
    assert api / 16 <= 6


async def test_a_resume_with_jobs_that_finished_while_down_keeps_sweeps_on(tmp_path):
    out = tmp_path / "out"
    first = write(tmp_path / "first.yaml", many_jobs_yaml(6))
    async with SimServer(SimConfig(time_scale=1.0, workers=8, seed=4)) as sim:  # published latency: ~320 s
        submitted: list[str] = []
        runs: list[Any] = []

        async def monitor(run: Any) -> None:
            runs.append(run)

        def on_event(event: str, job: Any) -> None:
            if event == "submitted":
                submitted.append(job.spec.id)
                if len(submitted) == 6:  # batchgen stops with six jobs in flight
                    runs[0].control.request_stop()
                    runs[0].control.abort()

        settings = load_settings(
            overrides={"api": {"base_url": sim.url}, "limits": {"concurrency": 6, "requests_per_minute": 6000},
                       "polling": FAST, "output": {"dir": str(out)}},
            environ={},
        )  # fmt: skip
        await run_jobs(load_manifest(first).jobs, settings, api_key=KEY, monitor=monitor, on_event=on_event)
        assert set(states(out).values()) == {"submitted"}
        now = sim.state.clock.now()
        for job in sim.state.jobs.values():  # while batchgen was down, every one of them finished
            job.start, job.finish = job.submitted, now - 1.0
        sim.state.config.latency_scale = 0.004  # and new jobs run fast
        both = write(tmp_path / "both.yaml", many_jobs_yaml(12))
        outcome = await run_world(both, sim, out, concurrency=6)
    assert set(states(out).values()) == {"completed"}
    poller = outcome.run.poller
    assert poller.sweeper.sweeping, "jobs found by polls after a resume were taken for a failing history"
    assert poller.sweeper.missed == 0
    assert poller.sweeper.hits >= 3  # and the sweeps went on finding the new jobs
    assert sim.state.duplicate_submissions() == 0


async def test_a_record_gone_before_expiry_tightens_the_guard_and_says_so_once(tmp_path, caplog):
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(8))
    async with SimServer(fast_world(expiry_s=3.0, workers=8)) as sim:
        sim.state.script("stall", count=2)  # two jobs never finish; their records die at 3 s (the others learned)
        with caplog.at_level(logging.WARNING, logger="batchgen"):
            outcome = await run_world(manifest, sim, tmp_path / "out", concurrency=8)
    plan = outcome.run.poller.plan
    # configured 3600 s; the world keeps records 3 s, seen gone by the first poll after that (a safety net's, the
    # others found done by the sweeps: a few seconds on)
    assert 3.0 <= plan.expiry <= 30.0
    assert plan.guard < plan.expiry
    told = [r for r in caplog.records if "sooner than polling.expiry_s" in r.getMessage()]
    assert len(told) == 1
    assert sorted(states(tmp_path / "out").values()) == ["completed"] * 6 + ["expired"] * 2
    assert outcome.run.snapshot().done_now == 8  # the progress counts the two lost as ended, as the summary does


async def rate_world(tmp_path: Path, jobs: int, world: SimConfig, **limits: Any) -> tuple[SimServer, Outcome]:
    """A batch of ``jobs`` against a server with a rate limit of its own; every job completes, each made once."""
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(jobs))
    async with SimServer(world) as sim:
        outcome = await run_world(manifest, sim, tmp_path / "out", concurrency=jobs, **limits)
    assert set(states(tmp_path / "out").values()) == {"completed"}
    assert sim.state.duplicate_submissions() == 0
    return sim, outcome


async def test_hintless_429s_at_4x_the_limit_find_the_window(tmp_path):
    # The server admits 20 requests per second and says nothing on a 429; the user set 4x that.
    world = SimConfig(time_scale=1.0, latency_scale=0.002, workers=32, rpm=1200, rate_window_s=1.0, rate_hint="none")
    sim, outcome = await rate_world(tmp_path, 32, world, requests_per_minute=4800, rate_window_s=1.0)
    requests = sum(v for k, v in sim.state.counters.items() if not k.startswith("/generations"))
    assert sim.state.early_requests <= 0.10 * requests  # few requests sent into a cooldown
    finder = outcome.run.budget.finder
    # never shorter than the server's; at most a probe's growth longer, and the answers' delay on a loaded machine
    # (the narrowing toward 1.0 that follows is the unit tests' to check: a short batch may end before it)
    assert finder.window is not None and 1.0 <= finder.window <= 1.0 * PROBE_GROWTH * 1.25
    assert finder.limit is not None and finder.limit <= 20


async def test_hintless_429s_at_5x_the_limit_and_the_wrong_window_cost_few_requests_into_a_cooldown(tmp_path):
    # The server admits 20 requests per 6 s and says nothing on a 429; the user set 5x that rate, counted
    # over the default minute.  A short batch: a cooldown's refused probes weigh most here.  (The world runs in
    # real time: in a window of 2 s, a loaded machine's stall of a few hundred ms sent a burst into a cooldown.)
    world = SimConfig(time_scale=1.0, latency_scale=0.002, workers=30, rpm=200, rate_window_s=6.0, rate_hint="none")
    sim, outcome = await rate_world(tmp_path, 30, world, requests_per_minute=1000, rate_window_s=60.0)
    requests = sum(v for k, v in sim.state.counters.items() if not k.startswith("/generations"))
    # into a cooldown: at most one request in ten, and few enough for a batch of 50 requests
    assert sim.state.early_requests <= min(5, 0.10 * requests)
    finder = outcome.run.budget.finder
    assert finder.limit is not None and finder.limit <= 20
    # at most a probe's growth too long, and a loaded machine's late answers
    assert finder.window is not None and finder.lower < 6.0 <= finder.window <= 6.0 * PROBE_GROWTH * 1.25


async def test_reset_times_from_a_window_far_shorter_than_configured_find_it_and_keep_the_rate(tmp_path):
    # The server admits 5 requests per 0.6 s (500/min) and gives a reset time on a 429; the user set
    # 600/min over the default minute.  Too few calls were in that minute to explain a 429, and the
    # reset came long before it could clear: the rate is kept, counted over the server's window, where
    # halving the limit on each such 429 left it far below the server's rate for the rest of the run.
    world = SimConfig(time_scale=1.0, latency_scale=0.002, workers=40, rpm=500, rate_window_s=0.6, rate_hint="reset")
    sim, outcome = await rate_world(tmp_path, 40, world, requests_per_minute=600, rate_window_s=60.0)
    assert sim.state.rate_limited <= 3
    budget = outcome.run.budget
    assert budget.window <= 0.6 + 1.0  # counted over the server's window (within the Date header's second)
    assert budget.limit / budget.window >= 0.5 * 500 / 60  # paced at most of the server's rate, not a quarter


@pytest.mark.parametrize("answer", ["error-400", "not-found"])
async def test_polls_fall_back_to_status_when_the_result_endpoint_refuses_unfinished_jobs(tmp_path, caplog, answer):
    """What the result endpoint answers for an unfinished job is undocumented.  Polls try it; an
    error switches the run to status polls, and the job it was tried on is not taken for lost."""
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(8))
    with caplog.at_level(logging.INFO, logger="batchgen"):
        async with SimServer(fast_world(history="off", nonterminal_result=answer)) as sim:
            outcome = await run_world(manifest, sim, tmp_path / "out", concurrency=4)
    assert set(states(tmp_path / "out").values()) == {"completed"}
    assert outcome.run.poller.result_polls is False
    assert "the result endpoint did not answer for an unfinished job" in caplog.text
    assert sim.state.counters["/v2/requests/{rid}/status"] >= 8  # polled by status
    # the trials cost at most the polls sent before the first refusal came back: one per job in flight
    assert sim.state.counters["/v2/requests/{rid}"] <= 8 + 4
    assert len(sim.state.submissions) == 8 and sim.state.duplicate_submissions() == 0
    assert '"expired"' not in (tmp_path / "out" / "ledger.jsonl").read_text()


@pytest.mark.parametrize("answer", ["status", "empty-output"])
async def test_polls_ask_the_result_endpoint_when_it_answers_for_unfinished_jobs(tmp_path, answer):
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(8))
    async with SimServer(fast_world(history="off", nonterminal_result=answer)) as sim:
        outcome = await run_world(manifest, sim, tmp_path / "out", concurrency=4)
    assert set(states(tmp_path / "out").values()) == {"completed"}
    assert outcome.run.poller.result_polls is True
    assert sim.state.counters["/v2/requests/{rid}/status"] == 0  # one request per poll, the result included
    assert sim.state.counters["/v2/requests/{rid}"] > 8


def completed_lines(out: Path, event: str = "completed") -> list[dict[str, Any]]:
    lines = (out / "ledger.jsonl").read_text().splitlines()
    return [rec for rec in map(json.loads, lines) if rec["event"] == event]


async def test_a_job_a_sweep_shows_finished_is_downloaded_from_its_row_once_the_row_matched_a_result(tmp_path):
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(16))
    async with SimServer(fast_world()) as sim:
        outcome = await run_world(manifest, sim, tmp_path / "out", concurrency=6)
    assert set(states(tmp_path / "out").values()) == {"completed"}
    assert outcome.run.reconciler.links.history_urls is True  # compared with a result, and the same link
    skipped = 16 - len(sim.state.results_served)
    assert skipped >= 4, f"only {skipped} of 16 jobs were settled without a result call"
    assert all("/generations/" in rec["output_url"] for rec in completed_lines(tmp_path / "out"))
    assert sim.state.key_leaks == 0 and sim.state.duplicate_submissions() == 0


async def test_one_job_compares_its_row_with_its_result_while_the_others_a_sweep_showed_finished_wait(tmp_path):
    """One wave: every job runs at once, so the first sweep that finds any finds most.  Until a row's link
    has matched its result, one job of the model at a time gets a result call; the others wait for it and
    are then settled from their rows.  Settled by a result: that one job, the scouts' safety-net polls and
    the last job in flight (polled once polls bring results), whatever the batch's size."""
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(16))
    async with SimServer(fast_world(workers=16, latency_sigma=0.02, tail_rate=0.0)) as sim:
        outcome = await run_world(manifest, sim, tmp_path / "out", concurrency=16)
    assert set(states(tmp_path / "out").values()) == {"completed"}
    assert outcome.run.reconciler.links.history_urls is True
    assert outcome.run.poller.sweeper.hits >= 16 - SCOUTS - 1
    assert len(sim.state.results_served) <= 1 + SCOUTS + 1
    assert all("/generations/" in rec["output_url"] for rec in completed_lines(tmp_path / "out"))
    assert sim.state.duplicate_submissions() == 0


async def test_while_submits_hold_the_budget_first_polls_wait_for_the_sweep_queued_before_them(tmp_path):
    """Rate-bound: the submits of the batch outlast its first jobs, and submits go before polls and sweeps.
    The first sweep waits behind the submits; the first polls that come due meanwhile wait for it instead
    of queueing a result call per job.  Per-job calls: the one comparison of a row's link with a result,
    the scouts' safety-net polls and the last job in flight (polled while polls bring results)."""
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(24))
    async with SimServer(fast_world(workers=24, rpm=480, rate_window_s=3.0)) as sim:
        outcome = await run_world(manifest, sim, tmp_path / "out", concurrency=24, requests_per_minute=480,
                                  rate_window_s=3.0)  # fmt: skip
    assert set(states(tmp_path / "out").values()) == {"completed"}
    assert outcome.run.poller.sweeper.working
    # jobs settled by a result of their own, not by their row
    assert len(sim.state.results_served) <= 1 + SCOUTS + 1, sim.state.counters
    assert sim.state.rate_limited == 0 and sim.state.duplicate_submissions() == 0


@pytest.mark.parametrize("link", ["other", "none"])
async def test_history_rows_that_link_another_file_or_none_leave_every_result_to_the_result_call(
    tmp_path, caplog, link
):
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(12))
    with caplog.at_level(logging.INFO, logger="batchgen"):
        async with SimServer(fast_world(history_url=link)) as sim:
            outcome = await run_world(manifest, sim, tmp_path / "out", concurrency=6)
    assert set(states(tmp_path / "out").values()) == {"completed"}
    poller = outcome.run.poller
    assert poller.sweeper.hits >= 4  # the sweeps found jobs ...
    assert len(sim.state.results_served) == 12  # ... and every one was settled by its result
    assert sim.state.counters["/previews/{fid}.jpg"] == 0  # the other file was never fetched
    assert outcome.run.reconciler.links.history_urls is (False if link == "other" else None)
    told = "a job's output link in the request history is not the one its result gives" in caplog.text
    assert told is (link == "other")
    assert all("/generations/" in rec["output_url"] for rec in completed_lines(tmp_path / "out"))


async def test_a_history_link_that_does_not_give_the_video_falls_back_to_the_result_at_once(tmp_path, caplog):
    """Should rows start linking another file after they were found to match: the download
    that fails asks the result for the video's link, and history links end for the run."""
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(12))

    with caplog.at_level(logging.INFO, logger="batchgen"):
        async with SimServer(fast_world(history_url="other")) as sim:

            async def monitor(run: Any) -> None:  # as if an earlier row's link had matched its result
                link = f"{sim.url}/previews/earlier.jpg"
                run.reconciler.links.compare("kling-text2video", link, link)

            settings = load_settings(
                overrides={"api": {"base_url": sim.url}, "limits": {"concurrency": 6, "requests_per_minute": 6000},
                           "polling": FAST, "retry": {"backoff_initial_s": 0.05, "backoff_max_s": 0.2},
                           "output": {"dir": str(tmp_path / "out")}},
                environ={},
            )  # fmt: skip
            outcome = await run_jobs(load_manifest(manifest).jobs, settings, api_key=KEY, monitor=monitor)
    assert set(states(tmp_path / "out").values()) == {"completed"}
    assert outcome.run.reconciler.links.history_urls is False
    tried = sim.state.counters["/previews/{fid}.jpg"]
    assert 1 <= tried <= 6  # the downloads already handed a preview link, at most one per job in flight
    assert "is not the one its result gives" in caplog.text
    assert all("/generations/" in rec["output_url"] for rec in completed_lines(tmp_path / "out"))
    assert '"download_failed"' not in (tmp_path / "out" / "ledger.jsonl").read_text()


def test_history_links_are_trusted_per_model_and_only_in_the_shape_that_matched():
    from batchgen.engine.history_links import HistoryLinks

    dl = HistoryLinks()
    a, b = "kling-text2video", "kling-1.6-text2video"
    link = "https://cdn.example/generations/1.mp4"
    assert dl.history_urls is None and not dl.trusts(a, link)
    dl.compare(a, link, link + "?sig=2")  # the same file: a signature may differ
    assert dl.history_urls is True and dl.trusts(a, "https://cdn.example/generations/2.mp4")
    assert not dl.trusts(b, "https://cdn.example/generations/2.mp4")  # another model: not yet compared
    assert not dl.trusts(a, "https://cdn.example/previews/2.jpg")  # another kind of link
    assert not dl.trusts(a, "https://cdn.example/previews/2.mp4")  # another folder: a preview, not the video
    assert not dl.trusts(a, "https://other.example/generations/2.mp4")
    dl.compare(b, "https://cdn.example/generations/3.mp4", "https://cdn.example/generations/4.mp4")
    assert dl.history_urls is False and not dl.trusts(a, link)  # one mismatch ends it for every model


async def test_a_record_gone_while_the_history_errs_is_left_to_look_up_later_never_made_again(tmp_path):
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(4))
    async with SimServer(fast_world(history="error", expiry_s=3.0)) as sim:
        sim.state.script("stall", count=1)  # never finishes; its record dies at 3 s, and the history errs
        # the history's trouble is ridden out for api.unreachable_after_s (5 s here: this world runs in real time)
        await run_world(
            manifest, sim, tmp_path / "out", concurrency=4, resubmit_lost=True, api={"unreachable_after_s": 5.0}
        )
    final = states(tmp_path / "out")
    assert sorted(final.values()) == ["completed", "completed", "completed", "submitted"]
    (left,) = [r for r in completed_lines(tmp_path / "out", event="recover_later")]
    assert "run again later to retry the look-up" in left["error"]["detail"] and left["state"] == "submitted"
    assert len(sim.state.submissions) == 4 and sim.state.duplicate_submissions() == 0


async def test_a_job_shown_finished_after_its_record_expired_is_settled_from_its_row_without_a_result_call(tmp_path):
    # records live 0.5 s (as the user configured), the jobs about 1.3 s: a sweep shows each finished once its
    # record is gone, so its row's link is all there is; a result call would only be answered 404
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(6))
    polling = {**FAST, "expiry_s": 0.5, "expiry_margin_s": 0.3}  # each job polled by 0.2 s, while its record lives
    async with SimServer(fast_world(expiry_s=0.5, workers=6, keep_log=True)) as sim:
        # a budget that can submit and poll all six within half the guard (the run's cap before the history answers)
        await run_world(manifest, sim, tmp_path / "out", polling=polling, concurrency=6, requests_per_minute=12000)
        gone = [route for _, route, status in sim.state.log if status == 404]
        looked_up = sim.state.counters["/inference-request/request-history/{rid}"]
    assert set(states(tmp_path / "out").values()) == {"completed"}
    assert gone == [] and looked_up == 0
    assert len(sim.state.submissions) == 6 and sim.state.duplicate_submissions() == 0
