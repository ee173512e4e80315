"""Audit of ``batchgen/report/ahead.py``: poster frames made as videos land are each video's own, with its
input image's thumbnail beside it, whatever ledger the folder holds now."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import av

from batchgen.report.ahead import make_new_posters
from tests.helpers import png_bytes
from tests.report.folders import image_job, landed, ledger_line


def _size(jpeg: Path) -> tuple[int, int]:
    with av.open(str(jpeg)) as container:
        frame = next(container.decode(video=0))
        return frame.width, frame.height


def test_a_video_that_lands_gets_its_poster_and_its_input_images_thumbnail_each_in_its_own_file(tmp_path):
    root, _ = image_job(tmp_path, 36, 64, submitted=True)  # portrait: a thumbnail of it is taller than wide
    assert make_new_posters(root, 120) == 2
    poster, thumb = _size(root / "thumbs" / "a.jpg"), _size(root / "thumbs" / "a.input.jpg")
    assert poster[0] > poster[1]  # the 16:9 video's frame
    assert thumb[0] < thumb[1]  # the portrait input image
    assert make_new_posters(root, 120) == 0


def test_a_ledger_made_anew_in_the_folder_is_read_from_its_start(tmp_path):
    root = tmp_path / "out"
    landed(root, "a")
    ledger = root / "ledger.jsonl"
    ledger.write_bytes(ledger_line("a", "completed", file="videos/a.mp4"))
    assert make_new_posters(root, 120) == 1
    # The folder is emptied and a new run starts in it: a new ledger, longer than the part read of the old one.
    shutil.rmtree(root / "thumbs")
    landed(root, "b", "c")
    fresh = root / "ledger.new"
    fresh.write_bytes(
        ledger_line("b", "completed", file="videos/b.mp4") + ledger_line("c", "completed", file="videos/c.mp4")
    )
    os.replace(fresh, ledger)
    assert make_new_posters(root, 120) == 2
    assert sorted(p.name for p in (root / "thumbs").iterdir()) == ["b.jpg", "c.jpg"]


def test_an_input_image_changed_for_a_job_made_anew_gets_its_thumbnail_made_again_as_the_video_lands(tmp_path):
    root = tmp_path / "out"
    landed(root, "a")
    image = tmp_path / "in.png"
    image.write_bytes(png_bytes(64, 36, seed=1))  # landscape
    ref = {"path": str(image), "file": "in.png", "sha256": "00" * 32}
    submit = ledger_line("a", "submitting", model="kling-1.6-image2video", params={"prompt": "p", "image": ref})
    ledger = root / "ledger.jsonl"
    ledger.write_bytes(submit + ledger_line("a", "completed", file="videos/a.mp4"))
    assert make_new_posters(root, 120) == 2
    thumb = root / "thumbs" / "a.input.jpg"
    assert _size(thumb)[0] > _size(thumb)[1]
    image.write_bytes(png_bytes(36, 64, seed=2))  # the row's image redrawn in portrait, the row made anew
    later = thumb.stat().st_mtime_ns + 2_000_000_000
    os.utime(image, ns=(later, later))
    os.utime(root / "videos" / "a.mp4", ns=(later, later))
    with ledger.open("ab") as fh:
        fh.write(ledger_line("a", "replaced") + submit + ledger_line("a", "completed", file="videos/a.mp4"))
    assert make_new_posters(root, 120) == 2
    assert _size(thumb)[0] < _size(thumb)[1]
