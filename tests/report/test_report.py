"""The morning after: probed videos, index.parquet, report.html and ``batchgen report``."""

from __future__ import annotations

import json
import os
import re
import shutil
from html import escape
from pathlib import Path
from typing import Any

import av
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from batchgen.config import ReportSettings
from batchgen.report.exits import Verdict
from batchgen.report.pace import PACE_FILE, read_pace
from batchgen.report.publish import publish, verdict_from
from batchgen.simulator import SimConfig, SimState
from batchgen.simulator.media import template
from batchgen.store.media import Media, check_media, inspect_video, probe_video
from tests.helpers import (
    batch_yaml,
    run_batch,
    run_cli,
    run_with_failures,
    write,
)
from tests.make_sim_media import encode

SIM_MEDIA = Path(__file__).resolve().parents[2] / "batchgen" / "simulator" / "templates"
CHECK: dict[str, Any] = {"duration_tolerance_s": 0.5, "aspect_tolerance": 0.03}
NETWORK = re.compile(r"\b(?:https?|wss?|ftp)://", re.IGNORECASE)
LINKS = re.compile(r"""(?:src|href|action)\s*=\s*["']?([^"' >]*)""", re.IGNORECASE)


def assert_offline(html: str) -> None:
    """No network address anywhere, and every link a relative path to a local file."""
    assert not NETWORK.findall(html), NETWORK.findall(html)[:3]
    for link in LINKS.findall(html):
        assert link and ":" not in link and not link.startswith(("/", "\\")), link
    assert not re.search(r"url\(\s*[^#\s]", html) and "@import" not in html  # url(#id): a clip path in the page


# --------------------------------------------------------------------------- probe


@pytest.mark.parametrize(
    ("name", "width", "height", "seconds"),
    [("16x9_5s", 160, 90, 5.0), ("9x16_10s", 90, 160, 10.0), ("1x1_5s", 120, 120, 5.0)],
)
def test_probe_reads_the_container(name, width, height, seconds):
    media = probe_video(SIM_MEDIA / f"{name}.mp4")
    assert (media.width, media.height, media.duration_s, media.codec) == (width, height, seconds, "h264")
    assert media.fps == 8.0 and media.frames == int(seconds * 8)


@pytest.mark.parametrize(
    ("params", "media", "kinds"),
    [
        ({"duration": 5, "aspect_ratio": "16:9"}, Media(5.04, 1280, 720, 24, "h264", 121), []),
        ({"duration": "10", "aspect_ratio": "16:9"}, Media(5.0, 1280, 720, 24, "h264", 120), ["duration_mismatch"]),
        ({}, Media(10.0, 720, 1280, 24, "h264", 240), ["duration_mismatch", "aspect_mismatch"]),
        ({"aspect_ratio": "1:1"}, Media(5.0, 960, 960, 24, "h264", 120), []),
        ({"aspect_ratio": "9:16"}, Media(5.0, 960, 960, 24, "h264", 120), ["aspect_mismatch"]),
        ({"duration": 5}, Media(None, None, None, None, None, None), []),
    ],
)
def test_check_media_names_each_mismatch(params, media, kinds):
    warnings = check_media(media, params, **CHECK)
    assert [w["kind"] for w in warnings] == kinds
    assert all(w["detail"] for w in warnings)


@pytest.mark.parametrize(
    ("aspect", "width", "height", "kinds"),
    [
        ("9:16", 540, 1000, ["aspect_mismatch"]),  # 0.54 against 0.5625: 4 % off, though only 0.02 apart
        ("16:9", 1820, 1000, []),  # 1.82 against 1.78: 2.4 % off, though 0.04 apart
    ],
)
def test_the_aspect_tolerance_is_relative_to_the_aspect_asked_for(aspect, width, height, kinds):
    media = Media(5.0, width, height, 24, "h264", 120)
    assert [w["kind"] for w in check_media(media, {"aspect_ratio": aspect}, **CHECK)] == kinds


def test_an_image_job_that_names_no_aspect_ratio_is_not_held_to_16_9():
    # Its video takes the image's shape (kling-1.6-image2video and kling-o3-image2video have no aspect_ratio
    # at all): a portrait picture's portrait video was warned "aspect_mismatch: asked for 16:9".
    portrait = Media(5.0, 720, 1280, 24, "h264", 120)
    local = {"path": "/f/a.png", "file": "a.png", "sha256": "ab" * 32, "width": 720, "height": 1280}
    for model, image in (("kling-1.6-image2video", "https://example.com/a.png"), ("kling-o3-image2video", local)):
        params = {"image" if model.startswith("kling-1.6") else "image_url": image, "duration": "5"}
        assert check_media(portrait, params, model=model, **CHECK) == []
    asked = {"image": "https://example.com/a.png", "aspect_ratio": "16:9"}  # one it names is held to, as ever
    assert [w["kind"] for w in check_media(portrait, asked, model="kling-2.1", **CHECK)] == ["aspect_mismatch"]
    assert [w["kind"] for w in check_media(portrait, {"prompt": "p"}, model="kling-2.6", **CHECK)] == [
        "aspect_mismatch"  # no image: the default frame shape
    ]


def test_a_duration_exactly_at_the_tolerance_is_no_mismatch():
    assert check_media(Media(5.5, 1280, 720, 24, "h264", 132), {"duration": 5}, **CHECK) == []
    (warning,) = check_media(Media(5.51, 1280, 720, 24, "h264", 132), {"duration": 5}, **CHECK)
    assert warning == {"kind": "duration_mismatch", "detail": "asked for 5 s, the video lasts 5.51 s"}


def test_an_aspect_exactly_at_the_tolerance_is_no_mismatch():
    at = Media(5.0, 125, 100, 24, "h264", 120)  # 1.25 against 1:1: 25 % off
    assert check_media(at, {"aspect_ratio": "1:1"}, duration_tolerance_s=0.5, aspect_tolerance=0.25) == []
    over = Media(5.0, 126, 100, 24, "h264", 120)
    (warning,) = check_media(over, {"aspect_ratio": "1:1"}, duration_tolerance_s=0.5, aspect_tolerance=0.25)
    assert warning == {"kind": "aspect_mismatch", "detail": "asked for 1:1, the video is 126x100"}


def _write(path: Path, kind: str, count: int, options: dict[str, str] | None = None) -> None:
    """An MP4 of ``count`` blank frames: 64x36 pictures at 8 a second, or 1024-sample sound frames."""
    with av.open(str(path), "w", format="mp4", options=options or {}) as container:
        frames: list[Any] = []
        if kind == "video":
            video = container.add_stream("libx264", rate=8)
            video.width, video.height, video.pix_fmt = 64, 36, "yuv420p"
            frames = [av.VideoFrame(64, 36, "yuv420p") for _ in range(count)]
            stream: Any = video
        else:
            stream = container.add_stream("aac", rate=8000)
            for index in range(count):
                sound = av.AudioFrame(format="fltp", layout="mono", samples=1024)
                sound.sample_rate, sound.pts = 8000, index * 1024
                frames.append(sound)
        for frame in frames:
            for plane in frame.planes:
                plane.update(bytes(plane.buffer_size))
        for frame in [*frames, None]:
            for packet in stream.encode(frame):
                container.mux(packet)


def test_probe_counts_the_frames_of_a_video_whose_header_does_not_say(tmp_path):
    path = tmp_path / "fragmented.mp4"  # written as fragments, as a stream is: its header counts no frames
    _write(path, "video", 16, {"movflags": "frag_keyframe+empty_moov"})
    media = probe_video(path)
    assert (media.width, media.height, media.duration_s, media.fps, media.frames) == (64, 36, 2.0, 8.0, 16)


def test_a_saved_file_with_sound_and_no_picture_is_kept_as_unreadable_not_a_crash(tmp_path):
    path = tmp_path / "sound.mp4"
    _write(path, "audio", 10)
    record, warnings = inspect_video(path, {"duration": 5}, duration_tolerance_s=0.5, aspect_tolerance=0.03)
    assert record is None and warnings == [{"kind": "unreadable", "detail": f"{path} has no video stream"}]


def test_probe_names_an_unreadable_file(tmp_path):
    from batchgen.store.media import ProbeError

    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00\x00\x00\x08ftypnot a video at all")
    with pytest.raises(ProbeError, match=r"bad\.mp4"):
        probe_video(bad)


def test_simulator_serves_the_wrong_video_only_where_told():
    state = SimState(SimConfig(media_faults={"sunset": "wrong_duration", "square": "wrong_aspect"}))
    sunset = state.create_job("kling-text2video", {"prompt": "a beach at sunset", "duration": 5}, "std", 5)
    square = state.create_job("kling-text2video", {"prompt": "a square", "aspect_ratio": "16:9"}, "std", 5)
    plain = state.create_job("kling-text2video", {"prompt": "a dog"}, "std", 5)
    assert (sunset.media_duration, sunset.media_aspect) == (10, "16:9")
    assert (square.media_duration, square.media_aspect) == (5, "9:16")
    assert (plain.media_duration, plain.media_aspect) == (5, "16:9")
    state.script("wrong_duration")
    scripted = state.create_job("kling-text2video", {"prompt": "a cat", "duration": 10}, "std", 10)
    assert scripted.media_duration == 5
    assert template("16:9", 10) != template("16:9", 5)
    with pytest.raises(ValueError, match="unknown media fault"):
        SimConfig(media_faults={"x": "wrong_colour"})


# --------------------------------------------------------------------------- a whole run


def test_a_run_marks_exactly_the_wrong_videos_and_keeps_them(tmp_path, sim, monkeypatch, capsys):
    out, code = run_with_failures(tmp_path, sim, monkeypatch)
    assert code == 1  # three jobs failed on the server
    summary = [line for line in capsys.readouterr().out.splitlines() if "videos kept with warnings" in line]
    ledger = [json.loads(line) for line in (out / "ledger.jsonl").read_text().splitlines()]
    completed = {r["job_id"]: r for r in ledger if r["event"] == "completed"}
    prompts = {r["job_id"]: r["params"]["prompt"] for r in ledger if r["event"] == "submitting"}
    want_duration = {j for j in completed if "sunset" in prompts[j]}
    want_aspect = {j for j in completed if "square" in prompts[j]}
    assert want_duration and want_aspect
    kinds = {j: [w["kind"] for w in r.get("warnings", [])] for j, r in completed.items()}
    assert {j for j, k in kinds.items() if "duration_mismatch" in k} == want_duration
    assert {j for j, k in kinds.items() if "aspect_mismatch" in k} == want_aspect
    # the run's summary says so too, counted from the ledger as it ends
    assert len(summary) == 1
    assert (
        f"{len(want_duration)} duration_mismatch" in summary[0] and f"{len(want_aspect)} aspect_mismatch" in summary[0]
    )
    for job_id in want_duration | want_aspect:  # kept: on disk, completed, with its probed facts
        assert (out / completed[job_id]["file"]).is_file()
        assert completed[job_id]["media"]["codec"] == "h264"
    sidecar = json.loads((out / "videos" / f"{sorted(want_duration)[0]}.json").read_text())
    assert sidecar["media"]["duration_s"] == 10.0 and sidecar["warnings"][0]["kind"] == "duration_mismatch"
    status = json.loads(_capture(run_cli, "status", str(out), "--json"))
    assert status["warnings"] == {"duration_mismatch": len(want_duration), "aspect_mismatch": len(want_aspect)}
    csv_header = (out / "results.csv").read_text().splitlines()[0].split(",")
    assert csv_header[-10:-2] == [
        "media_duration_s", "media_width", "media_height", "media_fps", "media_codec", "media_frames",
        "warnings", "warning_detail",
    ]  # fmt: skip


def test_index_parquet_reads_back_with_one_typed_row_per_job(tmp_path, sim, monkeypatch):
    out, _ = run_with_failures(tmp_path, sim, monkeypatch)
    table = pq.read_table(out / "index.parquet")
    assert table.num_rows == 24
    assert sorted(table.column("job_id").to_pylist()) == [f"clip-{i:02d}" for i in range(24)]
    schema = table.schema
    assert schema.field("bytes").type == pa.int64()
    assert schema.field("cost_usd").type == pa.float64()
    assert schema.field("duration").type == pa.int32()
    assert set(table.column("duration").to_pylist()) == {5}  # left out: the model's default
    assert schema.field("media_width").type == pa.int32()
    assert schema.field("media_duration_s").type == pa.float64()
    assert schema.field("downloaded_at").type == pa.timestamp("ms", tz="UTC")
    rows = {r["job_id"]: r for r in table.to_pylist()}
    states = [r["state"] for r in rows.values()]
    assert states.count("completed") == 21 and states.count("failed") == 3
    for row in rows.values():
        assert row["prompt"].startswith("scene ")
        if row["state"] == "completed":
            assert row["sha256"] and row["bytes"] > 0 and row["cost_usd"] > 0
            assert row["media_codec"] == "h264" and row["media_frames"] > 0
            assert row["queued_at"] <= row["detected_at"] <= row["downloaded_at"]
            if row["processing_at"] is not None:  # known when the server's result gave its queue time
                assert row["queued_at"] <= row["processing_at"] <= row["detected_at"]
        else:
            assert row["error"] and row["file"] is None
    # the first jobs a sweep finds are settled by their results (to compare links), with queue times
    assert any(r["processing_at"] is not None for r in rows.values() if r["state"] == "completed")


def test_report_shows_every_video_failure_and_chart_and_no_network_url(tmp_path, sim, monkeypatch):
    out, _ = run_with_failures(tmp_path, sim, monkeypatch)
    html = (out / "report.html").read_text()
    ledger = [json.loads(line) for line in (out / "ledger.jsonl").read_text().splitlines()]
    done = {r["job_id"] for r in ledger if r["event"] == "completed"}
    reasons = {r["error"]["detail"] for r in ledger if r["event"] == "failed"}
    thumbs = re.findall(r'<img class="thumb" loading="lazy" src="(thumbs/[^"]+)"', html)
    assert len(thumbs) == len(done) == 21
    assert all((out / t).is_file() for t in thumbs)
    for job_id in done:
        assert f'href="videos/{job_id}.mp4"' in html
    assert len(reasons) == 2 and all(reason in html for reason in reasons)
    assert "duration_mismatch" in html and "aspect_mismatch" in html
    assert html.count("<svg") == 3 and "Exit code 1" in html
    assert_offline(html)
    assert read_pace(out) and (out / PACE_FILE).is_file()


def test_report_command_remakes_the_report_and_skips_existing_thumbnails(tmp_path, sim, monkeypatch):
    out, _ = run_with_failures(tmp_path, sim, monkeypatch, count=6)
    (out / "report.html").unlink()
    (out / "index.parquet").unlink()
    thumbs = sorted((out / "thumbs").iterdir())
    kept = thumbs[0].stat().st_mtime_ns
    thumbs[1].unlink()
    assert run_cli("report", str(out)) == 0
    assert (out / "report.html").is_file() and pq.read_table(out / "index.parquet").num_rows == 6
    assert thumbs[0].stat().st_mtime_ns == kept and thumbs[1].is_file()
    assert "Exit code 1" in (out / "report.html").read_text()  # the run's verdict is kept
    assert run_cli("report", str(tmp_path / "nowhere")) == 2


def test_contact_sheet_is_paged(tmp_path, sim, monkeypatch):
    out, _ = run_with_failures(tmp_path, sim, monkeypatch, count=9)
    page = publish(out, ReportSettings(page_size=2))
    html = page.read_text()
    pages = sorted((out / "report-pages").glob("page-*.html"))
    assert html.count('class="thumb"') == 2 and len(pages) >= 2
    shown = len(list((out / "videos").glob("*.mp4")))
    assert f"<h2>Videos (1–2 of {shown})</h2>" in html and f"<h2>Videos (3–4 of {shown})</h2>" in pages[0].read_text()
    assert all("../videos/" in p.read_text() and "../thumbs/" in p.read_text() for p in pages)
    publish(out, ReportSettings(page_size=500))
    assert not list((out / "report-pages").glob("page-*.html"))
    videos = len(list((out / "videos").glob("*.mp4")))
    assert videos % 4  # the last page is partly filled: every video is on one page all the same
    sheets = [publish(out, ReportSettings(page_size=4)), *(out / "report-pages").glob("page-*.html")]
    assert sum(sheet.read_text().count('class="thumb"') for sheet in sheets) == videos


def test_the_index_is_written_under_another_name_then_renamed_over_the_last_one(tmp_path, sim, monkeypatch):
    """A reader that opened the last index (a notebook, a DuckDB view) keeps a whole file: the new one is a new
    file renamed into place, never the old one rewritten in place."""
    out, _ = run_with_failures(tmp_path, sim, monkeypatch, count=3)
    held = tmp_path / "held.parquet"
    os.link(out / "index.parquet", held)
    assert run_cli("report", str(out)) == 0
    assert (out / "index.parquet").stat().st_ino != held.stat().st_ino
    assert pq.read_table(held).num_rows == 3


def _capture(fn, *args) -> str:
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert fn(*args) == 0
    return buf.getvalue()


def test_report_disabled_writes_no_report_and_no_pace(tmp_path, sim, monkeypatch):
    server = sim()
    manifest = write(tmp_path / "batch.yaml", batch_yaml(3))
    config = write(tmp_path / "config.yaml", "report:\n  enabled: false\n")
    out = tmp_path / "out"
    assert run_batch(manifest, out, server, "--config", str(config), monkeypatch=monkeypatch) == 0
    assert (out / "results.csv").is_file()
    assert not (out / "report.html").exists() and not (out / PACE_FILE).exists()
    assert not (out / "index.parquet").exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--media-fault", "wrong_duration"], "use KIND=TEXT"),
        (["--media-fault", "wrong_colour=sunset"], "unknown media fault kinds"),
    ],
)
def test_simulate_rejects_bad_media_faults(argv, message, capsys):
    assert run_cli("simulate", *argv) == 2
    assert message in capsys.readouterr().err


def test_report_of_a_torn_ledger_reads_what_is_whole(tmp_path, sim, monkeypatch):
    out, _ = run_with_failures(tmp_path, sim, monkeypatch, count=4)
    with open(out / "ledger.jsonl", "ab") as fh:
        fh.write(b'{"v":1,"ts":"2026-11-21T12:00:00.000Z","job_id":"clip-00","ev')  # a crash mid-line
    assert run_cli("report", str(out)) == 0
    assert pq.read_table(out / "index.parquet").num_rows == 4


def test_report_writes_nothing_through_a_linked_folder(tmp_path, sim, monkeypatch):
    out, _ = run_with_failures(tmp_path, sim, monkeypatch, count=6)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for thumb in (out / "thumbs").iterdir():
        thumb.unlink()
    (out / "thumbs").rmdir()
    (out / "thumbs").symlink_to(elsewhere)
    assert run_cli("report", str(out)) == 2
    assert not list(elsewhere.iterdir())


def test_a_refresh_runs_in_a_worker_process_and_says_the_run_is_going_on(tmp_path, sim, monkeypatch):
    import anyio

    from batchgen.report.exits import Verdict
    from batchgen.report.publish import publish_in_worker

    out, _ = run_with_failures(tmp_path, sim, monkeypatch, count=6)
    live = Verdict(None, running=True, refresh_s=300)

    async def refresh() -> Path:
        return await publish_in_worker(out, ReportSettings(), anyio.CapacityLimiter(1), verdict=live, specs={})

    page = anyio.run(refresh)
    html = page.read_text()
    assert "Run in progress" in html and '<meta http-equiv="refresh" content="300">' in html
    assert json.loads((out / "report.json").read_text())["running"] is True
    assert "Exit code" not in html


def test_request_rates_are_per_minute_of_run_time_with_429s_marked():
    from batchgen.report.charts import _rates
    from batchgen.report.pace import PacePoint

    def point(t, run, requests, throttled, scale=1.0):
        return PacePoint(t=t, run=run, requests=requests, throttled=throttled, rpm=50, scale=scale, spend=0.0)

    pace = [
        point(0, "a", 0, 0),
        point(60, "a", 40, 0),
        point(120, "a", 90, 2),
        point(121, "b", 0, 0, scale=500),  # a later run under --simulate: counters start again
        point(121.6, "b", 25, 0, scale=500),  # 0.6 s real = 5 minutes of run time
    ]
    times, rates, limits, marks = _rates(pace)
    assert times == [60, 120, 121.6]
    assert rates == pytest.approx([40, 50, 5])
    assert limits == [50, 50, 50]
    assert [(t, round(rate, 6), n) for t, rate, n in marks] == [(120.0, 50.0, 2)]


def test_timings_are_those_of_the_attempt_that_counts(tmp_path):
    from batchgen.report.timeline import load_rows

    def line(ts, event, state, **fields):
        return json.dumps({"v": 1, "ts": f"2026-11-21T12:{ts}.000Z", "job_id": "a", "event": event,
                           "state": state, **fields})  # fmt: skip

    ledger = tmp_path / "ledger.jsonl"
    ledger.write_text(
        "\n".join(
            [
                line("00:00", "submitting", "submitting", params={"prompt": "p", "duration": 10}),
                line("00:01", "submitted", "submitted", request_id="r1"),
                line("30:00", "expired", "expired", error={"http": 404, "detail": "gone"}),
                line("31:00", "submitting", "submitting", params={"prompt": "p", "duration": 10}),
                line("31:01", "submitted", "submitted", request_id="r2"),
                line("36:00", "result", "downloading", processing_at="2026-11-21T12:32:00.000Z", cost=0.56),
                line("36:05", "completed", "completed", file="videos/a.mp4", bytes=10, cost=0.56),
            ]
        )
        + "\n"
    )
    (row,) = load_rows(ledger, {"a": ("kling-text2video", {"prompt": "p", "duration": 10}), "b": ("m", {})})[:1]
    base = 1_795_262_400.0  # 2026-11-21T12:00:00Z
    assert (row.state, row.request_id, row.cost, row.error) == ("completed", "r2", 0.56, None)
    assert row.queued_at == base + 31 * 60 + 1 and row.processing_at == base + 32 * 60
    assert row.detected_at == base + 36 * 60 and row.downloaded_at == base + 36 * 60 + 5
    assert [r.state for r in load_rows(ledger, {"a": ("kling-text2video", {}), "b": ("m", {})})] == [
        "completed",
        "pending",
    ]


def test_a_job_made_anew_keeps_no_timing_of_its_earlier_attempt(tmp_path):
    """Made anew (--replace-changed) and now in flight again: its earlier video's finish and download are not
    this attempt's, and the index and the chart show none yet."""
    from batchgen.report.timeline import load_rows

    def line(ts, event, state, **fields):
        return json.dumps({"v": 1, "ts": f"2026-11-21T12:{ts}.000Z", "job_id": "a", "event": event,
                           "state": state, **fields})  # fmt: skip

    ledger = tmp_path / "ledger.jsonl"
    ledger.write_text(
        "\n".join(
            [
                line("00:00", "submitting", "submitting", params={"prompt": "p"}),
                line("00:01", "submitted", "submitted", request_id="r1"),
                line("05:00", "result", "downloading", processing_at="2026-11-21T12:01:00.000Z", cost=0.28),
                line("05:05", "completed", "completed", file="videos/a.mp4", bytes=10, cost=0.28),
                line("40:00", "replaced", "pending", paid_before=0.28),
                line("40:01", "submitting", "submitting", params={"prompt": "q"}),
                line("40:02", "submitted", "submitted", request_id="r2"),
            ]
        )
        + "\n"
    )
    (row,) = load_rows(ledger)
    assert (row.state, row.request_id, row.params) == ("submitted", "r2", {"prompt": "q"})
    assert row.queued_at == 1_795_262_400.0 + 40 * 60 + 2
    assert row.processing_at is None and row.detected_at is None and row.downloaded_at is None


def test_a_job_attached_by_a_later_run_is_timed_from_when_its_request_was_made_not_from_that_line(tmp_path):
    """A submit of unknown outcome found in the request history by the next run: its 'submitted' line is written
    then, and says when the request was made (``submitted_at``).  The job was queued from then on."""
    from batchgen.report.timeline import load_rows

    def line(ts, event, state, **fields):
        return json.dumps({"v": 1, "ts": f"2026-11-21T12:{ts}.000Z", "job_id": "a", "event": event,
                           "state": state, **fields})  # fmt: skip

    ledger = tmp_path / "ledger.jsonl"
    ledger.write_text(
        line("00:00", "submitting", "submitting", params={"prompt": "p"})
        + "\n"
        + line("00:09", "submit_unknown", "submitting", error={"detail": "no answer"})
        + "\n"
        + line("45:00", "submitted", "submitted", request_id="r1", submitted_at="2026-11-21T12:00:02.000Z")
        + "\n"
    )
    (row,) = load_rows(ledger)
    base = 1_795_262_400.0  # 2026-11-21T12:00:00Z
    assert row.submitting_at == base and row.queued_at == base + 2


def test_the_gantt_splits_a_job_s_time_on_the_server_only_where_the_server_said_when_it_began():
    from batchgen.report.charts import COLORS, SERVER, gantt_svg
    from batchgen.report.timeline import JobRow

    def row(job_id, processing_at):
        return JobRow(job_id, state="completed", queued_at=100.0, processing_at=processing_at, detected_at=130.0,
                      downloaded_at=131.0, updated_at=131.0)  # fmt: skip

    split = gantt_svg([row("a", 110.0)], 100.0, 140.0)
    assert COLORS["queued"] in split and COLORS["processing"] in split and COLORS["downloading"] in split
    assert SERVER not in split and COLORS[SERVER] not in split
    whole = gantt_svg([row("b", None)], 100.0, 140.0)  # found by the history: no queue time known
    assert SERVER in whole and COLORS[SERVER] in whole
    assert COLORS["queued"] not in whole and COLORS["processing"] not in whole


def test_the_pages_spend_is_every_charge_the_ledger_holds_as_status_says(tmp_path):
    """A video lost after its charge and made again was paid twice; a job failed (not charged) costs nothing.
    The report's spend cell says what ``batchgen status`` says, not only what the videos in place cost."""
    from batchgen.report.exits import Verdict
    from batchgen.report.html import PageData, _summary
    from batchgen.report.summary import folder_spend
    from batchgen.report.timeline import load_rows
    from batchgen.store.ledger import read_ledger

    def line(job_id: str, event: str, state: str, **fields: object) -> str:
        return json.dumps({"v": 1, "ts": "2026-12-04T10:00:00.000Z", "job_id": job_id, "event": event,
                           "state": state, "model": "kling-text2video", **fields}) + "\n"  # fmt: skip

    ledger = tmp_path / "ledger.jsonl"
    ledger.write_text(
        line("a", "submitted", "submitted", request_id="r1")
        + line("a", "result", "downloading", cost=0.28)
        + line("a", "completed", "completed", file="videos/a.mp4")
        + line("b", "submitted", "submitted", request_id="r2")
        + line("b", "result", "downloading", cost=0.28)
        + line("b", "expired", "expired", error={"detail": "gone"})
        + line("b", "submitting", "submitting", paid_before=0.28)
        + line("b", "submitted", "submitted", request_id="r3")
        + line("b", "result", "downloading", cost=0.28)
        + line("c", "failed", "failed", request_id="r4", error={"detail": "no"})
    )
    rows = load_rows(ledger)
    page = _summary(PageData(rows=rows, verdict=Verdict(0), generated_at="now", charts={}, thumbs={}))
    spend = re.search(r"<th>spend</th><td class=\"num\">\$([0-9.]+)</td>", page)
    assert spend is not None and float(spend.group(1)) == pytest.approx(0.84)
    assert folder_spend(read_ledger(ledger)) == pytest.approx(0.84)


def test_the_page_counts_videos_with_warnings_not_the_warnings():
    """A video both too short and of the wrong shape is one video kept with warnings, as the summary and
    ``status`` count it."""
    from batchgen.report.exits import Verdict
    from batchgen.report.html import PageData, _summary
    from batchgen.report.summary import count_media_warnings
    from batchgen.report.timeline import JobRow

    both = [{"kind": "duration_mismatch", "detail": "5 s"}, {"kind": "aspect_mismatch", "detail": "1:1"}]
    rows = [
        JobRow("a", state="completed", file="videos/a.mp4", warnings=both),
        JobRow("b", state="completed", file="videos/b.mp4", warnings=both[:1]),
        JobRow("c", state="completed", file="videos/c.mp4"),
    ]
    page = _summary(PageData(rows=rows, verdict=Verdict(0), generated_at="now", charts={}, thumbs={}))
    flagged = re.search(r"<th>videos with warnings</th><td class=\"num\">([0-9]+)</td>", page)
    assert flagged is not None and flagged.group(1) == "2"
    counted = count_media_warnings({r.job_id: {"state": "completed", "warnings": r.warnings} for r in rows})
    assert counted == {"duration_mismatch": 2, "aspect_mismatch": 1}


def _sections(html: str) -> dict[str, str]:
    """The page's sections by their titles (each <h2> to the next)."""
    return {
        re.sub(r"<[^>]+>", "", part.split("</h2>", 1)[0]): part.split("</h2>", 1)[1] for part in html.split("<h2>")[1:]
    }


def test_a_job_a_re_run_cannot_settle_and_one_held_back_for_its_image_are_told_apart_from_deferred_ones(tmp_path):
    """A submit only another command settles puts the page's 'left' title in the words that say so; a job held
    back because its input image changed is left for its own reason, not deferred by credits or the cap."""
    from batchgen.report.exits import Verdict
    from batchgen.report.html import DEFERRED_TITLE, LEFT_STUCK_TITLE, PageData, render_pages
    from batchgen.report.timeline import load_rows

    def line(job_id: str, event: str, state: str, **fields: object) -> str:
        return json.dumps({"v": 1, "ts": "2026-12-04T10:00:00.000Z", "job_id": job_id, "event": event,
                           "state": state, "model": "kling-text2video", **fields}) + "\n"  # fmt: skip

    ledger = tmp_path / "ledger.jsonl"
    ledger.write_text(
        line("stuck-1", "submitting", "submitting", params={"prompt": "p"})
        + line("stuck-1", "settle_later", "submitting", error={"detail": "add a row", "rerun": False})
        + line("held-1", "image_changed", "deferred", error={"detail": "image.png changed after it was checked"})
        + line("credit-1", "deferred", "deferred", error={"detail": "Insufficient credits"})
    )
    data = PageData(rows=load_rows(ledger), verdict=Verdict(3, "batchgen run m.yaml"), generated_at="now",
                    charts={}, thumbs={})  # fmt: skip
    sections = _sections(render_pages(data, title="t", page_size=10)[0])
    left = sections[LEFT_STUCK_TITLE]
    assert "stuck-1" in left and "held-1" in left and "image.png changed" in left and "credit-1" not in left
    deferred = sections[DEFERRED_TITLE]
    assert "credit-1" in deferred and "held-1" not in deferred


def test_the_banner_says_what_a_re_run_does_for_the_jobs_left_and_without_a_verdict_what_is_left(tmp_path):
    """Every job left is one no plain re-run settles: the banner does not say "re-run resumes".  A page made
    without the last run's verdict says jobs remain while any is not completed, failed ones too."""
    from batchgen.report.exits import Verdict
    from batchgen.report.html import PageData, _banner
    from batchgen.report.timeline import JobRow

    stuck = JobRow("stuck-1", state="submitting", error="add a row", rerun=False)
    done = JobRow("done-1", state="completed", file="videos/done-1.mp4")
    data = PageData(rows=[done, stuck], verdict=Verdict(6, None), generated_at="now", charts={}, thumbs={})
    banner = _banner(data)
    assert "re-run resumes" not in banner and "a plain re-run settles none of the 1 left" in banner
    failed = JobRow("failed-1", state="failed", error="content policy")
    data = PageData(rows=[done, failed], verdict=Verdict(None), generated_at="now", charts={}, thumbs={})
    assert "Not finished: jobs remain to be done." in _banner(data)


def test_jobs_left_unfinished_for_a_reason_are_listed_apart_from_failures_as_the_summary_lists_them(tmp_path):
    """Only failed and expired jobs are failures on the page; a download that failed for now, a submit the
    history could not settle and a submit postponed are left for a later run, under their own title, with
    what the next run does of the submit of unknown outcome (in the summary's words)."""
    from batchgen.report.exits import Verdict
    from batchgen.report.html import LEFT_LIVE_TITLE, LEFT_TITLE, PageData, render_pages
    from batchgen.report.summary import unknown_outcome
    from batchgen.report.timeline import load_rows

    def line(job_id: str, event: str, state: str, **fields: object) -> str:
        return json.dumps({"v": 1, "ts": "2026-12-04T10:00:00.000Z", "job_id": job_id, "event": event,
                           "state": state, "model": "kling-text2video", **fields}) + "\n"  # fmt: skip

    unread = "the request history could not be read (HTTP 500); the submit's outcome is unknown"
    ledger = tmp_path / "ledger.jsonl"
    ledger.write_text(
        line("failed-1", "failed", "failed", request_id="r1", error={"http": 422, "detail": "content policy"})
        + line("lost-1", "expired", "expired", request_id="r2", error={"detail": "gone"})
        + line("unknown-1", "submitting", "submitting", params={"prompt": "p"})
        + line("unknown-1", "submit_unknown", "submitting", error={"http": 503, "detail": "Service Unavailable"})
        + line("unknown-1", "reconcile_failed", "submitting", error={"detail": unread})
        + line("fetch-1", "download_failed", "downloading", request_id="r3", error={"detail": "connection reset"})
        + line("later-1", "submit_postponed", "pending", error={"detail": "submission stopped"})
        + line("flying-1", "submitted", "submitted", request_id="r4")
    )
    rows = load_rows(ledger)
    data = PageData(rows=rows, verdict=Verdict(6, "batchgen run m.yaml"), generated_at="now", charts={}, thumbs={})
    sections = _sections(render_pages(data, title="t", page_size=10)[0])
    failures = sections["Failures by reason"]
    assert "failed-1" in failures and "lost-1" in failures
    assert not any(job_id in failures for job_id in ("unknown-1", "fetch-1", "later-1", "flying-1"))
    left = sections[LEFT_TITLE]
    assert all(job_id in left for job_id in ("unknown-1", "fetch-1", "later-1")) and "flying-1" not in left
    assert "the request history could not be read" in left and "connection reset" in left
    assert f"<p>{escape(unknown_outcome(1, 1))}.</p>" in left  # the next run looks it up first
    assert "the next run looks it up in the request history first" in unknown_outcome(1, 1)
    # While the run lasts, the same jobs may be settled by it: not said to be left for a later run.
    live = PageData(rows=rows, verdict=Verdict(None, running=True, refresh_s=30), generated_at="now", charts={},
                    thumbs={})  # fmt: skip
    sections = _sections(render_pages(live, title="t", page_size=10)[0])
    assert LEFT_TITLE not in sections and "unknown-1" in sections[LEFT_LIVE_TITLE]
    assert "the next run" not in sections[LEFT_LIVE_TITLE]
    assert "unknown-1" not in sections["Failures by reason"]


def test_a_run_stopped_before_it_sent_every_row_counts_in_the_ledger_only_the_ledgers_jobs(tmp_path):
    """A run interrupted (or stopped by the key, the disk) before it sent every row writes its page with the
    manifest's rows: those never sent have no ledger line.  The page said "jobs in the ledger 40" of a ledger of
    12 jobs, and 'batchgen report' on the same folder then said 12."""

    def line(ts, event, state, **fields):
        return json.dumps({"v": 1, "ts": f"2026-11-21T12:{ts}.000Z", "job_id": "a", "event": event,
                           "state": state, **fields})  # fmt: skip

    write(tmp_path / "ledger.jsonl", "\n".join([
        line("00:00", "submitting", "submitting", params={"prompt": "p"}),
        line("00:01", "submitted", "submitted", request_id="r1"),
        line("05:00", "result", "downloading", processing_at="2026-11-21T12:01:00.000Z", cost=0.28),
    ]) + "\n")  # fmt: skip
    specs = {name: ("kling-text2video", {"prompt": name}) for name in "abc"}
    page = publish(tmp_path, ReportSettings(), specs=specs).read_text()
    assert '<tr><th>jobs in the ledger</th><td class="num">1</td></tr>' in page
    assert '<tr><th>downloading</th><td class="num">1</td></tr>' in page and "<th>pending</th>" not in page
    assert '<th>never submitted (of the run&#x27;s manifest; not in the ledger)</th><td class="num">2</td>' in page
    page = publish(tmp_path, ReportSettings()).read_text()  # 'batchgen report': the ledger alone, as it says
    assert '<tr><th>jobs in the ledger</th><td class="num">1</td></tr>' in page and "<th>never submitted" not in page


def test_a_ledger_naming_a_video_outside_videos_gets_no_poster_frame_of_it(tmp_path):
    """A ledger line (edited by hand, or another tool's) that names a file outside ``videos/`` as a job's video:
    the report neither reads that file to make a poster frame nor shows one, whatever it holds."""
    (tmp_path / "videos").mkdir()
    (tmp_path / "elsewhere.mp4").write_bytes(encode(64, 36, 1))  # a real video, beside videos/
    (tmp_path / "videos" / "b.mp4").write_bytes(encode(64, 36, 1))

    def line(job_id, ts, event, state, **fields):
        return json.dumps({"v": 1, "ts": f"2026-11-21T12:{ts}.000Z", "job_id": job_id, "event": event,
                           "state": state, **fields})  # fmt: skip

    write(tmp_path / "ledger.jsonl", "\n".join([
        line(j, "00:00", "submitting", "submitting", model="kling-text2video", params={"prompt": "p"}) for j in "ab"
    ] + [
        line("a", "05:00", "completed", "completed", file="elsewhere.mp4", bytes=1, sha256="00" * 32),
        line("b", "05:00", "completed", "completed", file="videos/b.mp4", bytes=1, sha256="00" * 32),
    ]) + "\n")  # fmt: skip
    html = publish(tmp_path, ReportSettings()).read_text()
    thumbs = re.findall(r'<img class="thumb" loading="lazy" src="(thumbs/[^"]+)"', html)
    assert len(thumbs) == 1 and "elsewhere" not in thumbs[0], thumbs
    assert [p.name for p in (tmp_path / "thumbs").iterdir()] == [Path(thumbs[0]).name]


def test_a_report_of_exactly_two_pages_writes_its_second_and_a_later_report_keeps_the_runs_verdict(tmp_path):
    """Three videos at two a page: the second page is written (its folder made for it), and report.json keeps
    the run's exit code and resume command, which a report made later on demand tells again."""
    (tmp_path / "videos").mkdir()
    media = SIM_MEDIA / "16x9_5s.mp4"
    lines = []
    for job in "abc":
        shutil.copyfile(media, tmp_path / "videos" / f"{job}.mp4")
        lines.append(json.dumps({"v": 1, "ts": "2026-12-01T10:00:00.000Z", "job_id": job, "event": "completed",
                                 "state": "completed", "file": f"videos/{job}.mp4"}))  # fmt: skip
    lines.append(json.dumps({"v": 1, "ts": "2026-12-01T10:00:00.000Z", "job_id": "d", "event": "deferred",
                             "state": "deferred"}))  # fmt: skip
    write(tmp_path / "ledger.jsonl", "\n".join(lines) + "\n")
    publish(tmp_path, ReportSettings(page_size=2), verdict=Verdict(3, "batchgen run m.yaml"))
    assert [p.name for p in (tmp_path / "report-pages").glob("page-*.html")] == ["page-2.html"]
    assert 'href="../videos/c.mp4"' in (tmp_path / "report-pages" / "page-2.html").read_text()
    kept = verdict_from([], tmp_path)
    assert (kept.code, kept.resume_command) == (3, "batchgen run m.yaml")
    assert "batchgen run m.yaml" in publish(tmp_path, ReportSettings(page_size=2)).read_text()
