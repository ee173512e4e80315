"""The download stage's promises at the unit level: a paid video is never declared lost while the API could not
be asked, a job resumed without a link gets one, a history row's link that fails is replaced by the result's own,
and a failed download keeps the link it tried for the next run (scripted API, fake clock, real folder)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from batchgen.api.answers import HistoryRow, Result
from batchgen.clock import iso_utc
from batchgen.engine.messages import Lost
from batchgen.errors import DownloadError, RequestRejected
from batchgen.jobs import JobState, TrackedJob
from batchgen.simulator.media import template
from batchgen.store.local import OutputDir
from tests.engine.doubles import MODEL, Kit, ScriptedApi, answer, finished, kit, pending, run_downloader
from tests.helpers import Outbox

VIDEO = template("16:9", 5)
LINK = "http://127.0.0.1:9/generations/j.mp4"
FRESH = "http://127.0.0.1:9/generations/j-fresh.mp4"
ROW_LINK = "http://127.0.0.1:9/history/j.mp4"


class ResultApi(ScriptedApi):
    """Results scripted one per call, without the last one repeating (an empty list answers 404)."""

    async def result(self, request_id: str) -> Result:
        if not self.results:
            return await super().result(request_id)
        return answer(self.results.pop(0))


async def download(
    api: ScriptedApi, tmp_path: Path, *, url: str | None = LINK, from_history: bool = False
) -> tuple[Kit, TrackedJob, Outbox, OutputDir]:
    job = pending()
    k = kit(api, [job])
    job.request_id, job.output_url, job.cost, job.url_from_history = "r1", url, 0.28, from_history
    k.book.adopt(job, JobState.DOWNLOADING, in_flight=True)
    lost, folder = await run_downloader(k, job, tmp_path)
    return k, job, lost, folder


def last(k: Kit) -> tuple[str, dict[str, Any]]:
    _, event, _, fields = k.ledger.lines[-1]
    return event, fields


async def test_a_resumed_job_without_a_link_takes_the_results_link_and_completes(tmp_path):
    api = ScriptedApi(downloads=[VIDEO], results=[finished(FRESH, size=len(VIDEO))])
    k, job, lost, folder = await download(api, tmp_path, url=None)
    assert api.fetched == [FRESH] and job.state is JobState.COMPLETED and lost.sent == []
    assert last(k)[1]["output_url"] == FRESH and folder.video_path("j", MODEL).read_bytes() == VIDEO


async def test_a_resumed_job_whose_link_cannot_be_looked_up_is_left_for_a_later_run_not_lost(tmp_path):
    api = ScriptedApi(results=[RequestRejected("HTTP 400: not now", status=400)])
    k, job, lost, _ = await download(api, tmp_path, url=None)
    assert lost.sent == [] and job.state is JobState.DOWNLOADING and api.fetched == []
    event, fields = last(k)
    assert event == "download_failed"
    assert fields["error"] == {"detail": "its output URL could not be looked up; run again later"}
    assert k.book.in_flight == 0


async def test_a_resumed_job_the_api_has_no_link_for_is_sent_on_as_lost_with_what_to_do(tmp_path):
    k, job, lost, _ = await download(ScriptedApi(), tmp_path, url=None)  # no result, no history row
    [message] = lost.sent
    assert isinstance(message, Lost) and message.job is job and k.ledger.lines == []
    assert message.detail == (
        "the video for job j cannot be recovered: no output URL could be recovered for it; run again with "
        "--resubmit-lost to make it again (a new request, paid for as any other; whatever the lost one was "
        "charged stays paid)"
    )


async def test_a_failed_download_keeps_the_link_it_tried_for_the_next_run(tmp_path):
    broken = DownloadError("HTTP 500 from the output URL", retryable=True)
    api = ScriptedApi(downloads=[broken] * 6, results=[finished(LINK)])
    k, job, lost, _ = await download(api, tmp_path)
    event, fields = last(k)
    assert event == "download_failed" and fields["output_url"] == LINK and job.output_url == LINK
    assert fields["error"] == {"detail": "HTTP 500 from the output URL"} and lost.sent == []


async def test_a_gone_link_whose_refresh_cannot_be_asked_is_never_declared_lost(tmp_path):
    gone = DownloadError("HTTP 404 from the output URL", retryable=False, gone=True)
    api = ScriptedApi(downloads=[gone], results=[RequestRejected("HTTP 400: not now", status=400)])
    k, job, lost, _ = await download(api, tmp_path)
    assert lost.sent == [] and job.state is JobState.DOWNLOADING
    assert last(k)[1]["error"] == {
        "detail": "HTTP 404 from the output URL, and no other link could be looked up; run again later"
    }


async def test_a_history_rows_link_that_fails_is_replaced_by_the_results_own_link(tmp_path):
    bad = DownloadError("HTTP 403 from the output URL", retryable=True)
    api = ScriptedApi(downloads=[bad, VIDEO], results=[finished(FRESH, size=len(VIDEO))])
    k, job, lost, _ = await download(api, tmp_path, url=ROW_LINK, from_history=True)
    assert api.fetched == [ROW_LINK, FRESH]  # the row's link once (not retried), then the result's
    assert job.state is JobState.COMPLETED and last(k)[1]["output_url"] == FRESH and lost.sent == []
    assert not k.reconciler.links.trusts(MODEL, ROW_LINK)  # a link naming another file is not trusted again


async def test_a_history_link_that_fails_while_the_result_says_unfinished_is_retried_and_distrusted(tmp_path):
    bad = DownloadError("HTTP 404 from the output URL", retryable=False)
    unfinished = finished(FRESH, state="PROCESSING")
    api = ResultApi(downloads=[bad, VIDEO], results=[unfinished, finished(FRESH, size=len(VIDEO))])
    k, job, _, _ = await download(api, tmp_path, url=ROW_LINK, from_history=True)
    assert api.fetched == [ROW_LINK, FRESH] and job.state is JobState.COMPLETED
    assert not k.reconciler.links.trusts(MODEL, FRESH)  # the history was early: its links end for the run


async def test_a_history_link_that_fails_and_a_result_that_failed_fall_back_to_the_ordinary_retries(tmp_path):
    bad = DownloadError("HTTP 500 from the output URL", retryable=True)
    api = ResultApi(downloads=[bad, VIDEO], results=[finished(LINK, state="FAILED")])
    _, job, _, _ = await download(api, tmp_path, url=ROW_LINK, from_history=True)
    assert api.fetched == [ROW_LINK, ROW_LINK] and job.state is JobState.COMPLETED


async def test_a_history_link_that_fails_with_no_result_to_ask_uses_the_history_row_again(tmp_path):
    gone = DownloadError("HTTP 404 from the output URL", retryable=False, gone=True)
    api = ResultApi(downloads=[gone, VIDEO])
    api.rows = [HistoryRow("r1", MODEL, "COMPLETED", {}, FRESH, 0.28, None, None)]
    _, job, lost, _ = await download(api, tmp_path, url=ROW_LINK, from_history=True)
    assert api.fetched == [ROW_LINK, FRESH] and job.state is JobState.COMPLETED and lost.sent == []


async def test_a_history_link_naming_the_results_file_is_trusted_for_later_jobs_of_its_model(tmp_path):
    flaky = DownloadError("HTTP 500 from the output URL", retryable=True)
    signed = ROW_LINK + "?sig=2"  # the same file, signed anew
    api = ResultApi(downloads=[flaky, VIDEO], results=[finished(signed, size=len(VIDEO))])
    k, job, _, _ = await download(api, tmp_path, url=ROW_LINK, from_history=True)
    assert api.fetched == [ROW_LINK, signed] and job.state is JobState.COMPLETED
    assert k.reconciler.links.trusts(MODEL, "http://127.0.0.1:9/history/other.mp4")


async def test_a_failed_result_with_a_link_is_not_a_link_to_fetch(tmp_path):
    bad = DownloadError("HTTP 500 from the output URL", retryable=True)
    failed = Result("FAILED", FRESH, None, None, None, {}, "policy", 200)
    api = ResultApi(downloads=[bad, VIDEO], results=[failed])
    _, job, _, _ = await download(api, tmp_path, url=ROW_LINK, from_history=True)
    assert api.fetched == [ROW_LINK, ROW_LINK] and job.state is JobState.COMPLETED


async def test_a_history_that_was_early_ends_history_links_for_the_run_and_says_so(tmp_path, caplog):
    import logging

    bad = DownloadError("HTTP 404 from the output URL", retryable=False)
    api = ResultApi(downloads=[bad, VIDEO], results=[finished(FRESH, state="PROCESSING"), finished(FRESH)])
    with caplog.at_level(logging.INFO, logger="batchgen"):
        k, _, _, _ = await download(api, tmp_path, url=ROW_LINK, from_history=True)
    assert k.reconciler.links.history_urls is False  # off for the run, not merely never compared
    assert (
        "the request history showed a job finished before its result did: fetching every result from the API for "
        "the rest of the run"
    ) in [r.getMessage() for r in caplog.records]


async def test_a_result_that_stays_unfinished_sends_the_download_to_a_fresh_link_not_the_failed_one(tmp_path):
    bad = DownloadError("HTTP 404 from the output URL", retryable=False)
    api = ScriptedApi(downloads=[bad, VIDEO], results=[finished(FRESH, state="PROCESSING")])  # repeats
    api.rows = [HistoryRow("r1", MODEL, "COMPLETED", {}, FRESH, 0.28, None, None)]
    _, job, lost, _ = await download(api, tmp_path, url=ROW_LINK, from_history=True)
    assert api.fetched == [ROW_LINK, FRESH] and job.state is JobState.COMPLETED and lost.sent == []


async def test_a_history_link_that_keeps_failing_after_a_failed_result_is_replaced_once_its_tries_run_out(tmp_path):
    bad = DownloadError("HTTP 500 from the output URL", retryable=True)
    failed = Result("FAILED", FRESH, None, None, None, {}, "policy", 200)
    api = ResultApi(downloads=[bad, bad, bad, VIDEO], results=[failed, finished(FRESH, size=len(VIDEO))])
    k, job, _, _ = await download(api, tmp_path, url=ROW_LINK, from_history=True)
    assert api.fetched == [ROW_LINK] * 3 + [FRESH]  # the row's link for its tries, then the result's
    assert job.state is JobState.COMPLETED and k.ledger.lines[-1][3]["output_url"] == FRESH


async def test_a_fresh_link_that_is_gone_too_ends_in_lost_without_asking_again(tmp_path):
    gone = DownloadError("HTTP 404 from the output URL", retryable=False, gone=True)
    api = ScriptedApi(downloads=[gone, gone], results=[finished(FRESH)])
    _, job, lost, _ = await download(api, tmp_path)
    assert api.fetched == [LINK, FRESH]  # one fresh link is looked for, once
    [message] = lost.sent
    assert message.job is job and "its output file is gone (HTTP 404 from the output URL)" in message.detail


async def test_a_completed_video_has_its_sidecar_and_completed_line_in_full(tmp_path):
    import json

    from batchgen.jobs import JobSpec

    api = ScriptedApi(downloads=[VIDEO])
    job = TrackedJob(JobSpec("j", MODEL, {"prompt": "a fox", "duration": 5}, source="m.yaml:3"), JobState.PENDING, 0.28)
    k = kit(api, [job])
    job.request_id, job.output_url, job.cost, job.file_size = "r1", LINK, 0.28, len(VIDEO)
    job.submitted_at, job.finished_at, job.submitted_wall = 10.0, 52.5, "2027-01-15T08:00:00Z"
    k.book.adopt(job, JobState.DOWNLOADING, in_flight=True)
    _, folder = await run_downloader(k, job, tmp_path)
    video = folder.video_path("j", MODEL)
    sidecar = json.loads(folder.sidecar_path(video).read_text())
    media, warnings = sidecar.pop("media"), sidecar.pop("warnings")
    digest = sidecar.pop("sha256")
    assert sidecar == {
        "job_id": "j",
        "model": MODEL,
        "parameters": {"prompt": "a fox", "duration": 5},
        "request_id": "r1",
        "bytes": len(VIDEO),
        "cost": 0.28,
        "output_url": LINK,
        "source": "m.yaml:3",
        "seconds_to_finish": 42.5,
        "submitted_at": "2027-01-15T08:00:00Z",
        "completed_at": iso_utc(k.clock.epoch()),
    }
    assert isinstance(media, dict) and warnings == []
    (_, event, state, fields) = k.ledger.lines[-1]
    assert (event, state) == ("completed", "completed") and k.report.job_seconds == [42.5]
    assert fields == {
        "model": MODEL,
        "request_id": "r1",
        "file": "videos/j.mp4",
        "sha256": digest,
        "mtime_ns": video.stat().st_mtime_ns,
        "bytes": len(VIDEO),
        "cost": 0.28,
        "output_url": LINK,
        "media": media,
        "warnings": None,
    }


async def test_the_size_a_refreshed_link_comes_with_is_held_against_its_download(tmp_path):
    """The first link is gone; the result gives another, of 100 bytes more than what it serves.  That
    download is not a verified video: the job is left for a later run, never recorded completed."""
    gone = DownloadError("HTTP 404 from the output URL", retryable=False, gone=True)
    api = ScriptedApi(downloads=[gone, VIDEO, VIDEO, VIDEO], results=[finished(FRESH, size=len(VIDEO) + 100)])
    k, job, lost, _ = await download(api, tmp_path)
    assert api.fetched[:2] == [LINK, FRESH]
    assert job.state is JobState.DOWNLOADING and "completed" not in k.ledger.events()
    assert "file_size" in last(k)[1]["error"]["detail"] and lost.sent == []


async def test_the_size_the_results_own_link_comes_with_is_held_against_its_download(tmp_path):
    """A history row's link fails; the result's own link comes with a size 100 bytes more than what it
    serves: not a verified video, so never recorded completed."""
    bad = DownloadError("HTTP 403 from the output URL", retryable=True)
    api = ScriptedApi(downloads=[bad, VIDEO, VIDEO, VIDEO, VIDEO], results=[finished(FRESH, size=len(VIDEO) + 100)])
    k, job, _, _ = await download(api, tmp_path, url=ROW_LINK, from_history=True)
    assert api.fetched[:2] == [ROW_LINK, FRESH]
    assert job.state is JobState.DOWNLOADING and "completed" not in k.ledger.events()


async def test_the_sidecar_and_completed_line_say_what_the_api_charged_not_the_estimate(tmp_path):
    import json

    api = ScriptedApi(downloads=[VIDEO])
    job = pending(estimate=0.28)
    k = kit(api, [job])
    job.request_id, job.output_url, job.cost = "r1", LINK, 0.42  # charged more than estimated
    k.book.adopt(job, JobState.DOWNLOADING, in_flight=True)
    _, folder = await run_downloader(k, job, tmp_path)
    sidecar = json.loads(folder.sidecar_path(folder.video_path("j", MODEL)).read_text())
    assert sidecar["cost"] == 0.42 and last(k)[1]["cost"] == 0.42
    assert k.book.committed == 0.42


class CountedResults(ResultApi):
    """Results scripted one per call (none: 404), each call counted."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.result_calls = 0

    async def result(self, request_id: str) -> Result:
        self.result_calls += 1
        return await super().result(request_id)


async def test_a_result_that_cannot_be_had_is_asked_once_then_the_history_link_is_retried(tmp_path):
    """A history row's link fails (a retryable 403); the job's result cannot be had (its record is
    gone): one result call, no backoff loop of them, then the row's link is tried again and gives it."""
    bad = DownloadError("HTTP 403 from the output URL", retryable=True)
    api = CountedResults(downloads=[bad, VIDEO])
    _, job, lost, _ = await download(api, tmp_path, url=ROW_LINK, from_history=True)
    assert api.fetched == [ROW_LINK, ROW_LINK] and job.state is JobState.COMPLETED and lost.sent == []
    assert api.result_calls == 1


async def test_a_completed_result_without_a_link_is_no_link_and_the_history_link_is_retried(tmp_path):
    """A history row's link fails (a retryable 403); the result says COMPLETED but names no file: the
    row's link is tried again, and the paid video is never declared lost for want of the result's."""
    bad = DownloadError("HTTP 403 from the output URL", retryable=True)
    api = ResultApi(downloads=[bad, VIDEO], results=[finished(None)])  # type: ignore[arg-type]
    k, job, lost, _ = await download(api, tmp_path, url=ROW_LINK, from_history=True)
    assert lost.sent == [] and job.state is JobState.COMPLETED
    assert api.fetched == [ROW_LINK, ROW_LINK] and last(k)[1]["output_url"] == ROW_LINK


async def test_a_link_of_an_output_list_that_is_gone_is_replaced_by_the_next_one_the_result_lists(tmp_path):
    # The result names two links, the first the one that failed: the video comes from the second, not lost.
    gone = DownloadError("the output URL answered HTTP 404", retryable=False, gone=True)
    two = Result("COMPLETED", LINK, len(VIDEO), 0.28, None, {}, None, 200, output_urls=(LINK, FRESH))
    k, job, lost, folder = await download(ScriptedApi(downloads=[gone, VIDEO], results=[two]), tmp_path)
    assert k.api.fetched == [LINK, FRESH] and lost.sent == []
    assert job.state is JobState.COMPLETED and last(k)[1]["output_url"] == FRESH
    assert folder.video_path("j", MODEL).read_bytes() == VIDEO


async def test_a_video_whose_size_the_api_did_not_give_is_recorded_at_the_size_it_has_on_disk(tmp_path):
    # the completed line's size and hash are what a later run checks the video against
    k, job, lost, folder = await download(ScriptedApi(downloads=[VIDEO]), tmp_path)
    assert job.file_size is None and job.state is JobState.COMPLETED and lost.sent == []
    event, fields = last(k)
    video = folder.video_path("j", MODEL)
    assert event == "completed" and fields["bytes"] == len(VIDEO) == video.stat().st_size
    assert fields["mtime_ns"] == video.stat().st_mtime_ns
