"""Audit of ``batchgen/manifest.py``: a row whose image is gone is let through only as the very job the folder made.

A completed (or failed, or expired) job's row may lose its local image and the run goes on without it; any
other row that names a missing image is still a manifest error (exit 2, nothing sent): a row now of another
model, a row now naming another path, a row whose repeats the folder made from different images.

Rows asking for the same request (an image by its digest, however its path is spelled) are told apart by
occurrence, so each is a job of its own.

A JSONL manifest is read a job a line as JSON writes it: a line of only spaces or tabs is blank, and each
job keeps the line it is on.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from batchgen.errors import ManifestError
from batchgen.manifest import load_manifest
from tests.helpers import png_bytes, write

I2V = "kling-1.6-image2video"
T2V = "kling-text2video"


def _made_then_gone(tmp_path: Path, row: str) -> tuple[Path, dict[str, dict[str, Any]]]:
    """A manifest of one row, the folder's record of its jobs (completed), and its image deleted."""
    (tmp_path / "a.png").write_bytes(png_bytes(640, 360))
    manifest = write(tmp_path / "m.yaml", f"model: {I2V}\njobs:\n  - {row}\n")
    known = {
        job.id: {"state": "completed", "model": job.model, "params": copy.deepcopy(job.params)}
        for job in load_manifest(manifest).jobs
    }
    (tmp_path / "a.png").unlink()
    return manifest, known


def _problems(manifest: Path, known: dict[str, dict[str, Any]]) -> list[tuple[int | None, str | None]]:
    with pytest.raises(ManifestError) as caught:
        load_manifest(manifest, known=known)
    return [(p.line, p.field) for p in caught.value.problems]


def test_a_completed_row_whose_image_is_gone_goes_on_as_the_job_the_folder_made(tmp_path):
    manifest, known = _made_then_gone(tmp_path, "{id: r0, image: a.png, prompt: waves, repeat: 2}")
    loaded = load_manifest(manifest, known=known)
    assert [job.id for job in loaded.jobs] == ["r0-r1", "r0-r2"]
    assert set(loaded.gone_images) == {"r0-r1", "r0-r2"}


def test_a_row_whose_job_the_folder_made_with_another_model_still_needs_its_image(tmp_path):
    manifest, known = _made_then_gone(tmp_path, "{id: r0, image: a.png, prompt: waves}")
    known["r0"]["model"] = "kling-2.1"
    assert _problems(manifest, known) == [(3, "image")]


def test_a_row_that_now_names_another_image_that_is_not_there_is_an_error_not_the_old_job(tmp_path):
    manifest, known = _made_then_gone(tmp_path, "{id: r0, image: a.png, prompt: waves}")
    write(manifest, f"model: {I2V}\njobs:\n  - {{id: r0, image: b.png, prompt: waves}}\n")
    with pytest.raises(ManifestError) as caught:
        load_manifest(manifest, known=known)
    assert [(p.line, p.field) for p in caught.value.problems] == [(3, "image")]
    assert "b.png" in caught.value.problems[0].message


def test_a_repeated_row_whose_jobs_the_folder_made_from_different_images_still_needs_its_image(tmp_path):
    manifest, known = _made_then_gone(tmp_path, "{id: r0, image: a.png, prompt: waves, repeat: 2}")
    known["r0-r2"]["params"]["image"]["sha256"] = "0" * 64
    assert _problems(manifest, known) == [(3, "image")]


def test_a_jsonl_line_of_only_spaces_or_tabs_is_blank_and_the_jobs_after_it_keep_their_lines(tmp_path):
    path = write(
        tmp_path / "m.jsonl",
        f'{{"model":"{T2V}","id":"a","prompt":"a"}}\n   \n\t\n{{"model":"{T2V}","id":"b","prompt":"b"}}\n  \n',
    )
    loaded = load_manifest(path)
    assert [(job.id, job.source) for job in loaded.jobs] == [("a", f"{path}:1"), ("b", f"{path}:4")]


def test_a_jsonl_prompt_holding_a_unicode_line_separator_is_one_job_as_json_writes_it(tmp_path):
    rows = [{"model": T2V, "id": "a", "prompt": "a cat\u2028on a mat"}, {"model": T2V, "id": "b", "prompt": "b"}]
    path = tmp_path / "m.jsonl"
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    loaded = load_manifest(path)
    assert [(job.id, job.params["prompt"], job.source) for job in loaded.jobs] == [
        ("a", "a cat\u2028on a mat", f"{path}:1"),
        ("b", "b", f"{path}:2"),
    ]


def test_two_rows_asking_for_the_same_image_by_two_spellings_of_its_path_are_two_jobs_told_apart_by_occurrence(
    tmp_path,
):
    (tmp_path / "frames").mkdir()
    (tmp_path / "frames" / "a.png").write_bytes(png_bytes(640, 360))
    manifest = write(
        tmp_path / "m.yaml",
        f"model: {I2V}\njobs:\n  - {{prompt: p, image: frames/a.png}}\n  - {{prompt: p, image: ./frames/a.png}}\n",
    )
    first, second = load_manifest(manifest).jobs
    assert second.id == first.id + "-2"
    assert first.params["image"]["sha256"] == second.params["image"]["sha256"]
    (tmp_path / "frames").rename(tmp_path / "moved")
    moved = write(tmp_path / "n.yaml", manifest.read_text().replace("frames/", "moved/"))
    assert [job.id for job in load_manifest(moved).jobs] == [first.id, second.id]
