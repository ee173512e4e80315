"""The Downloader's outcomes, one by one, against a scripted API on a fake clock and a real folder."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

from batchgen.api.answers import HistoryRow
from batchgen.clock import iso_utc
from batchgen.engine.messages import Lost
from batchgen.errors import DownloadError, StorageError
from batchgen.jobs import Event, JobState, StopReason, TrackedJob
from batchgen.simulator.media import template
from batchgen.store.local import OutputDir
from tests.engine.doubles import MODEL, Kit, ScriptedApi, finished, kit, pending, run_downloader
from tests.helpers import Outbox

VIDEO = template("16:9", 5)  # a sound MP4 of what the job asks for
LINK = "http://127.0.0.1:9/generations/j.mp4"
FRESH = "http://127.0.0.1:9/generations/j-fresh.mp4"


def downloading(k: Kit, job: TrackedJob, *, size: int | None = None) -> None:
    """The job as the poller hands it over: finished, with its output link."""
    job.request_id, job.output_url, job.file_size, job.cost = "r1", LINK, size, 0.28
    k.book.adopt(job, JobState.DOWNLOADING, in_flight=True)


async def download(api: ScriptedApi, tmp_path: Path, *, size: int | None = None,
                   out: Any = None) -> tuple[Kit, TrackedJob, Outbox, OutputDir]:  # fmt: skip
    job = pending()
    k = kit(api, [job])
    downloading(k, job, size=size)
    lost, folder = await run_downloader(k, job, tmp_path, out=out)
    return k, job, lost, folder


async def test_a_sound_video_is_saved_verified_and_only_then_recorded_completed(tmp_path):
    k, job, lost, folder = await download(ScriptedApi(downloads=[VIDEO]), tmp_path)
    video = folder.video_path("j", job.spec.model)
    assert video.read_bytes() == VIDEO and job.state is JobState.COMPLETED
    assert k.ledger.events() == ["completed"] and k.book.in_flight == 0
    sidecar = json.loads(folder.sidecar_path(video).read_text())
    assert sidecar["request_id"] == "r1" and sidecar["bytes"] == len(VIDEO) and sidecar["warnings"] == []
    assert lost.sent == [] and k.api.fetched == [LINK]


async def test_a_video_cut_short_is_retried_then_left_downloading_for_a_later_run(tmp_path):
    api = ScriptedApi(downloads=[VIDEO[:-50]] * 6, results=[finished(LINK)])
    k, job, lost, folder = await download(api, tmp_path)
    assert k.ledger.events() == ["download_failed"] and job.state is JobState.DOWNLOADING
    assert "not a valid MP4" in (job.error or "") and k.book.in_flight == 0  # its slot is free; it is not lost
    assert len(api.fetched) == 6  # 3 attempts of the link, then 3 of the same link the result gave again
    assert not folder.video_path("j", job.spec.model).exists() and lost.sent == []


IMAGE = bytes.fromhex("ffd8ffe000104a46494600010100000100010000") + bytes(64) + bytes.fromhex("ffd9")  # image/jpeg
PAGE = b"<html>not a video</html>"  # text/html: a page, perhaps for a while


async def test_a_link_that_gives_an_image_is_not_fetched_again_and_the_job_waits_for_a_later_run(tmp_path):
    api = ScriptedApi(downloads=[IMAGE], results=[finished(LINK)])  # its record lives, and gives that link again
    k, job, lost, _ = await download(api, tmp_path)
    assert k.ledger.events() == ["download_failed"] and job.state is JobState.DOWNLOADING
    assert "gives an image (image/jpeg), not its video" in (job.error or "") and api.fetched == [LINK]
    assert lost.sent == []


async def test_a_page_at_the_link_is_fetched_again_as_a_video_cut_short_is(tmp_path):
    api = ScriptedApi(downloads=[PAGE, VIDEO], results=[finished(LINK)])
    _, job, lost, _ = await download(api, tmp_path)
    assert job.state is JobState.COMPLETED and api.fetched == [LINK, LINK] and lost.sent == []


async def test_a_gone_record_whose_history_links_an_image_is_lost_not_left_to_fail_in_every_run(tmp_path):
    row = HistoryRow("r1", MODEL, "COMPLETED", {}, LINK, 0.28, None, None)  # (a preview)
    api = ScriptedApi(downloads=[IMAGE], history=[row])  # no result: its record is gone
    k, job, lost, _ = await download(api, tmp_path)
    assert k.ledger.lines == [] and api.fetched == [LINK]  # the submitter records it, made again or lost
    [message] = lost.sent
    assert isinstance(message, Lost) and message.job is job and message.event is Event.LOST
    assert "gives an image" in message.detail and "no other link" in message.detail
    assert "--resubmit-lost" in message.detail


async def test_a_size_mismatch_is_fetched_again(tmp_path):
    api = ScriptedApi(downloads=[VIDEO[:-10], VIDEO])
    _, job, _, folder = await download(api, tmp_path, size=len(VIDEO))
    assert job.state is JobState.COMPLETED and api.fetched == [LINK, LINK]
    assert folder.video_path("j", job.spec.model).read_bytes() == VIDEO


async def test_an_expired_link_is_replaced_by_a_fresh_one_from_the_result(tmp_path):
    gone = DownloadError("HTTP 403 from the output URL (expired)", retryable=False, gone=True)
    api = ScriptedApi(downloads=[gone, VIDEO], results=[finished(FRESH, size=len(VIDEO))])
    k, job, _, _ = await download(api, tmp_path)
    assert job.state is JobState.COMPLETED and api.fetched == [LINK, FRESH]
    assert k.ledger.lines[-1][3]["output_url"] == FRESH  # the link that gave the video is the one recorded


async def test_a_video_gone_everywhere_is_sent_to_the_submitter_as_lost(tmp_path):
    gone = DownloadError("HTTP 404 from the output URL", retryable=False, gone=True)
    api = ScriptedApi(downloads=[gone])  # and neither the result nor the history has another link
    k, job, lost, _ = await download(api, tmp_path)
    assert k.ledger.lines == [] and job.state is JobState.DOWNLOADING  # the submitter decides, in its own task
    [message] = lost.sent
    assert isinstance(message, Lost) and message.job is job and message.event is Event.LOST
    assert "--resubmit-lost" in message.detail and message.http is None


async def test_a_disk_error_stops_the_run_and_records_nothing(tmp_path):
    class FullDisk(OutputDir):
        async def save_stream(self, *args: Any, **kwargs: Any) -> Any:
            raise StorageError("the disk holding out is full while saving job j; free some space")

    full = FullDisk(tmp_path / "out")
    k, job, lost, _ = await download(ScriptedApi(downloads=[VIDEO]), tmp_path, out=full)
    assert k.report.stop_reason is StopReason.FATAL and k.control.done.is_set()
    assert "disk" in str(k.report.fatal) and k.ledger.lines == [] and job.state is JobState.DOWNLOADING
    assert lost.sent == []


async def _gone_with_a_video_in_place(tmp_path: Path, *, placed_ago: float, data: bytes = VIDEO):
    """A run killed after the video was renamed into videos/ and before 'completed' was written leaves its job
    downloading; the next run finds its link gone (output files last 7 days) and no other link."""
    videos = tmp_path / "out" / "videos"
    videos.mkdir(parents=True)
    (videos / "j.mp4").write_bytes(data)
    submitted = time.time() - 120
    os.utime(videos / "j.mp4", (submitted + placed_ago, submitted + placed_ago))
    job = pending()
    k = kit(ScriptedApi(downloads=[DownloadError("HTTP 404 from the output URL", retryable=False, gone=True)]), [job])
    downloading(k, job, size=len(VIDEO))
    job.submitted_wall = iso_utc(submitted)
    lost, _ = await run_downloader(k, job, tmp_path)
    return k, job, lost


async def test_a_video_an_earlier_run_put_in_place_is_kept_when_its_link_is_gone(tmp_path):
    # It is a sound MP4 of the API's size, put there after the request was sent: the paid video, kept and
    # recorded completed, where it was sent back as lost (and --resubmit-lost advised: paid again).
    k, job, lost = await _gone_with_a_video_in_place(tmp_path, placed_ago=60)
    assert job.state is JobState.COMPLETED and k.ledger.events() == ["completed"] and lost.sent == []
    assert k.ledger.lines[-1][3]["sha256"] == hashlib.sha256(VIDEO).hexdigest()
    assert k.ledger.lines[-1][3]["bytes"] == len(VIDEO)


async def test_a_video_in_place_from_before_the_request_or_of_another_size_is_not_taken_for_it(tmp_path):
    for case, (placed_ago, data) in enumerate([(-60, VIDEO), (60, VIDEO[:-10]), (60, b"x" * len(VIDEO))]):
        k, job, lost = await _gone_with_a_video_in_place(tmp_path / str(case), placed_ago=placed_ago, data=data)
        assert job.state is JobState.DOWNLOADING and k.ledger.lines == [], case
        [message] = lost.sent
        assert message.event is Event.LOST and "--resubmit-lost" in message.detail
