"""A job is its id and what it asks for: re-running finds the same jobs, a changed row is refused before
anything is paid, bad ids are named, and a refused key stops the run at once.  Through the CLI, the
simulator's submissions and the ledger."""

from __future__ import annotations

import json

import pytest

from batchgen.jobs import derived_id
from batchgen.models import catalogue
from batchgen.store.ledger import read_ledger
from tests.helpers import KEY, run_batch, run_cli, write

NO_IDS = (
    "model: kling-text2video\njobs:\n"
    '  - prompt: "a red kite"\n'
    '  - prompt: "a red kite"\n'  # the same job twice: two videos, told apart by occurrence
    '  - prompt: "a blue kite"\n    duration: 10\n'
)


def test_a_manifest_without_ids_finds_the_same_jobs_when_run_again(sim, tmp_path, monkeypatch):
    server = sim(seed=61)
    out = tmp_path / "out"
    manifest = write(tmp_path / "m.yaml", NO_IDS)
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    first = read_ledger(out / "ledger.jsonl").jobs
    assert len(first) == 3 and len(server.state.submissions) == 3  # the twin rows are two jobs
    # The same manifest, written differently (key order, "10" for 10, a copy elsewhere): the same jobs.
    again = write(
        tmp_path / "again.yaml",
        "jobs:\n"
        '  - prompt: "a red kite"\n    model: kling-text2video\n'
        '  - model: kling-text2video\n    prompt: "a red kite"\n'
        '  - duration: "10"\n    prompt: "a blue kite"\n    model: kling-text2video\n',
    )
    assert run_batch(again, out, server, monkeypatch=monkeypatch) == 0
    assert read_ledger(out / "ledger.jsonl").jobs.keys() == first.keys()
    assert len(server.state.submissions) == 3  # nothing paid again
    assert sorted(p.name for p in (out / "videos").glob("*.mp4")) == sorted(f"{i}.mp4" for i in first)


def test_rows_without_ids_keep_their_jobs_when_the_spec_sends_a_default_or_the_row_writes_one_out(
    sim, tmp_path, monkeypatch, capsys
):
    # A row's derived id hashes the parameters it sends: a spec that now sends a default it left to the API
    # (a newer batchgen, a --models override), or a default written out in the row, derived other ids for
    # the same requests, and every such row was made and paid again.
    server = sim(seed=62)
    out = tmp_path / "out"
    manifest = write(tmp_path / "m.yaml", NO_IDS + '  - prompt: "a green kite"\n    repeat: 2\n')
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    first = read_ledger(out / "ledger.jsonl").jobs
    assert len(first) == 5 and len(server.state.submissions) == 5
    shipped = next(p for p in catalogue.shipped_spec_files() if p.name == "kling-text2video.yaml").read_text()
    sends = shipped.replace(
        "  cfg_scale:\n    type: number\n", "  cfg_scale:\n    type: number\n    send_default: true\n"
    )
    assert sends != shipped
    spec = write(tmp_path / "kling-text2video.yaml", sends)
    assert run_batch(manifest, out, server, "--models", str(spec), monkeypatch=monkeypatch) == 0
    written = write(tmp_path / "m.yaml", NO_IDS.replace('"a blue kite"\n', '"a blue kite"\n    mode: std\n')
                    + '  - prompt: "a green kite"\n    repeat: 2\n    cfg_scale: 0.5\n')  # fmt: skip
    assert run_batch(written, out, server, monkeypatch=monkeypatch) == 0
    assert read_ledger(out / "ledger.jsonl").jobs.keys() == first.keys()
    assert len(server.state.submissions) == 5  # nothing paid again
    capsys.readouterr()
    assert run_cli("validate", str(written), "--out", str(out)) == 0  # as the run counts them: nothing to pay
    told = capsys.readouterr().out
    assert f"  in {out}: 5 of these already completed; 0 to do" in told and "estimated spend: $0.00" in told
    catalogue.use()  # status in a process of its own
    assert run_cli("status", str(out), "--json") == 0
    status = json.loads(capsys.readouterr().out)
    assert (status["manifest_jobs"], status["outside_manifest"], status["finished"]) == (5, 0, True)
    # A row that asks for another request is another job, as before.
    write(manifest, NO_IDS.replace('"a blue kite"\n', '"a blue kite"\n    mode: pro\n'))
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    assert len(server.state.submissions) == 6


def test_a_row_without_an_id_whose_job_is_in_flight_under_the_id_it_was_made_as_is_fetched_as_that_rows(
    sim, tmp_path, monkeypatch, capsys
):
    # The row now derives another id (a default written out) while its job, sent by an earlier run, is in flight:
    # the job is the row's, kept under the id it was made as, not one whose row left the manifest.
    import httpx

    server = sim(seed=63)
    made = derived_id("kling-text2video", {"prompt": "a blue kite"}, 1)
    answer = httpx.post(f"{server.url}/v2/kling-text2video", json={"prompt": "a blue kite"}, headers={"x-api-key": KEY})
    out = tmp_path / "out"
    out.mkdir()
    lines = [
        {"v": 1, "ts": "2026-01-01T00:00:00.000Z", "job_id": made, "event": "submitting", "state": "submitting",
         "model": "kling-text2video", "params": {"prompt": "a blue kite"}},
        {"v": 1, "ts": "2026-01-01T00:00:00.001Z", "job_id": made, "event": "submitted", "state": "submitted",
         "model": "kling-text2video", "request_id": answer.json()["request_id"]},
    ]  # fmt: skip
    (out / "ledger.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    manifest = write(tmp_path / "m.yaml", 'model: kling-text2video\njobs:\n  - prompt: "a blue kite"\n    mode: std\n')
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    assert "no row in" not in capsys.readouterr().err
    jobs = read_ledger(out / "ledger.jsonl").jobs
    assert list(jobs) == [made] and jobs[made]["state"] == "completed"
    assert len(server.state.submissions) == 1


def test_a_changed_row_is_refused_before_anything_is_sent_and_replace_changed_pays_once_more(
    sim, tmp_path, monkeypatch, capsys
):
    server = sim(seed=62)
    out = tmp_path / "out"
    manifest = write(tmp_path / "m.yaml", 'model: kling-text2video\njobs:\n  - id: kite\n    prompt: "a red kite"\n')
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    before = (out / "videos" / "kite.mp4").read_bytes()
    capsys.readouterr()
    write(manifest, 'model: kling-text2video\njobs:\n  - id: kite\n    prompt: "a red kite"\n    duration: 10\n')
    requests = sum(server.state.counters.values())
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 2
    err = capsys.readouterr().err
    assert "kite" in err and "duration" in err and "--replace-changed" in err
    assert sum(server.state.counters.values()) == requests  # not a single request
    assert (out / "videos" / "kite.mp4").read_bytes() == before  # the kept video is untouched

    assert run_batch(manifest, out, server, "--replace-changed", monkeypatch=monkeypatch) == 0
    assert len(server.state.submissions) == 2
    rec = read_ledger(out / "ledger.jsonl").jobs["kite"]
    assert rec["state"] == "completed" and str(rec["params"]["duration"]) == "10"
    kept = list((out / "videos" / "replaced").rglob("*.mp4"))
    assert [p.read_bytes() for p in kept] == [before]  # the earlier video set aside, not lost
    assert json.loads((out / "videos" / "kite.json").read_text())["parameters"]["duration"] in (10, "10")


def test_a_changed_row_whose_earlier_request_is_in_flight_is_not_replaced_and_under_a_new_id_both_are_fetched(
    sim, tmp_path, monkeypatch, capsys
):
    # --replace-changed set such a job aside with nothing to move and sent the row anew: the earlier request,
    # charged once made, was never fetched and its cost left out of the folder's spend (and of the cap).
    import httpx

    server = sim(seed=65)
    answer = httpx.post(f"{server.url}/v2/kling-text2video", json={"prompt": "a red kite"}, headers={"x-api-key": KEY})
    out = tmp_path / "out"
    out.mkdir()
    lines = [
        {"v": 1, "ts": "2026-01-01T00:00:00.000Z", "job_id": "kite", "event": "submitting", "state": "submitting",
         "model": "kling-text2video", "params": {"prompt": "a red kite"}},
        {"v": 1, "ts": "2026-01-01T00:00:00.001Z", "job_id": "kite", "event": "submitted", "state": "submitted",
         "model": "kling-text2video", "request_id": answer.json()["request_id"]},
    ]  # fmt: skip
    (out / "ledger.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    manifest = write(tmp_path / "m.yaml", 'model: kling-text2video\njobs:\n  - id: kite\n    prompt: "a blue kite"\n')
    for dry in ((), ("--dry-run",)):
        capsys.readouterr()
        assert run_batch(manifest, out, server, "--replace-changed", *dry, monkeypatch=monkeypatch) == 2
        err = capsys.readouterr().err
        assert "kite (" in err and "still in flight" in err and "new ids" in err
    assert len(server.state.submissions) == 1  # nothing sent
    assert read_ledger(out / "ledger.jsonl").jobs["kite"]["state"] == "submitted"

    write(manifest, 'model: kling-text2video\njobs:\n  - id: blue-kite\n    prompt: "a blue kite"\n')
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    jobs = read_ledger(out / "ledger.jsonl").jobs
    assert {job_id: rec["state"] for job_id, rec in jobs.items()} == {"kite": "completed", "blue-kite": "completed"}
    assert sorted(p.name for p in (out / "videos").glob("*.mp4")) == ["blue-kite.mp4", "kite.mp4"]
    assert len(server.state.submissions) == 2
    charged = sum(job.cost for job in server.state.jobs.values())
    assert sum(rec["cost"] for rec in jobs.values()) == pytest.approx(charged)  # every charge in the spend


@pytest.mark.parametrize(
    ("jobs", "fragment"),
    [
        ('  - id: same\n    prompt: "a"\n  - id: same\n    prompt: "b"\n', "same"),
        ('  - id: "has space"\n    prompt: "a"\n', "has space"),
        ('  - id: "-dash-first"\n    prompt: "a"\n', "-dash-first"),
        ('  - id: "../escape"\n    prompt: "a"\n', "../escape"),
        ("  - id: " + "x" * 129 + '\n    prompt: "a"\n', "x" * 20),
    ],
)
def test_bad_or_duplicate_ids_are_named_and_nothing_is_sent(sim, tmp_path, monkeypatch, capsys, jobs, fragment):
    server = sim(seed=63)
    manifest = write(tmp_path / "m.yaml", "model: kling-text2video\njobs:\n" + jobs)
    assert run_cli("validate", str(manifest)) == 2
    assert fragment in capsys.readouterr().err
    assert run_batch(manifest, tmp_path / "out", server, monkeypatch=monkeypatch) == 2
    err = capsys.readouterr().err
    assert fragment in err and "m.yaml" in err
    assert not server.state.submissions and server.state.counters["/v2/{slug}"] == 0
    assert not (tmp_path / "out" / "videos").exists() or not any((tmp_path / "out" / "videos").iterdir())


def test_a_refused_key_stops_the_run_at_once_with_exit_4(sim, tmp_path, monkeypatch, capsys):
    server = sim(seed=64, api_keys=frozenset({"SG_another_key_entirely"}))
    manifest = write(
        tmp_path / "m.yaml", "model: kling-text2video\njobs:\n" + "".join(f"  - prompt: p{i}\n" for i in range(20))
    )
    code = run_batch(manifest, tmp_path / "out", server, "--concurrency", "8", monkeypatch=monkeypatch)
    assert code == 4
    err = capsys.readouterr().err
    assert "SEGMIND_API_KEY" in err and KEY not in err
    assert sum(server.state.counters.values()) <= 9  # the first 401 ends it: no retries, no sweep of 20 jobs
    assert not server.state.submissions
    states = (
        {rec["state"] for rec in read_ledger(tmp_path / "out" / "ledger.jsonl").jobs.values()}
        if (tmp_path / "out" / "ledger.jsonl").exists()
        else set()
    )
    assert states <= {"pending", "submitting", "deferred"}
