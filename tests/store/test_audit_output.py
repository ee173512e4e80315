"""Audit of ``batchgen/store/output.py``: results.csv is rewritten whole, status reads only the shards runs made,
and an object-store lease lasts the configured TTL."""

from __future__ import annotations

import json
import shutil

import pytest

from batchgen.jobs import JobState
from batchgen.store.output import merge, open_output, read_all, shard_counts
from batchgen.store.shards import Shard


async def test_a_reader_of_the_old_results_csv_reads_it_whole_while_the_run_writes_the_new_one(tmp_path):
    out = tmp_path / "out"
    async with open_output(out) as opened:
        await opened.ledger.append("a", "submitting", JobState.SUBMITTING, model="m")
        await opened.write_results(opened.final_jobs())
        old = (out / "results.csv").read_bytes()
        reading = (out / "results.csv").open("rb")  # a spreadsheet or a script with the table open
        await opened.ledger.append("b", "submitting", JobState.SUBMITTING, model="m")
        await opened.write_results(opened.final_jobs())
    with reading:
        assert reading.read() == old
    new = (out / "results.csv").read_text().splitlines()
    assert [row.split(",")[:2] for row in new[1:]] == [["a", "submitting"], ["b", "submitting"]]
    assert not [p.name for p in out.iterdir() if p.name.startswith(".results")]


async def test_status_reads_only_the_shards_folders_a_run_made_not_a_copy_beside_them(tmp_path):
    out = tmp_path / "out"
    for index in range(2):
        async with open_output(out, shard=Shard(index, 2)) as opened:
            await opened.ledger.append(f"job-{index}", "submitting", JobState.SUBMITTING, model="m")
    shutil.copytree(out / "shards" / "1-of-2", out / "shards" / "1-of-2 copy")  # a file manager's copy
    replays = await read_all(out)
    assert sorted(replays) == ["0-of-2", "1-of-2"]
    assert sorted(merge(replays).jobs) == ["job-0", "job-1"]
    assert shard_counts(replays) == {"0-of-2": {"submitting": 1}, "1-of-2": {"submitting": 1}}


async def test_a_run_into_an_object_store_holds_its_lease_for_the_configured_ttl(tmp_path):
    pytest.importorskip("obstore")
    async with open_output(f"file://{tmp_path / 'store'}", lease_ttl_s=7.0) as opened:
        await opened.ledger.append("a", "submitting", JobState.SUBMITTING, model="m")
        record = json.loads((tmp_path / "store" / "lease" / "0-of-1" / "000000000001.json").read_text())
    assert record["ttl_s"] == 7.0
