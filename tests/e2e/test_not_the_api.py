"""A --base-url that points at another kind of server (here an S3-compatible one, moto): the first submit's answer
shows it is not the API, so the run stops there (exit 6) with one line saying what answered, where, and what to
check; the one job sent is left for a look-up (a 5xx answer does not say nothing was made), the rest are never
sent, and the run against the API itself makes each video once."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.helpers import KEY, ledger_events, many_jobs_yaml, write


def run(manifest, out, base_url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "batchgen", "run", str(manifest), "--out", str(out), "--base-url", base_url,
            "--concurrency", "4", "--quiet", *extra]  # fmt: skip
    env = {**os.environ, "SEGMIND_API_KEY": KEY}
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)


def test_a_base_url_of_an_object_store_stops_the_run_at_its_first_submit_and_pays_nothing_twice(
    sim, s3_server, tmp_path
):
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(3))
    out = tmp_path / "out"
    done = run(manifest, out, s3_server, "--time-scale", "2000")
    assert done.returncode == 6, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error: ")]
    assert errors == [
        f"Error: POST {s3_server}/v2/kling-text2video was answered HTTP 500 with an HTML page, not the API's answer, "
        f"and nothing this run had from {s3_server} was the API's: --base-url (or api.base_url) points at another "
        "server (an object store, a web site), or something in front of the API answers in its place. Check it "
        "(Segmind's API is https://api.segmind.com), then run again with the right one (a --base-url given replaces "
        "the one kept with the folder); if it is right, a gateway in front of the API failed for now: run again "
        "later. Job job-000 may have been made all the same (an HTTP 500 answer does not say "
        "it was not): the next run looks it up in the request history before it sends it again"
    ]
    assert "To resume:" not in done.stdout  # the same command meets the same server: the error says what to run
    events = ledger_events(out)
    assert {e["job_id"] for e in events} == {"job-000"}  # one submit, not a slot's worth: the others never sent
    assert [e["event"] for e in events] == ["submitting", "submit_unknown"]
    assert events[-1]["error"]["kind"] == "NotTheApi" and events[-1]["error"]["http"] == 500
    assert "3 jobs: 2 pending, 1 submitting" in done.stdout
    assert KEY not in done.stdout + done.stderr

    server = sim()  # the API itself: the job left unknown is looked up, and each video is made once
    again = run(manifest, out, server.url, "--time-scale", str(server.config.time_scale))
    assert again.returncode == 0, again.stderr + again.stdout
    assert len(server.state.submissions) == 3 and len(list((out / "videos").glob("*.mp4"))) == 3


def test_runs_again_at_the_same_wrong_url_send_no_submit_and_leave_no_job_more_of_unknown_outcome(
    sim, s3_server, tmp_path
):
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(3))
    out = tmp_path / "out"
    assert run(manifest, out, s3_server, "--time-scale", "2000").returncode == 6
    first = ledger_events(out)
    assert [e["event"] for e in first] == ["submitting", "submit_unknown"]  # job-000, left for a look-up

    for _ in range(2):  # the same wrong URL: a free GET of the history route shows it, and nothing is sent
        again = run(manifest, out, s3_server, "--time-scale", "2000")
        assert again.returncode == 6, again.stderr
        errors = [line for line in again.stderr.splitlines() if line.startswith("Error: ")]
        assert len(errors) == 1, again.stderr
        assert (
            errors[0].startswith(f"Error: GET {s3_server}/inference-request/request-history was answered HTTP ")
            and "not with a page of the API's request history" in errors[0]
        )
        assert (
            "No submit was sent, so no job more is left of unknown outcome; job job-000 stays so until a run whose "
            "URL answers as the API looks it up in its request history"
        ) in errors[0]
        assert "To resume:" not in again.stdout
        assert ledger_events(out) == first  # no line written: no job sent, none more of unknown outcome
        assert "3 jobs: 2 pending, 1 submitting" in again.stdout

    # the right URL, for an account with no balance record (its balance read is no proof): the history's page is,
    # so the run goes on; the job left unknown is looked up, and each video is made once
    server = sim(credits_answer="not-found")
    done = run(manifest, out, server.url, "--time-scale", str(server.config.time_scale))
    assert done.returncode == 0, done.stderr + done.stdout
    assert len(server.state.submissions) == 3 and server.state.duplicate_submissions() == 0
    assert len(list((out / "videos").glob("*.mp4"))) == 3
