"""The report of a folder with several runs: one axis, one clock, gaps cut, deferred jobs as deferred,
ids told apart on cards (issue 23, items 13-15)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import av
import pyarrow.parquet as pq

from batchgen.clock import iso_utc, parse_time
from tests.helpers import many_jobs_yaml, run_batch, run_cli, write

HOURS_IDLE = 3 * 3600.0


def _age_folder(out: Path, seconds: float) -> None:
    """Make everything the folder holds so far ``seconds`` older: as if it had been left idle that long."""
    ledger = out / "ledger.jsonl"
    lines = []
    for raw in ledger.read_text().splitlines():
        rec = json.loads(raw)
        for key in ("ts", "submitted_at", "processing_at"):
            if isinstance(rec.get(key), str) and (at := parse_time(rec[key])) is not None:
                rec[key] = iso_utc(at - seconds)
        lines.append(json.dumps(rec))
    ledger.write_text("\n".join(lines) + "\n")
    pace = out / "pace.jsonl"
    points = [json.loads(raw) for raw in pace.read_text().splitlines()]
    for point in points:
        point["t"] -= seconds
        point["ts"] = iso_utc(point["t"])
    pace.write_text("".join(json.dumps(p) + "\n" for p in points))


def _xlabels(html: str) -> list[str]:
    return re.findall(r"[^<>]*of run time, the run&#x27;s own clock[^<>]*|[^<>]*of run time, the run's own clock[^<>]*",
                      html)  # fmt: skip


def test_charts_of_a_resumed_folder_share_one_run_time_axis_with_gaps_cut(sim, tmp_path, monkeypatch, capsys):
    server = sim()
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(8))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, "--max-spend", "0.6", monkeypatch=monkeypatch) == 3
    _age_folder(out, HOURS_IDLE)  # the folder sat idle for three hours before the next run
    assert run_batch(manifest, out, server, "--max-spend", "1.2", monkeypatch=monkeypatch) == 3
    html = (out / "report.html").read_text()
    labels = _xlabels(html)
    assert len(labels) == 3, labels  # jobs, requests and spend: one axis, one label
    axes = {label.split(" (rates per minute")[0] for label in labels}
    assert len(axes) == 1 and "1 idle gap(s) between runs cut" in labels[0]
    assert "simulated time" in labels[0]  # the clock of the rates and the p50 (the run's time scale)
    assert "hours" not in labels[0]  # three idle hours are not drawn
    # Jobs the cap held back are listed as deferred, not as failures.
    assert "Deferred (not submitted" in html and "Failures by reason" not in html
    assert run_cli("report", str(out)) == 0  # made again on demand: the same axis
    assert _xlabels((out / "report.html").read_text()) == labels


def test_card_ids_keep_the_end_that_tells_them_apart(sim, tmp_path, monkeypatch):
    server = sim()
    manifest = write(tmp_path / "m.yaml", """model: kling-text2video
matrix:
  name: ds
  prompt: ["a cat in the snow, cinematic, golden hour, shallow depth of field"]
  aspect_ratio: ["16:9", "9:16"]
  duration: [5, 10]
""")  # fmt: skip
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    html = (out / "report.html").read_text()
    tails = re.findall(r'<span class="tail">([^<]*)</span>', html)
    assert len(tails) == 4 and len(set(tails)) == 4, tails  # the visible ends differ
    assert all(t.endswith(("-5", "-10")) for t in tails)


def _made_anew(sim, tmp_path: Path, monkeypatch) -> Path:
    """Two jobs made, then one row changed (another prompt and frame shape) and made anew."""
    server = sim()
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(2))
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 0
    write(manifest, many_jobs_yaml(2).replace('"scene number 1"', '"scene number one"\n    aspect_ratio: "9:16"'))
    assert run_batch(manifest, out, server, "--replace-changed", monkeypatch=monkeypatch) == 0
    return out


def test_a_report_made_later_shows_what_a_row_made_anew_asked_for_last(sim, tmp_path, monkeypatch):
    # 'batchgen report' reads what was asked for off the ledger: it took each job's first request's, so the
    # card and index.parquet gave the new video the prompt of the one kept in videos/replaced/.
    out = _made_anew(sim, tmp_path, monkeypatch)
    assert run_cli("report", str(out)) == 0
    rows = {row["job_id"]: row for row in pq.read_table(out / "index.parquet").to_pylist()}
    assert rows["job-001"]["prompt"] == "scene number one"
    assert json.loads(rows["job-001"]["params_json"])["aspect_ratio"] == "9:16"
    html = (out / "report.html").read_text()
    assert "scene number one" in html and "scene number 1" not in html


def _shape(jpeg: Path) -> tuple[int, int]:
    with av.open(str(jpeg)) as container:
        frame = next(container.decode(video=0))
        return frame.width, frame.height


def test_a_row_made_anew_gets_the_poster_frame_of_its_new_video(sim, tmp_path, monkeypatch):
    # A poster frame was made once per file name: the new video kept the earlier one's frame, another shape.
    out = _made_anew(sim, tmp_path, monkeypatch)
    width, height = _shape(out / "thumbs" / "job-001.jpg")
    assert height > width  # 9:16, as the video in videos/ now, not the 16:9 one in videos/replaced/
    assert _shape(out / "thumbs" / "job-000.jpg")[0] > _shape(out / "thumbs" / "job-000.jpg")[1]
