"""Audit of ``batchgen/store/output.py``: results.csv is rewritten whole, status reads only the shards runs made
(of a folder or an object store), an object-store lease lasts the configured TTL, the ledger tells keys apart
without revealing any piece of them, and a run of another shard count is refused and told what to do."""

from __future__ import annotations

import json
import shutil

import pytest

from batchgen.errors import InputError
from batchgen.jobs import JobState
from batchgen.store.objects import ObjectStore
from batchgen.store.output import KeyStamp, key_fingerprint, live_runs, merge, open_output, read_all, shard_counts
from batchgen.store.shards import Shard
from tests.helpers import KEY
from tests.report.folders import ledger_line


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


async def test_the_ledger_tells_keys_apart_by_a_fingerprint_that_holds_no_piece_of_the_key(tmp_path):
    out = tmp_path / "out"
    other = KEY[:-1] + "0"
    async with open_output(out) as opened:
        await KeyStamp(opened.ledger, key_fingerprint(KEY)).append("a", "submitting", JobState.SUBMITTING, model="m")
        await KeyStamp(opened.ledger, key_fingerprint(other)).append("b", "submitting", JobState.SUBMITTING, model="m")
    text = (out / "ledger.jsonl").read_text()
    first, second = (json.loads(line)["key_fp"] for line in text.splitlines())
    assert first != second and len(first) == len(second) == 8
    for key, stamp in ((KEY, first), (other, second)):
        assert not [key[i : i + 4] for i in range(len(key) - 3) if key[i : i + 4] in stamp]
        assert key[-6:] not in text and key[:6] not in text


async def test_a_run_of_another_shard_count_than_the_folders_is_refused_and_told_what_to_do_instead(tmp_path):
    out = tmp_path / "out"
    async with open_output(out) as opened:
        await opened.ledger.append("a", "submitting", JobState.SUBMITTING, model="m")
    with pytest.raises(InputError) as refused:
        async with open_output(out, shard=Shard(0, 2)):
            pass
    assert str(refused.value) == (
        f"{out} was run as 1 shard(s) (0-of-1) and this run asks for 0-of-2: jobs would change shards and could be "
        "paid for twice. Use the same shard count (--shard I/N with the same N; none for 1), or another --out"
    )
    assert not (out / "shards").exists()


async def test_status_of_an_object_store_reads_the_ledger_of_every_shard_a_run_wrote_there(tmp_path):
    pytest.importorskip("obstore")
    url = f"file://{tmp_path / 'store'}"
    for index in range(2):
        async with open_output(url, shard=Shard(index, 2)) as opened:
            await opened.ledger.append(f"job-{index}", "submitting", JobState.SUBMITTING, model="m")
    replays = await read_all(url)
    assert sorted(replays) == ["0-of-2", "1-of-2"]
    assert shard_counts(replays) == {"0-of-2": {"submitting": 1}, "1-of-2": {"submitting": 1}}
    assert {job: rec["shard"] for job, rec in merge(replays).jobs.items()} == {"job-0": "0-of-2", "job-1": "1-of-2"}


async def test_an_object_stores_results_table_is_written_from_its_ledger_as_the_run_ends(tmp_path):
    pytest.importorskip("obstore")
    async with open_output(f"file://{tmp_path / 'store'}") as opened:
        await opened.ledger.append("a", "submitting", JobState.SUBMITTING, model="m")
        await opened.ledger.append("b", "submitting", JobState.SUBMITTING, model="m")
        final = opened.final_jobs()
        assert sorted(final) == ["a", "b"]
        await opened.write_results(final)
    rows = (tmp_path / "store" / "results" / "0-of-1.csv").read_text().splitlines()
    assert [row.split(",")[:2] for row in rows[1:]] == [["a", "submitting"], ["b", "submitting"]]


async def test_an_object_store_runs_spool_folder_is_removed_when_the_run_ends_even_by_an_error(tmp_path):
    pytest.importorskip("obstore")
    spools = tmp_path / "spools"
    spools.mkdir()
    async with open_output(f"file://{tmp_path / 'store'}", spool_dir=spools) as opened:
        assert isinstance(opened.out, ObjectStore) and opened.out.spool is not None and opened.out.spool.is_dir()
    assert list(spools.iterdir()) == []

    async def broken_run() -> None:
        async with open_output(f"file://{tmp_path / 'store'}", spool_dir=spools):
            assert len(list(spools.iterdir())) == 1
            raise RuntimeError("the run broke")

    with pytest.raises(RuntimeError, match="the run broke"):
        await broken_run()
    assert list(spools.iterdir()) == []


async def test_status_of_an_object_store_no_run_wrote_to_is_refused_not_told_as_an_empty_run(tmp_path):
    pytest.importorskip("obstore")
    (tmp_path / "store" / "videos").mkdir(parents=True)
    (tmp_path / "store" / "videos" / "a.mp4").write_bytes(b"not a run's")
    url = f"file://{tmp_path / 'store'}"
    with pytest.raises(InputError) as refused:
        await read_all(url)
    assert str(refused.value) == f"{url} holds no ledger (no ledger/ objects); give the --out of a batchgen run"


async def test_a_folder_that_already_mixes_shard_counts_is_refused_to_a_run_of_either_count(tmp_path):
    out = tmp_path / "out"
    async with open_output(out) as opened:
        await opened.ledger.append("a", "submitting", JobState.SUBMITTING, model="m")
    (out / "shards" / "1-of-2").mkdir(parents=True)  # a shard's ledger beside it (a run of an older batchgen)
    shutil.copy(out / "ledger.jsonl", out / "shards" / "1-of-2" / "ledger.jsonl")
    for shard in (None, Shard(0, 2), Shard(1, 2)):
        with pytest.raises(InputError, match="could be paid for twice"):
            async with open_output(out, shard=shard):
                pass


async def test_a_shard_folder_with_no_ledger_does_not_fix_the_folders_shard_count(tmp_path):
    out = tmp_path / "out"
    (out / "shards" / "0-of-3").mkdir(parents=True)  # made, but its run never wrote a line
    async with open_output(out, shard=Shard(1, 2)) as opened:
        await opened.ledger.append("a", "submitting", JobState.SUBMITTING, model="m")
    assert sorted(await read_all(out)) == ["1-of-2"]


async def test_status_of_a_folder_that_mixes_shard_counts_names_its_unsharded_ledger_as_shard_0_of_1(tmp_path):
    out = tmp_path / "out"
    async with open_output(out) as opened:
        await opened.ledger.append("a", "submitting", JobState.SUBMITTING, model="m")
    (out / "shards" / "1-of-2").mkdir(parents=True)
    (out / "shards" / "1-of-2" / "ledger.jsonl").write_bytes(ledger_line("b", "submitting", model="m"))
    replays = await read_all(out)
    assert sorted(replays) == ["", "1-of-2"]
    assert {job: rec["shard"] for job, rec in merge(replays).jobs.items()} == {"a": "0-of-1", "b": "1-of-2"}
    assert shard_counts(replays) == {"0-of-1": {"submitting": 1}, "1-of-2": {"submitting": 1}}


async def test_status_tells_a_gone_holders_lease_as_lapsing_in_the_seconds_its_ttl_has_left(tmp_path, monkeypatch):
    pytest.importorskip("obstore")
    from batchgen.store import lease

    url = f"file://{tmp_path / 'store'}"
    async with open_output(url, lease_ttl_s=600.0) as opened:
        await opened.ledger.append("a", "submitting", JobState.SUBMITTING, model="m")
        monkeypatch.setattr(lease, "gone_here", lambda record: True)  # its holder no longer running
        lapsing: dict[str, str] = {}
        assert await live_runs(url, ["0-of-1"], lapsing) == {}
    told = lapsing["0-of-1"]
    assert told.startswith("host ") and ", which is no longer running; its lease lapses in " in told
    seconds = told.rsplit(" lapses in ", 1)[1]
    assert seconds.endswith(" s") and 0 < int(seconds[:-2]) <= 600
