"""Audit of ``batchgen/errors.py``: what the ledger records of an API error says what happened, with its HTTP
status when there was one; a model spec's problem is bad input (exit 2), and a rejected request is never retried
as a failure for now."""

from __future__ import annotations

import pytest

from batchgen.clock import FakeClock
from batchgen.engine.messages import Replan
from batchgen.errors import (
    ApiError,
    AuthError,
    NetworkError,
    RateLimited,
    RequestRejected,
    ServerError,
    TransientError,
)
from tests.engine.doubles import HistoryPages, by_rid, history_row, sweep_stage, swept_job
from tests.helpers import run_cli, write
from tests.models.test_loader_edges import GOOD as SPEC


@pytest.mark.parametrize(
    ("error", "record"),
    [
        (
            RateLimited("rate limited by the API", retry_after=2.0),
            {"kind": "RateLimited", "http": 429, "detail": "rate limited by the API"},
        ),
        (
            RateLimited("rate limited", retry_after=None, detail="Too many requests"),
            {"kind": "RateLimited", "http": 429, "detail": "Too many requests"},
        ),
        (
            NetworkError("connection reset while reading the answer", reached_server=True),
            {"kind": "NetworkError", "detail": "connection reset while reading the answer"},
        ),
        (
            ServerError("the API answered HTTP 502", status=502),
            {"kind": "ServerError", "http": 502, "detail": "the API answered HTTP 502"},
        ),
        (
            RequestRejected("refused", status=400, detail="prompt too long"),
            {"kind": "RequestRejected", "http": 400, "detail": "prompt too long"},
        ),
        (AuthError("the key was refused", status=401, detail=""), {"kind": "AuthError", "http": 401, "detail": ""}),
    ],
)
def test_the_ledgers_record_of_an_error_keeps_its_http_status_and_says_what_happened(error, record):
    assert error.to_record() == record


def test_a_rate_limit_is_a_transient_429_that_keeps_the_servers_hint():
    limited = RateLimited("slow down", retry_after=1.5)
    assert isinstance(limited, TransientError) and isinstance(limited, ApiError)
    assert (limited.status, limited.retry_after, limited.detail) == (429, 1.5, None)


@pytest.mark.parametrize("command", ["run", "validate"])
def test_a_model_spec_file_with_a_problem_is_bad_input_exit_2_and_says_where(tmp_path, capsys, command):
    spec = write(tmp_path / "kling-x.yaml", SPEC.replace("latency_s: 90\n", "latency_s: -1\n"))
    manifest = write(tmp_path / "m.yaml", "model: kling-x\njobs:\n  - id: a\n    prompt: a fox\n")
    extra = ("--out", str(tmp_path / "out"), "--dry-run") if command == "run" else ()
    assert run_cli(command, str(manifest), "--models", str(spec), *extra) == 2
    err = capsys.readouterr().err
    assert "the model spec has 1 problem; nothing was submitted" in err and f"{spec}:4" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("refusal", [RequestRejected("HTTP 400", status=400), RequestRejected("HTTP 410", status=410)])
async def test_a_history_that_rejects_the_request_is_switched_off_for_the_run_not_paused_as_if_down(refusal):
    clock = FakeClock(1_000.0)
    job = swept_job(1, 0.0)
    sweeps, news, _ = sweep_stage(clock, by_rid(job), HistoryPages([history_row(job.request_id or "")], error=refusal))
    await sweeps.sweep()
    assert not sweeps.sweeping and sweeps._resume_at is None  # for good: no read again after a pause
    assert [type(message) for message in news.sent] == [Replan]
