"""Audit of ``batchgen/engine/downloader.py``: a video found in place once its link is gone is kept as the job's
only when it is provably the paid one (the API's size, put there after the request was sent)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from batchgen.clock import iso_utc
from batchgen.errors import DownloadError
from batchgen.jobs import Event, JobState, TrackedJob
from batchgen.simulator.media import template
from tests.engine.doubles import Kit, ScriptedApi, kit, pending, run_downloader
from tests.helpers import Outbox

VIDEO = template("16:9", 5)  # the job's video, as the API sized it
OTHER = template("9:16", 5)  # a sound MP4 too, of another size: another video
LINK = "http://127.0.0.1:9/generations/j.mp4"


async def link_gone_with(tmp_path: Path, data: bytes, *, submitted: float | None) -> tuple[Kit, TrackedJob, Outbox]:
    """A downloading job whose link is gone and which no other link is found for, with ``data`` at its video's
    place, put there a minute after ``submitted`` (the ledger's submit time; None: the ledger gives none)."""
    videos = tmp_path / "out" / "videos"
    videos.mkdir(parents=True)
    placed = (submitted or time.time() - 120) + 60
    (videos / "j.mp4").write_bytes(data)
    os.utime(videos / "j.mp4", (placed, placed))
    job = pending()
    k = kit(ScriptedApi(downloads=[DownloadError("HTTP 404 from the output URL", retryable=False, gone=True)]), [job])
    job.request_id, job.output_url, job.file_size, job.cost = "r1", LINK, len(VIDEO), 0.28
    job.submitted_wall = None if submitted is None else iso_utc(submitted)
    k.book.adopt(job, JobState.DOWNLOADING, in_flight=True)
    lost, _ = await run_downloader(k, job, tmp_path)
    return k, job, lost


async def test_a_sound_video_of_another_size_than_the_api_gave_is_not_kept_as_the_jobs_once_its_link_is_gone(tmp_path):
    k, job, lost = await link_gone_with(tmp_path, OTHER, submitted=time.time() - 120)
    assert job.state is JobState.DOWNLOADING and k.ledger.lines == [] and k.report.kept_in_place == 0
    [message] = lost.sent
    assert message.event is Event.LOST and "--resubmit-lost" in message.detail


async def test_a_video_in_place_is_not_kept_for_a_job_whose_submit_time_the_ledger_does_not_give(tmp_path):
    k, job, lost = await link_gone_with(tmp_path, VIDEO, submitted=None)
    assert job.state is JobState.DOWNLOADING and k.ledger.lines == [] and k.report.kept_in_place == 0
    [message] = lost.sent
    assert message.event is Event.LOST and message.job is job
