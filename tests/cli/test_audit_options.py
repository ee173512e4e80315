"""Audit of ``batchgen/cli/options.py``: each shard resumes under its own kept options, and ``status`` reads
the manifest it is given or says truly why the kept one no longer reads."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from batchgen.cli import options
from batchgen.cli.options import Options
from tests.helpers import many_jobs_yaml, png_bytes, run_batch, run_cli, write


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
