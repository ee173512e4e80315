"""Review of e95564d (a link that gives no video at all is not fetched again; a gone record's history link that
gives none makes the job lost): paid videos that can still be had are never called lost (which
``--resubmit-lost`` pays for again), and a preview linked anew is."""

from __future__ import annotations

import os
import time

from batchgen.api.answers import HistoryRow
from batchgen.clock import iso_utc
from batchgen.jobs import JobState
from tests.engine.doubles import MODEL, ScriptedApi, kit, pending, run_downloader
from tests.engine.test_downloader import LINK, VIDEO, downloading

PREVIEW = bytes.fromhex("ffd8ffe000104a46494600010100000100010000") + bytes(256) + bytes.fromhex("ffd9")
CDN_PAGE = b"<!DOCTYPE html><html><body>Please retry in a moment</body></html>"  # served with 200


async def test_a_video_an_earlier_run_put_in_place_is_kept_when_its_link_now_gives_a_preview(tmp_path):
    # Run 1 took the history's preview link (a sweep), then the result's link gave the video, renamed into
    # videos/, and the run was stopped before 'completed' was written.  Run 2 resumes it with the recorded link
    # (the preview); its record is gone and the history gives that preview again.
    videos = tmp_path / "out" / "videos"
    videos.mkdir(parents=True)
    (videos / "j.mp4").write_bytes(VIDEO)
    submitted = time.time() - 120
    os.utime(videos / "j.mp4", (submitted + 60, submitted + 60))
    row = HistoryRow("r1", MODEL, "COMPLETED", {}, LINK, 0.28, None, None)
    job = pending()
    k = kit(ScriptedApi(downloads=[PREVIEW], history=[row]), [job])  # no result: the record is gone
    downloading(k, job, size=len(VIDEO))
    job.submitted_wall = iso_utc(submitted)
    lost, _ = await run_downloader(k, job, tmp_path)
    assert lost.sent == [], [m.detail for m in lost.sent]
    assert job.state is JobState.COMPLETED and k.ledger.events() == ["completed"]


async def test_a_cdn_page_served_once_at_the_video_link_does_not_make_a_gone_records_job_lost(tmp_path):
    row = HistoryRow("r1", MODEL, "COMPLETED", {}, LINK, 0.28, None, None)  # the history links the video itself
    api = ScriptedApi(downloads=[CDN_PAGE, VIDEO, VIDEO, VIDEO], history=[row])  # no result: the record is gone
    job = pending()
    k = kit(api, [job])
    downloading(k, job)
    lost, _ = await run_downloader(k, job, tmp_path)
    # the same link gives the video a moment later: the job is not lost (completed, or left for a later run)
    assert lost.sent == [], [m.detail for m in lost.sent]
    assert job.state in (JobState.COMPLETED, JobState.DOWNLOADING)


PREVIEW_LINK = "http://127.0.0.1:9/previews/j.jpg"


class ByUrl(ScriptedApi):
    """Each link gives what it holds, every time it is fetched (LINK the video, PREVIEW_LINK its preview)."""

    def __init__(self, served: dict[str, list[bytes]], **kwargs):
        super().__init__(**kwargs)
        self.served = served

    def download(self, url: str, *, max_bytes: int, timeout_s: float = 900.0):
        queue = self.served[url]
        self.downloads = [queue.pop(0) if len(queue) > 1 else queue[0]]
        return super().download(url, max_bytes=max_bytes, timeout_s=timeout_s)


async def test_a_job_whose_video_link_gave_a_page_once_is_not_lost_next_run_for_the_previews_link(tmp_path):
    row = HistoryRow("r1", MODEL, "COMPLETED", {}, PREVIEW_LINK, 0.28, None, None)  # the history links a preview
    served = {LINK: [CDN_PAGE] * 3 + [VIDEO], PREVIEW_LINK: [PREVIEW]}  # a page for a while, then the video
    # run 1: its record went while it waited to be fetched
    first = pending()
    k1 = kit(ByUrl(served, history=[row]), [first])
    downloading(k1, first)
    lost1, _ = await run_downloader(k1, first, tmp_path / "run1")
    assert lost1.sent == [] and first.state is JobState.DOWNLOADING
    recorded = k1.ledger.lines[-1][3]["output_url"]
    assert recorded == LINK  # the job's own link, not the preview's the history gave meanwhile
    # run 2 resumes it with the link the ledger recorded
    again = pending()
    k2 = kit(ByUrl(served, history=[row]), [again])
    downloading(k2, again)
    again.output_url = recorded
    lost2, _ = await run_downloader(k2, again, tmp_path / "run2")
    assert lost2.sent == [] and again.state is JobState.COMPLETED, (recorded, [m.detail for m in lost2.sent])


class SignedPreviews(ScriptedApi):
    """A history whose row links the preview by a signed URL, signed anew at each ask (as CDNs sign links)."""

    asks = 0

    async def history_get(self, request_id: str) -> HistoryRow:
        self.asks += 1
        return HistoryRow(request_id, MODEL, "COMPLETED", {}, f"{PREVIEW_LINK}?sig={self.asks}", 0.28, None, None)


async def test_a_gone_records_preview_linked_by_a_link_signed_anew_is_lost_not_left_downloading(tmp_path):
    api = SignedPreviews(downloads=[PREVIEW] * 4)  # no result: the record is gone; every link gives the preview
    job = pending()
    k = kit(api, [job])
    downloading(k, job)
    job.output_url = f"{PREVIEW_LINK}?sig=0"  # as a sweep recorded it
    lost, _ = await run_downloader(k, job, tmp_path)
    assert len(api.fetched) == 1  # the recorded link: the one the history gives anew names the same file
    assert [m.event.value for m in lost.sent] == ["lost"], (job.state, k.ledger.events(), job.error)
