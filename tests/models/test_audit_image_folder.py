"""Audit of ``batchgen/models/image_folder.py``: an ``images:`` block finds its files where the operator
names them, a folder under the home folder (``~``) included, as a job's own image path does."""

from __future__ import annotations

from pathlib import Path

import pytest

from batchgen.errors import ManifestError
from batchgen.manifest import load_manifest
from tests.helpers import png_bytes, write

I2V = "kling-1.6-image2video"


def test_an_images_block_from_a_folder_or_glob_under_the_home_folder_makes_a_job_per_image(tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / "frames").mkdir(parents=True)
    for stem in ("a", "b"):
        (home / "frames" / f"{stem}.png").write_bytes(png_bytes(640, 360, seed=ord(stem)))
    monkeypatch.setenv("HOME", str(home))
    shoot = tmp_path / "shoot"
    shoot.mkdir()
    for where in ("~/frames", "'~/frames/*.png'"):
        path = write(shoot / "m.yaml", f"model: {I2V}\nimages:\n  from: {where}\n  prompt: '{{stem}} moves'\n")
        made = load_manifest(path).jobs
        assert [(job.id, job.params["prompt"]) for job in made] == [("a", "a moves"), ("b", "b moves")]
        assert all(str(home / "frames" / f"{job.id}.png") in str(job.params["image"]) for job in made)


def one_frame_block(tmp_path: Path, lines: str) -> Path:
    """A folder of one frame (``a.png``) and a manifest whose images block takes it, ``lines`` in the block."""
    (tmp_path / "frames").mkdir()
    (tmp_path / "frames" / "a.png").write_bytes(png_bytes(640, 360, seed=1))
    return write(tmp_path / "m.yaml", f"model: {I2V}\nimages:\n  from: frames\n{lines}")


def test_an_images_block_varying_values_alike_in_their_first_words_makes_a_job_of_each(tmp_path):
    path = one_frame_block(
        tmp_path,
        "  prompt: '{stem} moves'\n"
        "  negative_prompt: ['cinematic lighting, shallow depth', 'cinematic lighting, shallow focus']\n",
    )
    made = load_manifest(path).jobs
    assert len({job.id for job in made}) == 2
    assert sorted(job.params["negative_prompt"] for job in made) == [
        "cinematic lighting, shallow depth",
        "cinematic lighting, shallow focus",
    ]


def test_two_images_whose_long_names_are_alike_in_their_first_120_letters_are_told_apart_or_named(tmp_path):
    (tmp_path / "frames").mkdir()
    long = "a" * 130
    for tail in ("x", "y"):
        (tmp_path / "frames" / f"{long}{tail}.png").write_bytes(png_bytes(640, 360, seed=ord(tail)))
    path = write(tmp_path / "m.yaml", f"model: {I2V}\nimages:\n  from: frames\n  prompt: '{{stem}}'\n")
    with pytest.raises(ManifestError) as caught:
        load_manifest(path)
    said = str(caught.value)
    assert f"frames/{long}x.png' and 'frames/{long}y.png' both make the job id '{'a' * 120}'; rename one" in said


def test_an_images_blocks_ids_are_the_ones_it_always_made(tmp_path):
    # A value's slug cut at 24 letters keeps the dash it ends in, as an images block's ids always have: an id made
    # otherwise now would be a job the folder does not know, made and paid again.
    path = one_frame_block(
        tmp_path, "  prompt: '{stem}'\n  negative_prompt: ['aaaaaaaaaaaaaaaaaaaaaaa b', 'blur']\n  mode: [std, pro]\n"
    )
    assert sorted(job.id for job in load_manifest(path).jobs) == [
        "a-aaaaaaaaaaaaaaaaaaaaaaa--pro",
        "a-aaaaaaaaaaaaaaaaaaaaaaa--std",
        "a-blur-pro",
        "a-blur-std",
    ]
