"""The credit balance read before the first submit is advisory: each way that read can fail is told as what it is
(what answered, at which URL, what it means), under --quiet too, and the run goes on to make every video."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from batchgen.engine.balance import balance_trouble
from batchgen.errors import NetworkError, ServerError
from tests.helpers import KEY, many_jobs_yaml, write

ROUTE = "/v1/get-user-credits"


def quiet_run(tmp_path, server) -> subprocess.CompletedProcess[str]:
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(2))
    argv = [sys.executable, "-m", "batchgen", "run", str(manifest), "--out", str(tmp_path / "out"),
            "--base-url", server.url, "--time-scale", str(server.config.time_scale), "--quiet"]  # fmt: skip
    env = {**os.environ, "SEGMIND_API_KEY": KEY}
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    ("world", "told"),
    [
        ({"credits_answer": "not-found"},
         "answered HTTP 404 (No credits found for the user): the account has no credit balance on record"),
        ({"credits_answer": "html"}, "answered HTTP 200 with an HTML page, not the API's JSON"),
        ({"credits_answer": "no-balance"}, "answered HTTP 200 (no 'credits' number in the answer)"),
        ({"credits_answer": "content-type"},
         "answered HTTP 406 (Invalid content type) to a GET, which sends no body: no content type of batchgen's is "
         "at fault"),
        ({"redirect_routes": frozenset({"credits"})}, "failed: http://127.0.0.1:"),
    ],
    ids=["no-balance-record", "html", "no-balance", "content-type", "redirect"],
)  # fmt: skip
def test_a_balance_that_cannot_be_read_is_told_as_what_it_is_and_the_run_goes_on(sim, tmp_path, world, told):
    server = sim(**world)
    done = quiet_run(tmp_path, server)
    assert done.returncode == 0, done.stderr  # every video made: the balance only warns ahead
    assert "2 jobs: 2 completed" in done.stdout
    warning = next(line for line in done.stderr.splitlines() if "credit balance" in line)
    assert warning.startswith(f"warning: the credit balance could not be read: GET {server.url}{ROUTE} {told}")
    assert warning.endswith(
        "The run goes on without it: the balance only warns ahead of a batch it will not cover, and a submit the "
        "credits do not cover still stops the run (exit 3)"
    )
    assert "will not cover the estimated" not in done.stderr  # no balance is not a balance of $0
    assert "bug in batchgen" not in done.stderr + done.stdout and KEY not in done.stderr + done.stdout


def test_a_balance_read_no_http_answer_came_back_for_is_told_as_failed_never_as_an_http_status():
    """A connection refused or reset (no status at all) is said as what failed, not as "answered HTTP None"."""
    told = balance_trouble(NetworkError("connection refused by 127.0.0.1:9", reached_server=False))
    assert told == "failed: connection refused by 127.0.0.1:9" and "HTTP" not in told
    assert (
        balance_trouble(ServerError("HTTP 502", status=502, detail="bad gateway")) == "answered HTTP 502 (bad gateway)"
    )
