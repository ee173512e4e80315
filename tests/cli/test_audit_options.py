"""Audit of ``batchgen/cli/options.py``: each shard resumes under its own kept options and a bad one is
blamed on the file that keeps it, and ``status`` reads the manifest it is given or the kept one (from any
folder, its images cleaned up once done), or says truly why the kept one no longer reads."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from batchgen.cli import options
from batchgen.cli.options import Options
from batchgen.store.local import OutputDir
from tests.helpers import TEST_IMAGE_SPEC, many_jobs_yaml, png_bytes, run_batch, run_cli, write


def _args(out: Path, **given: object) -> argparse.Namespace:
    values: dict[str, object] = dict.fromkeys(options.KEPT)
    values.update(given)
    return argparse.Namespace(out=str(out), dry_run=False, shards=None, **values)


@pytest.fixture
def no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for var, _ in options.ENVIRONMENT.values():
        monkeypatch.delenv(var, raising=False)


@pytest.mark.usefixtures("no_environment")
def test_each_shard_resumes_under_its_own_kept_cap_and_pace_never_another_shards(tmp_path):
    out = tmp_path / "out"
    options.save(out, Options({"max_spend": 9.0}))
    options.save(out, Options({"max_spend": 1.0, "rpm": 10.0}), "0-of-2")
    options.save(out, Options({"max_spend": 5.0}), "1-of-2")
    first = _args(out, shard="0/2")
    assert options.take_up(first).from_folder == ["--max-spend", "--rpm"]
    assert (first.max_spend, first.rpm) == (1.0, 10.0)
    second = _args(out, shard="1/2")
    options.take_up(second)
    assert (second.max_spend, second.rpm) == (5.0, None)
    unsharded = _args(out)
    options.take_up(unsharded)
    assert unsharded.max_spend == 9.0


def _image_rows(tmp_path: Path, ids: str, missing: str) -> Path:
    for name in ids:
        if name not in missing:
            (tmp_path / f"{name}.png").write_bytes(png_bytes(640, 360))
    rows = "".join(f"  - {{id: {name}, image: {name}.png, prompt: p}}\n" for name in ids)
    return write(tmp_path / "m.yaml", "model: kling-1.6-image2video\njobs:\n" + rows)


@pytest.mark.parametrize(
    ("missing", "more"), [("b", ""), ("bc", " (and 1 more)"), ("bcd", " (and 2 more)")]
)  # fmt: skip
def test_status_names_the_first_problem_of_a_kept_manifest_and_counts_the_others_truly(tmp_path, missing, more):
    out = tmp_path / "out"
    (out / ".batchgen").mkdir(parents=True)
    manifest = _image_rows(tmp_path, "abcd", missing)
    options.save_manifest(out, str(manifest), 4)
    jobs, why = options.manifest_jobs(None, str(out))
    assert jobs is None and why is not None
    assert why == (
        f"{manifest}:4: field 'image': image 'b.png' does not exist; check the path (relative paths start at the "
        f"manifest's folder){more}"
    )


def test_status_given_a_manifest_that_is_not_there_says_so_and_exits_2(tmp_path, sim, monkeypatch, capsys):
    manifest, out = write(tmp_path / "m.yaml", many_jobs_yaml(2)), tmp_path / "out"
    assert run_batch(manifest, out, sim(), monkeypatch=monkeypatch) == 0
    capsys.readouterr()
    gone = tmp_path / "other.yaml"
    assert run_cli("status", str(out), "--manifest", str(gone)) == 2
    captured = capsys.readouterr()
    assert str(gone) in captured.err and "all jobs completed" not in captured.out
    assert run_cli("status", str(out), "--manifest", str(manifest)) == 0
    assert "all jobs completed" in capsys.readouterr().out


@pytest.mark.parametrize("kept", ['{"max_spend": "5"}', '{"concurrency": 2.5}', '{"rpm": -1}'])
def test_a_bad_value_kept_with_the_folder_is_blamed_on_the_options_file_not_on_a_flag_never_given(
    tmp_path, capsys, kept
):
    manifest, out = write(tmp_path / "m.yaml", many_jobs_yaml(1)), tmp_path / "out"
    (out / ".batchgen").mkdir(parents=True)
    (out / ".batchgen" / "options.json").write_text(kept)
    assert run_cli("run", str(manifest), "--out", str(out), "--dry-run") == 2
    err = capsys.readouterr().err
    assert f"{out / '.batchgen' / 'options.json'} (--" in err and "kept there by an earlier run; give --" in err


@pytest.mark.usefixtures("no_environment")
def test_a_bad_value_kept_for_one_shard_is_blamed_on_that_shards_own_options_file(tmp_path, capsys):
    manifest, out = write(tmp_path / "m.yaml", many_jobs_yaml(2)), tmp_path / "out"
    options.save(out, Options({"concurrency": 2}))
    (out / ".batchgen" / "options.1-of-2.json").write_text('{"concurrency": 2.5}')
    assert run_cli("run", str(manifest), "--out", str(out), "--shard", "1/2", "--dry-run") == 2
    err = capsys.readouterr().err
    assert f"{out / '.batchgen' / 'options.1-of-2.json'} (--concurrency kept there by an earlier run" in err


def test_status_run_from_another_folder_reads_the_manifest_and_spec_files_a_run_named_relatively(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "kling-test-image2video.yaml", TEST_IMAGE_SPEC.read_text())
    write(tmp_path / "user.yaml", many_jobs_yaml(2, model="kling-test-image2video").replace(
        '"\n', '"\n    image: https://example.com/a.png\n'))  # fmt: skip
    out = tmp_path / "out"
    (out / ".batchgen").mkdir(parents=True)
    options.save_manifest(out, "user.yaml", 2, models=["kling-test-image2video.yaml"])
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert options.kept_manifest(str(out)) == tmp_path / "user.yaml"
    jobs, why = options.manifest_jobs(None, str(out))
    assert why is None and jobs is not None
    assert [job.id for job in jobs] == ["job-000", "job-001"]


def test_status_counts_a_finished_image_job_by_the_manifest_once_its_input_image_is_cleaned_up(
    tmp_path, sim, monkeypatch, capsys
):
    manifest, out = _image_rows(tmp_path, "ab", ""), tmp_path / "out"
    assert run_batch(manifest, out, sim(), monkeypatch=monkeypatch) == 0
    (tmp_path / "a.png").unlink()
    capsys.readouterr()
    assert run_cli("status", str(out), "--json") == 0
    status = json.loads(capsys.readouterr().out)
    assert (status["counted"], status["finished"]) == ("manifest", True)
    assert not any("no longer reads" in line for line in status["lines"])


@pytest.mark.usefixtures("no_environment")
def test_a_shard_whose_kept_config_is_gone_is_told_the_file_that_keeps_it(tmp_path, capsys):
    manifest, out = write(tmp_path / "m.yaml", many_jobs_yaml(2)), tmp_path / "out"
    config = write(tmp_path / "c.yaml", "limits:\n  concurrency: 2\n")
    options.save(out, Options({"config": str(config)}))
    config.unlink()
    assert run_cli("run", str(manifest), "--out", str(out), "--shard", "0/2", "--dry-run") == 2
    err = capsys.readouterr().err
    assert f"{out / '.batchgen' / 'options.json'} keeps --config {config} from an earlier run" in err


def test_a_run_refused_the_folder_another_run_holds_leaves_its_kept_options_and_manifest_alone(
    tmp_path, sim, monkeypatch, capsys
):
    """A second ``batchgen run`` into a busy folder (a cron line, a retrying script), given another manifest,
    another cap and another server, is refused the lock: the options, manifest and annotations kept with the
    folder stay those of the run that holds it (which its resume and ``status`` go by)."""
    manifest, out = write(tmp_path / "m.yaml", many_jobs_yaml(2)), tmp_path / "out"
    assert run_batch(manifest, out, sim(), "--max-spend", "9", monkeypatch=monkeypatch) == 0
    kept = {path.name: path.read_bytes() for path in (out / ".batchgen").iterdir() if path.suffix == ".json"}
    assert {"options.json", "manifest.json"} <= set(kept)
    other = write(
        tmp_path / "other.yaml", many_jobs_yaml(3, prefix="other").replace("prompt:", "meta.k: 1\n    prompt:")
    )
    holder = OutputDir(out)
    holder.lock()
    try:
        refused = ("run", str(other), "--out", str(out), "--base-url", "http://127.0.0.1:9", "--max-spend", "1")
        assert run_cli(*refused) == 5
    finally:
        holder.unlock()
    assert "another batchgen run" in capsys.readouterr().err
    now = {path.name: path.read_bytes() for path in (out / ".batchgen").iterdir() if path.suffix == ".json"}
    assert now == kept
    assert json.loads(kept["options.json"])["max_spend"] == 9.0
