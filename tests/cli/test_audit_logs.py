"""Audit of ``batchgen/cli/logs.py``: under JSON, the outcome object on stdout tells how a command ended as the
log file does, its level included."""

from __future__ import annotations

import json

from tests.helpers import many_jobs_yaml, run_batch, write


def test_the_outcome_object_on_stdout_of_a_run_that_failed_is_an_error_as_in_its_log_file(
    sim, tmp_path, monkeypatch, capsys
):
    server = sim()
    server.state.script("fail")
    manifest, log = write(tmp_path / "m.yaml", many_jobs_yaml(2)), tmp_path / "run.log"
    extra = ["--concurrency", "1", "--log-format", "json", "--log-file", str(log)]
    assert run_batch(manifest, tmp_path / "out", server, *extra, monkeypatch=monkeypatch) == 1
    (line,) = capsys.readouterr().out.splitlines()
    told = json.loads(line)
    assert (told["event"], told["exit_code"], told["level"]) == ("outcome", 1, "error")
    last = json.loads(log.read_text().splitlines()[-1])
    assert (last["event"], last["level"], last["states"]) == ("outcome", "error", told["states"])
