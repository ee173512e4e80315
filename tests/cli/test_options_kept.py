"""What is kept with an output folder between runs, and read back: the options that shape spending and
pacing (the spend cap above all), the manifest ``status`` compares with, the annotation columns, the
simulated account; and how the environment, the command line and the kept values take turns.

A lost or misread kept option lets a bare re-run spend past the cap it was given, or pace against the
wrong API; each test reads what the folder holds, or what a run would be given."""

from __future__ import annotations

import argparse
import json
import logging
import os
import stat
from pathlib import Path

import pytest

from batchgen.cli import options
from batchgen.cli.options import Options
from batchgen.errors import InputError, StorageError
from tests.helpers import TEST_IMAGE_SPEC, many_jobs_yaml, run_batch, write


def _kept_file(out: Path) -> Path:
    return out / ".batchgen" / "options.json"


def _args(out: Path | None, **given) -> argparse.Namespace:
    values = dict.fromkeys(options.KEPT)
    values.update(given)
    return argparse.Namespace(out=None if out is None else str(out), dry_run=False, **values)


# --------------------------------------------------------------------------- the environment


def test_the_environment_sets_the_cap_the_concurrency_and_the_pace_by_name():
    environ = {"BATCHGEN_MAX_SPEND": " 2.5 ", "BATCHGEN_CONCURRENCY": "4", "BATCHGEN_RPM": "30", "OTHER": "1"}
    found = options.from_environment(environ)
    assert found == {"max_spend": 2.5, "concurrency": 4, "rpm": 30.0}
    assert type(found["concurrency"]) is int and type(found["rpm"]) is float
    assert options.from_environment({"BATCHGEN_MAX_SPEND": "   ", "BATCHGEN_RPM": ""}) == {}  # blank: not set


@pytest.mark.parametrize(
    ("var", "text", "message"),
    [
        ("BATCHGEN_CONCURRENCY", "2.5", "environment variable BATCHGEN_CONCURRENCY must be a whole number, got '2.5'"),
        ("BATCHGEN_RPM", "fast", "environment variable BATCHGEN_RPM must be a number, got 'fast'"),
        ("BATCHGEN_MAX_SPEND", "$5", "environment variable BATCHGEN_MAX_SPEND must be a number, got '$5'"),
    ],
)
def test_an_unreadable_environment_variable_is_named_with_what_it_must_be(var, text, message):
    with pytest.raises(InputError) as bad:
        options.from_environment({var: text})
    assert str(bad.value) == message


def test_the_processs_own_environment_is_read_by_default(monkeypatch):
    for var, _ in options.ENVIRONMENT.values():
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("BATCHGEN_MAX_SPEND", "7")
    assert options.from_environment() == {"max_spend": 7.0}


# --------------------------------------------------------------------------- the state folder


def test_the_state_folder_is_inside_the_output_folder_and_never_a_link(tmp_path):
    assert options.state_dir(tmp_path / "out") == tmp_path / "out" / ".batchgen"
    assert options.state_dir(str(tmp_path / "out")) == tmp_path / "out" / ".batchgen"
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / ".batchgen").symlink_to(tmp_path)
    with pytest.raises(StorageError) as linked:
        options.state_dir(tmp_path / "out")
    assert str(linked.value) == (
        f"{tmp_path / 'out' / '.batchgen'} is a symbolic link; batchgen writes only inside the output folder. "
        "Replace it"
    )


def test_each_shard_keeps_its_own_simulated_account(tmp_path):
    out = tmp_path / "a" / "out"
    assert options.simulator_state(out) == out / ".batchgen" / "simulator.json"
    assert (out / ".batchgen").is_dir()  # made, parents and all
    assert options.simulator_state(out, "2-of-4") == out / ".batchgen" / "simulator.2-of-4.json"
    assert options.simulator_state(out) == out / ".batchgen" / "simulator.json"  # made already: fine
    (tmp_path / "file").write_text("x")
    with pytest.raises(StorageError) as blocked:
        options.simulator_state(tmp_path / "file")
    assert str(blocked.value) == (
        f"cannot create {tmp_path / 'file' / '.batchgen'} (Not a directory); check the output folder"
    )


def _ledger(path: Path, states: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps({"job_id": j, "state": s}) + "\n" for j, s in states.items()))


def test_jobs_in_flight_without_their_simulated_account_are_counted(tmp_path):
    out = tmp_path / "out"
    states = {"a": "submitting", "b": "submitted", "c": "downloading", "d": "completed", "e": "failed"}
    _ledger(out / "ledger.jsonl", states)
    _ledger(out / "shards" / "1-of-2" / "ledger.jsonl", {"x": "submitted", "y": "deferred"})
    assert options.simulated_jobs_without_simulator(out) == 3
    assert options.simulated_jobs_without_simulator(out, "1-of-2") == 1
    (out / ".batchgen" / "simulator.json").write_text("{}")
    assert options.simulated_jobs_without_simulator(out) == 0  # the account is there: nothing is lost
    assert options.simulated_jobs_without_simulator(out, "1-of-2") == 1  # that shard's account is not
    assert options.simulated_jobs_without_simulator(tmp_path / "new") == 0


def test_space_is_held_for_a_last_save_and_a_failed_hold_leaves_nothing(tmp_path):
    held = tmp_path / "reserve"
    options.reserve_space(held, 4096)
    assert held.stat().st_size == 4096
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(held.stat().st_mode) == 0o644 & ~umask
    refused = tmp_path / "refused"
    options.reserve_space(refused, -1)  # the system refuses the size: the file is not left behind
    assert not refused.exists()
    options.reserve_space(tmp_path / "missing" / "reserve", 4096)  # cannot even be opened: no error
    assert not (tmp_path / "missing").exists()


# --------------------------------------------------------------------------- kept options


def test_the_resume_line_names_every_option_in_force_in_a_fixed_order():
    values = {"time_scale": 50.0, "simulate": True, "base_url": None, "config": "/c d.yaml", "rpm": 12.5,
              "concurrency": 3, "max_spend": 10.0}  # fmt: skip
    assert Options(values).flags() == [
        "--max-spend", "10", "--concurrency", "3", "--rpm", "12.5", "--config", "/c d.yaml", "--simulate",
        "--time-scale", "50",
    ]  # fmt: skip
    assert Options({"simulate": False, "max_spend": 0.5}).flags() == ["--max-spend", "0.5"]
    assert Options({}).flags() == [] and Options({}).from_folder == []
    command = options.resume_command("jobs/m.yaml", "my out", Options(values))
    assert command == (
        "batchgen run jobs/m.yaml --out 'my out' --max-spend 10 --concurrency 3 --rpm 12.5 --config '/c d.yaml' "
        "--simulate --time-scale 50"
    )


def test_kept_options_are_written_whole_and_read_back_as_they_were(tmp_path):
    out = tmp_path / "out"
    kept = Options({"max_spend": 2.5, "concurrency": 4, "simulate": False, "rpm": None, "base_url": "http://x"})
    options.save(out, kept)
    text = _kept_file(out).read_text()
    assert text == '{\n  "base_url": "http://x",\n  "concurrency": 4,\n  "max_spend": 2.5\n}\n'
    assert options.load_kept(out) == {"base_url": "http://x", "concurrency": 4, "max_spend": 2.5}
    _kept_file(out).write_text(json.dumps({"max_spend": 3, "rpm": None, "api_key": "SG_x", "shard": "0/2"}))
    assert options.load_kept(out) == {"max_spend": 3}  # only kept options, and only those set
    assert options.load_kept(tmp_path / "new") == {}


def test_a_shard_keeps_its_own_options_and_one_without_takes_the_folders_cap(tmp_path):
    # a folder of an earlier version kept one options.json for every shard: its cap holds for each
    out = tmp_path / "out"
    options.save(out, Options({"max_spend": 2.5}))
    assert options.load_kept(out, "1-of-2") == {"max_spend": 2.5}
    options.save(out, Options({"max_spend": 1.0, "rpm": 20}), "2-of-2")
    assert options.load_kept(out, "2-of-2") == {"max_spend": 1.0, "rpm": 20}
    assert options.load_kept(out, "1-of-2") == {"max_spend": 2.5} and options.load_kept(out) == {"max_spend": 2.5}


def test_a_kept_options_file_that_cannot_be_read_is_an_error_that_says_what_it_holds(tmp_path):
    out = tmp_path / "out"
    path = _kept_file(out)
    path.parent.mkdir(parents=True)
    path.write_text('{"max_spend": 1.0,')
    with pytest.raises(InputError) as broken:
        options.load_kept(out)
    assert str(broken.value).startswith(f"{path} cannot be read (")
    assert str(broken.value).endswith(
        "); it keeps this folder's options (--max-spend and others): repair it, or remove it and give the "
        "options on the command line"
    )
    path.unlink()
    path.mkdir()
    with pytest.raises(InputError) as folder:
        options.load_kept(out)
    assert str(folder.value).startswith(f"{path} cannot be read (Is a directory); it keeps")
    path.rmdir()
    path.write_text("[1.0]")
    with pytest.raises(InputError) as not_object:
        options.load_kept(out)
    assert str(not_object.value) == (
        f"{path} is not a JSON object of options; repair it, or remove it and give the options again"
    )


def test_kept_options_that_cannot_be_saved_are_an_error(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / ".batchgen").write_text("a file where the folder goes")
    with pytest.raises(StorageError) as failed:
        options.save(out, Options({"max_spend": 1.0}))
    assert str(failed.value) == f"cannot keep the run's options in {_kept_file(out)} (File exists)"


def test_what_is_given_wins_and_the_kept_values_fill_the_gaps(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    kept = {"max_spend": 5.0, "concurrency": 2, "rpm": 20.0, "config": "c.yaml", "base_url": "http://kept"}
    merged = options.merge({"rpm": 40.0, "simulate": False, "concurrency": None}, kept)
    assert merged.values == {"max_spend": 5.0, "concurrency": 2, "rpm": 40.0, "config": str(tmp_path / "c.yaml"),
                             "base_url": "http://kept", "simulate": False, "time_scale": None}  # fmt: skip
    assert merged.from_folder == ["--max-spend", "--concurrency", "--config", "--base-url"]  # in KEPT's order
    # A given False (--simulate not given) is filled from the folder; a given value never is.
    simulated = options.merge({"simulate": False, "time_scale": 9.0}, {"simulate": True, "time_scale": 50.0})
    assert simulated.values["simulate"] is True and simulated.values["time_scale"] == 9.0
    assert simulated.from_folder == ["--simulate"]
    # --simulate now ends a kept real API; --base-url now ends a kept simulation.
    sim_now = options.merge({"simulate": True}, {"base_url": "http://kept", "max_spend": 1.0})
    assert sim_now.values["base_url"] is None and sim_now.from_folder == ["--max-spend"]
    real_now = options.merge({"base_url": "http://now"}, {"simulate": True, "time_scale": 50.0, "rpm": 3.0})
    assert real_now.values["simulate"] is None and real_now.values["time_scale"] is None
    assert real_now.from_folder == ["--rpm"]
    assert options.merge({}, {}).values == dict.fromkeys(options.KEPT)


def test_a_run_takes_up_the_kept_options_and_the_environment_beats_them(tmp_path, monkeypatch, caplog):
    for var, _ in options.ENVIRONMENT.values():
        monkeypatch.delenv(var, raising=False)
    out = tmp_path / "out"
    options.save(out, Options({"max_spend": 5.0, "rpm": 20.0, "concurrency": 3, "time_scale": 50.0}))
    monkeypatch.setenv("BATCHGEN_MAX_SPEND", "8")
    args = _args(out, rpm=40.0)
    with caplog.at_level(logging.INFO, logger="batchgen"):
        merged = options.take_up(args)
    assert merged.values["max_spend"] == 8.0 and merged.values["rpm"] == 40.0 and merged.values["concurrency"] == 3
    # The settings read the environment's value themselves (so a bad one is blamed on its variable).
    assert args.max_spend is None and args.rpm == 40.0 and args.concurrency == 3 and args.out == str(out)
    assert merged.from_folder == ["--concurrency", "--time-scale"]
    assert [r.getMessage() for r in caplog.records] == [f"options kept with {out}: --concurrency --time-scale"]
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="batchgen"):
        quiet = _args(out)
        quiet.dry_run = True
        options.take_up(quiet)
    assert caplog.records == []  # a dry run says it in its own plan
    assert quiet.max_spend is None and quiet.rpm == 20.0


def test_a_run_into_an_object_store_reads_nothing_kept_locally(tmp_path, monkeypatch):
    for var, _ in options.ENVIRONMENT.values():
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    options.save(tmp_path / "s3:" / "bucket" / "run", Options({"max_spend": 1.0}))  # a folder of that name
    args = _args(None, rpm=5.0)
    args.out = "s3://bucket/run"
    merged = options.take_up(args)
    assert merged.from_folder == [] and args.max_spend is None and args.out == "s3://bucket/run"
    (tmp_path / "s3:" / "bucket" / "file").write_text("a local file of that name")
    args = _args(None)
    args.out = "s3://bucket/file"  # an object store's URL is never taken for a local path
    assert options.take_up(args).from_folder == [] and args.out == "s3://bucket/file"


def test_an_output_folder_that_is_a_file_or_a_kept_config_that_is_gone_is_refused(tmp_path, monkeypatch):
    for var, _ in options.ENVIRONMENT.values():
        monkeypatch.delenv(var, raising=False)
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError) as a_file:
        options.take_up(_args(tmp_path / "file"))
    assert str(a_file.value) == (
        f"--out {tmp_path / 'file'} is a file, not a folder; give a folder for the videos (it is made if needed)"
    )
    out = tmp_path / "out"
    config = write(tmp_path / "c.yaml", "limits:\n  concurrency: 2\n")
    options.save(out, Options({"config": str(config)}))
    args = _args(out)
    assert options.take_up(args).from_folder == ["--config"] and args.config == str(config)
    config.unlink()
    with pytest.raises(InputError) as gone:
        options.take_up(_args(out))
    assert str(gone.value) == (
        f"{_kept_file(out)} keeps --config {config} from an earlier run, and that file is gone; "
        "give --config FILE (it will be kept instead)"
    )
    fresh = _args(out, config=str(write(tmp_path / "d.yaml", "limits:\n  concurrency: 3\n")))
    assert options.take_up(fresh).from_folder == []  # a config given now replaces the kept one


def test_without_out_the_configs_folder_is_the_one_used(tmp_path, monkeypatch):
    for var, _ in options.ENVIRONMENT.values():
        monkeypatch.delenv(var, raising=False)
    config = write(tmp_path / "c.yaml", f"output:\n  dir: {tmp_path / 'from-config'}\n")
    options.save(tmp_path / "from-config", Options({"rpm": 6.0}))
    args = _args(None, config=str(config))
    options.take_up(args)
    assert args.out == str(tmp_path / "from-config") and args.rpm == 6.0


# --------------------------------------------------------------------------- status's manifest, annotations


def manifest_ids(given: str | None, out: str) -> list[str] | None:
    jobs, _ = options.manifest_jobs(given, out)
    return None if jobs is None else [job.id for job in jobs]


def test_status_finds_the_manifest_the_folders_last_run_was_given(tmp_path):
    out = tmp_path / "out"
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(3))
    assert manifest_ids(None, str(out)) is None  # never run: not known
    options.save_manifest(out, str(manifest), 3)  # no .batchgen yet: nothing kept, no error
    assert manifest_ids(None, str(out)) is None
    (out / ".batchgen").mkdir(parents=True)
    options.save_manifest(out, str(manifest), 3)
    kept = json.loads((out / ".batchgen" / "manifest.json").read_text())
    assert kept == {"path": str(manifest.resolve()), "jobs": 3}
    ids = ["job-000", "job-001", "job-002"]
    assert manifest_ids(None, str(out)) == ids
    assert manifest_ids(str(manifest), "s3://bucket/run") == ids  # given: read wherever the folder is
    assert manifest_ids(None, "s3://bucket/run") is None
    manifest.write_text("jobs: [")  # no longer reads: status goes by the ledger alone
    assert manifest_ids(None, str(out)) is None
    with pytest.raises(InputError):
        manifest_ids(str(manifest), str(out))  # given now: its problems are the user's to see
    manifest.unlink()
    assert manifest_ids(None, str(out)) is None
    for text in ('["m.yaml"]', '{"path": ""}', "{", '{"jobs": 3}'):
        (out / ".batchgen" / "manifest.json").write_text(text)
        assert manifest_ids(None, str(out)) is None, text


def test_status_reads_the_kept_manifest_with_the_spec_files_and_passthrough_names_of_its_run(tmp_path):
    # A manifest of a user's model (--models, models.files) or of a models.passthrough one reads only with
    # them: status read it without, could not, and counted the ledger's jobs alone as the manifest's.
    out = tmp_path / "out"
    (out / ".batchgen").mkdir(parents=True)
    spec = write(tmp_path / "kling-test-image2video.yaml", TEST_IMAGE_SPEC.read_text())
    user = write(tmp_path / "user.yaml", many_jobs_yaml(2, model="kling-test-image2video").replace(
        '"\n', '"\n    image: https://example.com/a.png\n'))  # fmt: skip
    options.save_manifest(out, str(user), 2, models=[str(spec)])
    assert json.loads((out / ".batchgen" / "manifest.json").read_text())["models"] == [str(spec.resolve())]
    assert manifest_ids(None, str(out)) == ["job-000", "job-001"]
    assert manifest_ids(str(user), str(out)) == ["job-000", "job-001"]
    passed = write(tmp_path / "passed.yaml", many_jobs_yaml(1, model="vendor-video-9"))
    options.save_manifest(out, str(passed), 1, passthrough=["vendor-video-9"])
    assert manifest_ids(None, str(out)) == ["job-000"]
    spec.unlink()  # a spec file moved since: its rows no longer read, and status goes by the ledger alone
    options.save_manifest(out, str(user), 2, models=[str(spec)])
    assert manifest_ids(None, str(out)) is None


def test_annotation_columns_are_kept_merged_and_in_their_own_letters(tmp_path):
    out = tmp_path / "out"
    (out / ".batchgen").mkdir(parents=True)
    path = out / ".batchgen" / "annotations.json"
    options.save_annotations(out, {})
    assert not path.exists()  # nothing to keep: nothing written
    options.save_annotations(out, {"a": {"take": "café"}})
    assert path.read_bytes() == '{"a": {"take": "café"}}\n'.encode()
    options.save_annotations(out, {"b": {"take": "2"}})  # another manifest's jobs into the same folder
    assert json.loads(path.read_text()) == {"a": {"take": "café"}, "b": {"take": "2"}}
    options.save_annotations(out, {"a": {"take": "3"}})
    assert json.loads(path.read_text()) == {"a": {"take": "3"}, "b": {"take": "2"}}
    for damaged in ("{", "[1]"):
        path.write_text(damaged)
        options.save_annotations(out, {"c": {"x": "1"}})
        assert json.loads(path.read_text()) == {"c": {"x": "1"}}
    (out / ".batchgen").rename(tmp_path / "moved")
    (out / ".batchgen").write_text("a file")
    options.save_annotations(out, {"d": {"x": "1"}})  # best effort: never an error


def test_status_reads_the_manifest_it_is_given_over_the_one_the_folder_keeps(tmp_path, monkeypatch):
    out = tmp_path / "out"
    (out / ".batchgen").mkdir(parents=True)
    kept = write(tmp_path / "kept.yaml", many_jobs_yaml(2, prefix="kept"))
    given = write(tmp_path / "given.yaml", many_jobs_yaml(1, prefix="given"))
    options.save_manifest(out, str(kept), 2)
    assert manifest_ids(str(given), str(out)) == ["given-000"]
    assert manifest_ids(None, str(out)) == ["kept-000", "kept-001"]
    # A folder in an object store keeps nothing on this disk, even where a local folder has its name.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s3:" / "bucket" / "run" / ".batchgen").mkdir(parents=True)
    options.save_manifest(tmp_path / "s3:" / "bucket" / "run", str(kept), 2)
    assert manifest_ids(None, "s3://bucket/run") is None


def test_a_reserve_that_cannot_be_held_or_removed_is_still_no_error(tmp_path, monkeypatch):
    def refuse(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "posix_fallocate", refuse)
    monkeypatch.setattr(os, "unlink", refuse)
    options.reserve_space(tmp_path / "reserve", 4096)  # best effort: the run goes on without it


def test_the_command_line_beats_the_environment_and_a_simulation_named_now_keeps_its_kept_pace(tmp_path, monkeypatch):
    for var, _ in options.ENVIRONMENT.values():
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("BATCHGEN_RPM", "10")
    monkeypatch.setenv("BATCHGEN_CONCURRENCY", "3")
    args = _args(tmp_path / "out", rpm=40.0)
    merged = options.take_up(args)
    assert merged.values["rpm"] == 40.0 and args.rpm == 40.0  # given on the command line: it wins
    assert merged.values["concurrency"] == 3 and args.concurrency is None  # from the environment: read there
    # --simulate now drops a kept real API, but not the kept time scale that comes after it.
    now = options.merge({"simulate": True}, {"base_url": "http://kept", "time_scale": 50.0})
    assert now.values["base_url"] is None and now.values["time_scale"] == 50.0
    assert now.from_folder == ["--time-scale"]


def test_a_run_given_its_concurrency_by_the_environment_completes_and_keeps_it(tmp_path, sim, monkeypatch):
    for var, _ in options.ENVIRONMENT.values():
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("BATCHGEN_CONCURRENCY", "2")
    manifest, out = write(tmp_path / "m.yaml", many_jobs_yaml(3)), tmp_path / "out"
    assert run_batch(manifest, out, sim(), monkeypatch=monkeypatch) == 0
    assert sorted(p.name for p in (out / "videos").glob("*.mp4")) == ["job-000.mp4", "job-001.mp4", "job-002.mp4"]
    assert options.load_kept(out)["concurrency"] == 2
