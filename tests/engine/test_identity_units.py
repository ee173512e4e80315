"""Changed jobs at the unit level: what a ledger record says a job was sent as, and setting a changed job aside
without losing any video it made before (``find_changes``, ``set_aside``)."""

from __future__ import annotations

import itertools
import json
import os
from typing import Any

import pytest

import batchgen.engine.identity as identity
from batchgen.engine.identity import Change, ChangedJobs, find_changes, fingerprint, set_aside
from batchgen.jobs import JobSpec
from batchgen.store.ledger import Replay
from batchgen.store.local import OutputDir
from tests.engine.doubles import MODEL, MemoryLedger

PEAR = {"prompt": "a golden pear"}
APPLE = {"prompt": "a red apple"}


def job(params: dict[str, Any], model: str = MODEL) -> JobSpec:
    return JobSpec("a", model, dict(params), source="m.yaml:3")


def one(rec: dict[str, Any]) -> Replay:
    return Replay({"a": rec}, 1, False)


def test_a_record_that_kept_only_its_fingerprint_is_judged_by_that_fingerprint():
    kept = {"state": "completed", "fingerprint": fingerprint(MODEL, APPLE)}
    assert find_changes([job(APPLE)], one(kept)) == []  # the same job: nothing to replace, nothing paid again
    [change] = find_changes([job(PEAR)], one(kept))
    assert change.job.id == "a" and change.state == "completed"
    # A record that says nothing of what it asked for cannot be called changed.
    assert find_changes([job(PEAR)], one({"state": "completed"})) == []


@pytest.mark.parametrize(
    ("rec", "expected"),
    [
        ({"model": MODEL, "params": APPLE}, fingerprint(MODEL, APPLE)),  # an older ledger: its params say it
        ({"model": MODEL, "params": APPLE, "fingerprint": "f00d"}, "f00d"),  # recorded: taken as written
        ({"params": APPLE}, None),  # half a record says nothing
        ({"model": MODEL}, None),
    ],
)
async def test_the_replaced_line_records_what_the_earlier_attempt_was_sent_as(tmp_path, rec, expected):
    ledger = MemoryLedger()
    replay = one({"state": "failed", "request_id": "r1", **rec})
    changes = find_changes([job(PEAR)], replay)
    if not changes:  # a record without params is judged by its fingerprint only
        changes = [identity.Change(job(PEAR), "failed", ("parameters",))]
    await set_aside(changes, replay, ledger, OutputDir(tmp_path), {})  # type: ignore[arg-type]
    [(job_id, event, state, fields)] = ledger.lines
    assert (job_id, event, state) == ("a", "replaced", "pending")
    assert fields["previous"]["fingerprint"] == expected
    assert fields["previous"]["request_id"] == "r1" and fields["fingerprint"] == fingerprint(MODEL, PEAR)


async def test_a_changed_model_sets_aside_the_video_named_after_the_model_that_made_it(tmp_path):
    out = OutputDir(tmp_path, "{id}-{model}.mp4")
    out.prepare()
    old = out.video_path("a", "kling-2.1")
    old.write_bytes(b"the paid video")
    old.with_suffix(".json").write_text("{}")
    replay = one({"state": "completed", "model": "kling-2.1", "params": APPLE})
    changes = find_changes([job(APPLE, model=MODEL)], replay)
    assert [c.fields for c in changes] == [("model",)]
    moved = await set_aside(changes, replay, MemoryLedger(), out, {})  # type: ignore[arg-type]
    aside = tmp_path / "videos" / "replaced"
    assert moved == [aside / "a.1.mp4", aside / "a.1.json"]
    assert (aside / "a.1.mp4").read_bytes() == b"the paid video" and not old.exists()


async def test_each_replacement_keeps_every_earlier_video_under_its_own_number(tmp_path):
    out = OutputDir(tmp_path)
    out.prepare()
    ledger = MemoryLedger()
    prompts = ["one", "two", "three", "four"]
    for before, after in itertools.pairwise(prompts):
        video = out.video_path("a", MODEL)
        video.write_bytes(f"video of {before}".encode())
        video.with_suffix(".json").write_text(json.dumps({"prompt": before}))
        replay = one({"state": "completed", "model": MODEL, "params": {"prompt": before}})
        changes = find_changes([job({"prompt": after})], replay)
        await set_aside(changes, replay, ledger, out, {})  # type: ignore[arg-type]
    aside = tmp_path / "videos" / "replaced"
    assert sorted(p.name for p in aside.iterdir()) == [f"a.{n}.{ext}" for n in (1, 2, 3) for ext in ("json", "mp4")]
    for number, prompt in enumerate(prompts[:3], start=1):
        assert (aside / f"a.{number}.mp4").read_bytes() == f"video of {prompt}".encode()
        assert json.loads((aside / f"a.{number}.json").read_text()) == {"prompt": prompt}
    assert [fields["previous"]["files"] for _, _, _, fields in ledger.lines] == [
        [f"videos/replaced/a.{n}.mp4", f"videos/replaced/a.{n}.json"] for n in (1, 2, 3)
    ]


async def test_a_job_whose_id_prefixes_another_counts_only_its_own_replacements(tmp_path):
    out = OutputDir(tmp_path)
    out.prepare()
    aside = tmp_path / "videos" / "replaced"
    aside.mkdir()
    for name in ("a.b.1.mp4", "a.7.mp4", "a.10.mp4", "a.x.mp4"):
        (aside / name).write_bytes(b"earlier")
    out.video_path("a", MODEL).write_bytes(b"latest")
    replay = one({"state": "completed", "model": MODEL, "params": APPLE})
    moved = await set_aside(find_changes([job(PEAR)], replay), replay, MemoryLedger(), out, {})  # type: ignore[arg-type]
    assert moved == [aside / "a.11.mp4"] and (aside / "a.10.mp4").read_bytes() == b"earlier"


async def test_a_folder_that_cannot_be_synced_does_not_stop_the_replacement(tmp_path, monkeypatch):
    out = OutputDir(tmp_path)
    out.prepare()
    out.video_path("a", MODEL).write_bytes(b"paid")
    replay = one({"state": "completed", "model": MODEL, "params": APPLE})
    ledger = MemoryLedger()

    def refuse(fd: int) -> None:
        raise OSError(22, "Invalid argument")

    monkeypatch.setattr(os, "fsync", refuse)  # some filesystems refuse to fsync a folder
    moved = await set_aside(find_changes([job(PEAR)], replay), replay, ledger, out, {})  # type: ignore[arg-type]
    assert [p.name for p in moved] == ["a.1.mp4"] and [line[1] for line in ledger.lines] == ["replaced"]


def change(job_id: str, fields: tuple[str, ...], source: str = "") -> identity.Change:
    return identity.Change(JobSpec(job_id, MODEL, {}, source=source), "completed", fields)


def test_only_changed_jobs_in_flight_are_refused_replacing_and_an_unknown_submit_is_told_to_settle_first():
    def at(job_id: str, state: str) -> identity.Change:
        return identity.Change(JobSpec(job_id, MODEL, {}, source="m.yaml:3"), state, ("image",))

    ended = [at(f"{state}-job", state) for state in ("completed", "failed", "expired")]
    identity.refuse_replacing_in_flight(ended, "out")  # nothing in flight: replaced as before
    with pytest.raises(identity.ChangedInFlight) as caught:
        identity.refuse_replacing_in_flight([*ended, at("sent", "submitted"), at("fetching", "downloading")], "out")
    told = str(caught.value)
    assert [c.job.id for c in caught.value.changes] == ["sent", "fetching"]
    assert "still in flight in out" in told and "new ids" in told and "unknown outcome" not in told
    with pytest.raises(identity.ChangedInFlight) as caught:
        identity.refuse_replacing_in_flight([at("posted", "submitting")], "out")
    assert str(caught.value).endswith("looked up in the request history only while its row asks for what it "
                                      "sent: let it settle first")  # fmt: skip


def test_the_changed_jobs_error_names_each_job_where_it_is_and_what_to_do():
    one_change = identity.ChangedJobs([change("a", ("prompt",), "m.yaml:3")], "out")
    assert str(one_change) == (
        "1 job in the manifest asks for something other than what out holds for its id; nothing was submitted:\n"
        "  a (m.yaml:3): prompt differs from what this id was sent as (now completed)\n"
        "Run again with --replace-changed to make them anew (paid again; the earlier videos are kept in "
        "videos/replaced/), or give the changed rows new ids"
    )
    many = identity.ChangedJobs([change(f"j{n}", ("model", "duration")) for n in range(23)], "out")
    lines = str(many).split("\n")
    assert lines[0] == (
        "23 jobs in the manifest ask for something other than what out holds for their ids; nothing was submitted:"
    )
    assert lines[1] == "  j0: model, duration differ from what this id was sent as (now completed)"
    assert lines[20] == "  j19: model, duration differ from what this id was sent as (now completed)"
    assert lines[21] == "  ... and 3 more" and len(lines) == 23 and len(many.changes) == 23


@pytest.mark.parametrize("state", ["submitting", "submitted", "downloading", "completed", "failed", "expired"])
def test_a_row_differing_from_anything_that_was_sent_is_a_changed_job(state):
    replay = one({"state": state, "model": MODEL, "params": APPLE})
    assert [(c.job.id, c.state, c.fields) for c in find_changes([job(PEAR)], replay)] == [("a", state, ("prompt",))]


@pytest.mark.parametrize("state", ["pending", "deferred"])
def test_a_row_whose_id_was_never_sent_may_change_freely(state):
    replay = one({"state": state, "model": MODEL, "params": APPLE})
    assert find_changes([job(PEAR), JobSpec("new", MODEL, PEAR)], replay) == []


def test_a_default_written_out_or_left_out_is_the_same_job_and_only_real_differences_are_named():
    replay = one({"state": "completed", "model": MODEL, "params": {**APPLE, "mode": "std"}})
    assert find_changes([job(APPLE)], replay) == []
    assert find_changes([job({**APPLE, "duration": 5, "cfg_scale": 0.5})], replay) == []
    [c] = find_changes([job({**PEAR, "duration": 10})], replay)
    assert c.fields == ("duration", "prompt")
    [c] = find_changes([job(APPLE, model="kling-2.1")], replay)
    assert c.fields[0] == "model"


def test_a_record_without_params_compares_its_fingerprint_with_defaults_filled_in():
    kept = {"state": "submitted", "fingerprint": fingerprint(MODEL, {**APPLE, "mode": "std"})}
    assert find_changes([job(APPLE)], one(kept)) == []


async def test_the_replaced_line_carries_everything_paid_for_the_id_so_far(tmp_path):
    ledger = MemoryLedger()
    for rec in (
        {"cost": 0.28, "paid_before": 0.56},
        {"cost": 0.28},
        {"paid_before": 0.14},
        {},
    ):
        replay = one({"state": "completed", "model": MODEL, "params": APPLE, **rec})
        await set_aside(find_changes([job(PEAR)], replay), replay, ledger, OutputDir(tmp_path), {})  # type: ignore[arg-type]
    assert [fields["paid_before"] for *_, fields in ledger.lines] == [0.84, 0.28, 0.14, None]
    assert identity.spent_on({"cost": None, "paid_before": None}) == 0.0


async def test_the_replaced_line_counts_for_good_what_a_lost_request_may_have_been_charged_at_the_configs_price(
    tmp_path,
):
    ledger = MemoryLedger()
    prices = {MODEL: {"std": {5: 0.9}}}  # the config's price for the earlier request (mode std, 5 s)
    for rec in (
        {"state": "expired"},  # lost, its charge never reported: it may have finished, and been charged
        {"state": "expired", "unreported_before": 0.2},  # ... and an earlier request lost so
        {"state": "expired", "cost": 0.28},  # charged, as reported: paid, not an estimate
        {"state": "failed"},  # never charged
        {"state": "failed", "unreported_before": 0.2},
    ):
        replay = one({"model": MODEL, "params": APPLE, "request_id": "r1", **rec})
        await set_aside(find_changes([job(PEAR)], replay), replay, ledger, OutputDir(tmp_path), prices)  # type: ignore[arg-type]
    said = [(fields["paid_before"], fields["unreported_before"]) for *_, fields in ledger.lines]
    assert said == [(None, 0.9), (None, 1.1), (0.28, None), (None, None), (None, 0.2)]


async def test_a_video_the_record_names_is_set_aside_but_never_a_file_outside_videos(tmp_path):
    out = OutputDir(tmp_path)
    out.prepare()
    (tmp_path / "videos" / "a-named.mp4").write_bytes(b"named")
    (tmp_path / "elsewhere.mp4").write_bytes(b"not ours")
    replay = one({"state": "completed", "model": MODEL, "params": APPLE, "file": "videos/a-named.mp4"})
    moved = await set_aside(find_changes([job(PEAR)], replay), replay, MemoryLedger(), out, {})  # type: ignore[arg-type]
    assert [p.name for p in moved] == ["a.1.mp4"]
    replay = one({"state": "completed", "model": MODEL, "params": APPLE, "file": "elsewhere.mp4"})
    assert await set_aside(find_changes([job(PEAR)], replay), replay, MemoryLedger(), out, {}) == []  # type: ignore[arg-type]
    assert (tmp_path / "elsewhere.mp4").read_bytes() == b"not ours"


async def test_a_replaced_folder_that_is_a_link_or_a_move_that_fails_is_a_clear_error(tmp_path, monkeypatch):
    from batchgen.errors import StorageError

    out = OutputDir(tmp_path)
    out.prepare()
    out.video_path("a", MODEL).write_bytes(b"paid")
    replay = one({"state": "completed", "model": MODEL, "params": APPLE})
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "videos" / "replaced").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(StorageError) as link:
        await set_aside(find_changes([job(PEAR)], replay), replay, MemoryLedger(), out, {})  # type: ignore[arg-type]
    assert str(link.value) == f"{tmp_path / 'videos' / 'replaced'} is a symbolic link; replace it with a real folder"
    (tmp_path / "videos" / "replaced").unlink()
    (tmp_path / "videos" / "replaced").mkdir()

    def cross_device(src: object, dst: object) -> None:
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr(os, "replace", cross_device)
    ledger = MemoryLedger()
    with pytest.raises(StorageError) as move:
        await set_aside(find_changes([job(PEAR)], replay), replay, ledger, out, {})  # type: ignore[arg-type]
    target = tmp_path / "videos" / "replaced" / "a.1.mp4"
    assert str(move.value) == f"cannot move {out.video_path('a', MODEL)} to {target} (Invalid cross-device link)"
    assert ledger.lines == [] and out.video_path("a", MODEL).read_bytes() == b"paid"


def test_the_changed_jobs_error_lists_twenty_in_full_and_counts_the_rest():
    twenty = str(identity.ChangedJobs([change(f"j{n}", ("prompt",)) for n in range(20)], "out")).split("\n")
    assert len(twenty) == 22 and twenty[20] == "  j19: prompt differs from what this id was sent as (now completed)"
    assert not any(line.startswith("  ... and") for line in twenty)


def test_a_fingerprint_takes_values_json_cannot_hold_as_text():
    from datetime import date

    first = fingerprint(MODEL, {**APPLE, "note": date(2027, 1, 15)})  # a YAML date in a manifest
    assert len(first) == 16 and first != fingerprint(MODEL, {**APPLE, "note": date(2027, 1, 16)})
    assert first == fingerprint(MODEL, {**APPLE, "note": date(2027, 1, 15)})


def test_recorded_parameters_are_compared_as_values_so_a_number_written_differently_is_the_same_job():
    replay = one({"state": "completed", "model": MODEL, "params": {**APPLE, "duration": 5}})
    assert find_changes([job({**APPLE, "duration": 5.0})], replay) == []


def test_only_fields_given_on_either_side_are_named_and_a_difference_in_nothing_named_says_parameters():
    replay = one({"state": "completed", "model": MODEL, "params": APPLE})
    [c] = find_changes([job({**PEAR, "mode": "std"})], replay)  # the default written out is no change
    assert c.fields == ("prompt",)
    kept = one({"state": "completed", "model": MODEL, "fingerprint": fingerprint(MODEL, APPLE)})
    [c] = find_changes([job(PEAR)], kept)
    assert c.fields == ("parameters",)
    assert c.describe() == "a (m.yaml:3): parameters differs from what this id was sent as (now completed)"


def test_every_row_is_compared_whatever_comes_before_it():
    replay = Replay({"b": {"state": "completed", "model": MODEL, "params": APPLE}}, 1, False)
    rows = [JobSpec("a", MODEL, PEAR), JobSpec("b", MODEL, PEAR)]  # a was never sent
    assert [c.job.id for c in find_changes(rows, replay)] == ["b"]


async def test_the_replaced_line_says_what_each_job_was_and_every_moved_file_is_returned(tmp_path):
    out = OutputDir(tmp_path, "{id}-{model}.mp4")
    out.prepare()
    recs = {}
    for job_id in ("a", "b"):
        out.video_path(job_id, "kling-2.1").write_bytes(b"paid " + job_id.encode())
        recs[job_id] = {"state": "completed", "model": "kling-2.1", "params": APPLE, "request_id": f"r-{job_id}",
                        "cost": 0.1234567}  # fmt: skip
    replay = Replay(recs, 2, False)
    ledger = MemoryLedger()
    changes = find_changes([JobSpec("a", MODEL, APPLE), JobSpec("b", MODEL, APPLE)], replay)
    moved = await set_aside(changes, replay, ledger, out, {})  # type: ignore[arg-type]
    assert [p.name for p in moved] == ["a.1.mp4", "b.1.mp4"]
    (job_id, event, state, fields) = ledger.lines[0]
    assert (job_id, event, state) == ("a", "replaced", "pending")
    assert fields == {
        "model": MODEL,
        "fingerprint": fingerprint(MODEL, APPLE),
        "previous": {
            "state": "completed",
            "model": "kling-2.1",
            "fingerprint": fingerprint("kling-2.1", APPLE),
            "request_id": "r-a",
            "changed": ["model"],
            "files": ["videos/replaced/a.1.mp4"],
        },
        "paid_before": 0.123457,
        "unreported_before": None,  # (charged, as reported: nothing is an estimate)
    }


def test_changed_rows_past_the_twentieth_are_counted_not_dropped():
    changes = [Change(JobSpec(f"j{i:02d}", "kling-text2video", {"prompt": "p"}), "completed", ("prompt",))
               for i in range(21)]  # fmt: skip
    lines = str(ChangedJobs(changes, "out")).splitlines()
    assert lines[0].startswith("21 jobs in the manifest ask for something other than what out holds for their ids")
    assert lines[1].startswith("  j00: prompt differs") and lines[20].startswith("  j19: prompt differs")
    assert lines[21] == "  ... and 1 more"


def test_the_changed_jobs_error_does_not_send_a_row_still_in_flight_to_replace_changed():
    # its advice, --replace-changed, was refused at once for such a row (ChangedInFlight, exit 2 again)
    rows = [
        identity.Change(JobSpec("done", MODEL, {}), "completed", ("prompt",)),
        identity.Change(JobSpec("sent", MODEL, {}), "submitted", ("prompt",)),
    ]
    told = str(identity.ChangedJobs(rows, "out"))
    assert told.endswith("but --replace-changed cannot take sent yet (still in flight: the earlier request is "
                         "charged once made): give it a new id, or let it finish first")  # fmt: skip
    assert "cannot take" not in str(identity.ChangedJobs(rows[:1], "out"))
