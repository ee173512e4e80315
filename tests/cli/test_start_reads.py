"""A run's start reads each ledger of the folder once: the command's own read of every shard's ledger (the
manifest's ids, the jobs in flight outside it) is the run's, once it holds the lock, while the file is unchanged
since; a ledger written meanwhile is read again."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from batchgen.engine.run import Run
from batchgen.store import ledger
from batchgen.store.ledger import Replay, read_ledger_again
from tests.helpers import many_jobs_yaml, run_batch, write


def count_reads(monkeypatch, out: Path) -> list[Counter[str]]:
    """The reads of each ledger under ``out`` (by its path there) from now on, as counted when a run began."""
    reads: Counter[str] = Counter()
    at_start: list[Counter[str]] = []
    real = ledger.read_ledger

    def counting(path, *args, **kwargs):
        reads[Path(path).relative_to(out).as_posix()] += 1
        return real(path, *args, **kwargs)

    for module in list(sys.modules.values()):
        if module is not None and getattr(module, "read_ledger", None) is real:
            monkeypatch.setattr(module, "read_ledger", counting)
    plan = Run.plan

    async def noting(self):
        at_start.append(Counter(reads))
        return await plan(self)

    monkeypatch.setattr(Run, "plan", noting)
    return at_start


def test_a_runs_start_reads_each_shards_ledger_once(sim, tmp_path, monkeypatch):
    server = sim()
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(9))
    out = tmp_path / "out"
    for index in (0, 1, 2):
        assert run_batch(manifest, out, server, "--shard", f"{index}/3", monkeypatch=monkeypatch) == 0
    ledgers = sorted(path.relative_to(out).as_posix() for path in out.glob("shards/*/ledger.jsonl"))
    assert len(ledgers) == 3

    at_start = count_reads(monkeypatch, out)
    assert run_batch(manifest, out, server, "--shard", "1/3", monkeypatch=monkeypatch) == 0
    assert at_start == [Counter(dict.fromkeys(ledgers, 1))]  # every shard's ledger read once, its own too
    assert len(server.state.submissions) == 9


def test_a_ledger_written_after_the_commands_read_is_read_again(tmp_path):
    path = write(tmp_path / "ledger.jsonl", '{"job_id": "a", "event": "submitting", "state": "submitting"}\n')
    first = ledger.read_ledger(path)
    assert read_ledger_again(path, first) is first
    with path.open("a") as fh:
        fh.write('{"job_id": "b", "event": "submitting", "state": "submitting"}\n')
    again = read_ledger_again(path, first)
    assert again is not first and set(again.jobs) == {"a", "b"}
    assert read_ledger_again(tmp_path / "none.jsonl", Replay({}, 0, False)).jobs == {}


def test_a_line_appended_while_the_ledger_is_being_read_makes_the_read_stale(tmp_path):
    # Another run appends to the ledger after this read took the file's bytes but before it finished with them:
    # the read's stamp is the file's as it was read, so the run, once it holds the lock, reads the ledger again
    # and sees the other run's request (a stamp taken after the read would vouch for lines it never saw).
    path = write(tmp_path / "ledger.jsonl", '{"job_id": "a", "event": "submitting", "state": "submitting"}\n')

    def meanwhile(event: dict) -> None:
        with path.open("a") as fh:
            fh.write('{"job_id": "b", "event": "submitted", "state": "submitted", "request_id": "r-b"}\n')

    first = ledger.read_ledger(path, meanwhile)
    assert set(first.jobs) == {"a"}
    again = read_ledger_again(path, first)
    assert again is not first and again.jobs["b"]["request_id"] == "r-b"
