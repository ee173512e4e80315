"""The report's work done while the run lasts (report/ahead.py): poster frames as videos land, and a final
report built on them that says exactly what a full rebuild says."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pyarrow.parquet as pq

from batchgen.config import ReportSettings
from batchgen.report.ahead import make_new_posters
from batchgen.report.exits import Verdict
from batchgen.report.publish import publish
from tests.helpers import png_bytes, run_with_failures
from tests.report.folders import SIM_MEDIA, image_job, ledger_line


def test_posters_are_made_as_videos_land_once_each_and_a_line_being_written_waits(tmp_path):
    root = tmp_path / "out"
    (root / "videos").mkdir(parents=True)
    for job in ("a", "b", "c", "d"):
        shutil.copyfile(SIM_MEDIA / "16x9_5s.mp4", root / "videos" / f"{job}.mp4")
    ledger = root / "ledger.jsonl"
    ledger.write_bytes(
        ledger_line("a", "submitted") + ledger_line("a", "completed", file="videos/a.mp4")
        + ledger_line("b", "completed", file="videos/b.mp4") + ledger_line("c", "submitted")
    )  # fmt: skip
    assert make_new_posters(root, 120) == 2
    assert sorted(p.name for p in (root / "thumbs").iterdir()) == ["a.jpg", "b.jpg"]
    assert make_new_posters(root, 120) == 0  # nothing new in the ledger: nothing read twice, nothing made
    whole = ledger_line("c", "completed", file="videos/c.mp4")
    torn = ledger_line("d", "completed", file="videos/d.mp4")
    with ledger.open("ab") as fh:
        fh.write(whole + torn[:20])  # d's line is still being written
    assert make_new_posters(root, 120) == 1 and (root / "thumbs" / "c.jpg").is_file()
    with ledger.open("ab") as fh:
        fh.write(torn[20:])
    assert make_new_posters(root, 120) == 1 and (root / "thumbs" / "d.jpg").is_file()
    # A video outside the folder's videos/ is never read; a line that is not JSON is left to the report.
    shutil.copyfile(SIM_MEDIA / "16x9_5s.mp4", root.parent / "elsewhere.mp4")  # a real video, outside
    with ledger.open("ab") as fh:
        fh.write(ledger_line("e", "completed", file="../elsewhere.mp4") + b'{"completed" oops\n')
    assert make_new_posters(root, 120) == 0
    assert sorted(p.name for p in (root / "thumbs").iterdir()) == ["a.jpg", "b.jpg", "c.jpg", "d.jpg"]


def _report_text(root: Path) -> str:
    pages = [root / "report.html", *sorted((root / "report-pages").glob("page-*.html"))]
    text = "".join(page.read_text() for page in pages if page.is_file())
    text = re.sub(r"\d{4}-\d\d-\d\dT[0-9:.]+Z", "WHEN", text)  # when it was generated
    return re.sub(r"\b[pm][0-9a-f]{10}\b", "ID", text)  # matplotlib names clip paths and markers at random


def test_a_report_built_on_posters_made_during_the_run_equals_a_full_rebuild(tmp_path, sim, monkeypatch):
    out, code = run_with_failures(tmp_path, sim, monkeypatch, count=9)
    assert code == 1
    verdict = Verdict(1, json.loads((out / "report.json").read_text())["resume_command"])
    settings = ReportSettings(page_size=4)  # pages as well

    ahead = tmp_path / "ahead" / "out"
    full = tmp_path / "full" / "out"
    for copy in (ahead, full):
        shutil.copytree(out, copy, ignore=shutil.ignore_patterns("thumbs", "report*", "index.parquet"))
    # The run's worker makes the poster frames of a first part of the ledger, then of the rest.
    lines = (ahead / "ledger.jsonl").read_bytes().splitlines(keepends=True)
    cut = next(i for i, line in enumerate(lines) if b'"completed"' in line) + 1
    (ahead / "ledger.jsonl").write_bytes(b"".join(lines[:cut]))
    first = make_new_posters(ahead, settings.thumb_width)
    (ahead / "ledger.jsonl").write_bytes(b"".join(lines))
    assert first == 1 and first + make_new_posters(ahead, settings.thumb_width) == 6
    publish(ahead, settings, verdict=verdict)
    publish(full, settings, verdict=verdict)  # cold: every poster frame made here

    assert pq.read_table(ahead / "index.parquet").equals(pq.read_table(full / "index.parquet"))
    assert _report_text(ahead) == _report_text(full)
    assert _report_text(ahead).count('<div class="card') == 6
    made = {p.name: p.read_bytes() for p in (ahead / "thumbs").iterdir()}
    assert made == {p.name: p.read_bytes() for p in (full / "thumbs").iterdir()} and len(made) == 6
    assert not [p for p in ahead.rglob(".*.tmp")]


def test_the_report_worker_can_start_under_python_m_batchgen():
    """anyio's worker process re-runs ``__main__`` under the name ``__mp_main__``: under ``python -m batchgen``
    that is batchgen/__main__.py, which must then neither fail nor start a command."""
    import subprocess
    import sys

    import batchgen

    main = Path(batchgen.__file__).with_name("__main__.py")
    code = f"import runpy; runpy.run_path({str(main)!r}, run_name='__mp_main__'); print('ok')"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout == "ok\n", done.stderr


def test_a_video_made_anew_under_the_same_name_gets_its_own_poster_as_it_lands(tmp_path):
    # A row made anew (--replace-changed) lands under the same name: its poster was taken for made already,
    # and the report refreshed during the run showed the replaced video's frame, of another shape.
    root = tmp_path / "out"
    (root / "videos").mkdir(parents=True)
    video = root / "videos" / "a.mp4"
    shutil.copyfile(SIM_MEDIA / "16x9_5s.mp4", video)
    ledger = root / "ledger.jsonl"
    ledger.write_bytes(ledger_line("a", "completed", file="videos/a.mp4"))
    assert make_new_posters(root, 120) == 1
    wide = (root / "thumbs" / "a.jpg").read_bytes()
    shutil.copyfile(SIM_MEDIA / "9x16_5s.mp4", video)  # the new video, seconds later, then its line
    later = (root / "thumbs" / "a.jpg").stat().st_mtime_ns + 2_000_000_000
    os.utime(video, ns=(later, later))
    with ledger.open("ab") as fh:
        fh.write(ledger_line("a", "replaced") + ledger_line("a", "completed", file="videos/a.mp4"))
    assert make_new_posters(root, 120) == 1 and (root / "thumbs" / "a.jpg").read_bytes() != wide
    assert make_new_posters(root, 120) == 0


def test_an_input_image_changed_under_the_same_path_gets_its_thumbnail_made_again_in_the_report(tmp_path):
    """The report shows the input image as it is: one rewritten since its thumbnail was made is thumbnailed
    anew, not shown as it was."""
    root, image = image_job(tmp_path)
    publish(root, ReportSettings())
    thumb = root / "thumbs" / "a.input.jpg"
    before = thumb.read_bytes()
    image.write_bytes(png_bytes(64, 36, seed=2, noise=True))
    later = thumb.stat().st_mtime_ns + 1_000_000_000  # changed after its thumbnail was made, whatever the clock
    os.utime(image, ns=(later, later))
    assert "thumbs/a.input.jpg" in publish(root, ReportSettings()).read_text()
    assert thumb.read_bytes() != before
