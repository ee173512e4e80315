"""The API key is never written anywhere: one batch sends it down every path it could leak by, then
every byte written is searched for it.

The paths: a log record with ``exc_info`` (text and JSON logs, file and
terminal); ``--debug`` (every library's debug logging on) and a bug's
traceback from the ``batchgen`` entry point; a server that quotes the key back
in 200 bodies (output and history links), in error answers (4xx and 5xx) and
in a header; downloads from another host (which must not be sent the key);
and every file a run writes (ledger, sidecars, ``results.csv``,
``index.parquet``, ``report.html``, ``report.json``, the kept
``options.json``).  Ray's runtime metadata is searched by the slow
``tests/e2e/test_ray.py``.
"""

from __future__ import annotations

import base64
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from batchgen.engine.run import Run
from tests.helpers import KEY, many_jobs_yaml, run_batch, write

FORMS = (KEY.encode(), base64.b64encode(KEY.encode()), KEY.encode().hex().encode())


def leaks(data: bytes) -> list[bytes]:
    return [form for form in FORMS if form in data]


def files_holding_the_key(root: Path) -> list[str]:
    found = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink() and leaks(path.read_bytes()):
            found.append(str(path.relative_to(root)))
    return found


def leaky_execute(monkeypatch: pytest.MonkeyPatch) -> None:
    """Before the run, log the key every way code might: in a message, an argument, an exception
    (``exc_info``) with the key in its text, its arguments and its cause."""
    execute = Run.execute

    async def execute_and_leak(self: Run):
        log = logging.getLogger("batchgen.engine")
        log.warning("key in a message: %s", os.environ["SEGMIND_API_KEY"])
        try:
            try:
                raise KeyError(os.environ["SEGMIND_API_KEY"])
            except KeyError as inner:
                raise RuntimeError(f"failed with headers {{'x-api-key': {os.environ['SEGMIND_API_KEY']!r}}}") from inner
        except RuntimeError as exc:
            log.error("a failure with exc_info", exc_info=exc)
            log.debug("the same at debug level", exc_info=True)
            logging.getLogger("aiohttp.client").debug("a library's debug record with %r", exc, exc_info=exc)
        return await execute(self)

    monkeypatch.setattr(Run, "execute", execute_and_leak)


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_the_key_is_in_no_byte_written_whatever_path_it_takes(sim, tmp_path, monkeypatch, capfd, log_format):
    server = sim(seed=51, echo_key=frozenset({"output", "error", "header"}), output_host="127.0.0.2")
    server.state.script("poll_error", count=3)  # 503s that quote the key, retried
    server.state.script("policy", count=1)  # a job failed on the server: its error text quotes the key
    server.state.script("submit_error_before", count=1)  # a 5xx on a submit, retried
    leaky_execute(monkeypatch)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(4))
    out = tmp_path / "out"
    log_file = tmp_path / "logs" / "run.log"
    log_file.parent.mkdir()
    code = run_batch(
        manifest, out, server, "--log-format", log_format, "--log-file", str(log_file), "--debug",
        "--max-spend", "50", "--concurrency", "3", monkeypatch=monkeypatch,
    )  # fmt: skip
    assert code == 1  # one job failed on the server; the rest completed
    captured = capfd.readouterr()

    # Every path was taken: the echo reached the client, the logs hold the records (redacted).
    assert server.state.counters["/v2/requests/{rid}"] + server.state.counters["/v2/requests/{rid}/status"] > 0
    assert any(code == 503 for _, _, code in server.state.log) and any(code == 422 for _, _, code in server.state.log)
    text = log_file.read_text()
    assert "a failure with exc_info" in text and "[REDACTED]" in text
    # the exception's traceback is kept, cleaned, not dropped
    assert "Traceback (most recent call last)" in text.replace("\\n", "\n") and "KeyError" in text
    for name in ("index.parquet", "report.html", "results.csv", "ledger.jsonl"):
        assert (out / name).exists(), name
    assert list((out / "videos").glob("*.json")) and list(out.rglob("options.json"))
    assert (out / "report.json").exists()

    assert server.state.key_leaks == 0  # never sent to the output host (videos are fetched from 127.0.0.2)
    assert files_holding_the_key(tmp_path) == []  # the out folder, the log file, the manifest, spools
    assert leaks(captured.out.encode()) == [] and leaks(captured.err.encode()) == []


def test_a_bugs_traceback_from_the_entry_point_does_not_print_the_key(sim, tmp_path):
    """A bug whose exception text holds the key ends the process with a traceback (more so under
    ``--debug``): the key is not in it, nor in the log file."""
    server = sim(seed=52)
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(1))
    log_file = tmp_path / "run.log"
    program = (
        "import os, sys\n"
        "from batchgen.engine.run import Run\n"
        "async def boom(self):\n"
        "    raise RuntimeError('a bug holding ' + os.environ['SEGMIND_API_KEY'])\n"
        "Run.execute = boom\n"
        "from batchgen.cli.main import main_entry\n"
        "sys.argv = ['batchgen'] + sys.argv[1:]\n"
        "main_entry()\n"
    )
    argv = [sys.executable, "-c", program, "run", str(manifest), "--out", str(tmp_path / "out"),
            "--base-url", server.url, "--debug", "--log-file", str(log_file)]  # fmt: skip
    done = subprocess.run(argv, env={**os.environ, "SEGMIND_API_KEY": KEY}, capture_output=True, timeout=60)
    assert done.returncode != 0
    assert b"RuntimeError" in done.stderr  # the bug is shown ...
    assert leaks(done.stdout) == [] and leaks(done.stderr) == []  # ... without the key
    assert files_holding_the_key(tmp_path) == []
