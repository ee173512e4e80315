"""What a download is checked against, and how often a link is looked up (scripted API, fake clock).

A download is bounded by the configured size cap and time-out, a body shorter than its
``Content-Length`` or of another size than the API reported is never kept, a job's link is looked
up at most once per download, and what the checks of a kept video found reaches the ledger and
the sidecar as they were found.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from batchgen.api.answers import Download, Result
from batchgen.config import OutputSettings
from batchgen.errors import DownloadError
from batchgen.jobs import JobSpec, JobState, TrackedJob
from batchgen.simulator.media import template
from batchgen.store.local import OutputDir
from tests.engine.doubles import MODEL, Kit, ScriptedApi, answer, finished, kit, run_downloader
from tests.helpers import Outbox

VIDEO = template("16:9", 5)
LINK = "http://127.0.0.1:9/generations/j.mp4"
ROW_LINK = "http://127.0.0.1:9/history/j.mp4"


class CheckedApi(ScriptedApi):
    """Keeps what each download was asked with; answers with a declared length of its own choosing,
    and counts result calls."""

    def __init__(self, *, declared: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.declared = declared
        self.asked: list[tuple[int, float]] = []
        self.result_calls = 0

    async def result(self, request_id: str) -> Result:
        self.result_calls += 1
        if not self.results:
            return await super().result(request_id)
        return answer(self.results.pop(0))

    @asynccontextmanager
    async def download(self, url: str, *, max_bytes: int, timeout_s: float = 900.0) -> AsyncIterator[Download]:
        self.fetched.append(url)
        self.asked.append((max_bytes, timeout_s))
        data: bytes = answer(self.downloads.pop(0))

        async def chunks() -> AsyncIterator[bytes]:
            yield data

        yield Download(self.declared if self.declared is not None else len(data), chunks())


async def fetch(
    api: ScriptedApi,
    tmp_path: Path,
    *,
    url: str | None = LINK,
    size: int | None = None,
    from_history: bool = False,
    params: dict[str, Any] | None = None,
    settings: OutputSettings | None = None,
) -> tuple[Kit, TrackedJob, Outbox, OutputDir]:
    job = TrackedJob(JobSpec("j", MODEL, params or {"prompt": "a fox"}), JobState.PENDING, 0.28)
    k = kit(api, [job])
    job.request_id, job.output_url, job.file_size, job.cost = "r1", url, size, 0.28
    job.url_from_history = from_history
    job.submitted_at, job.finished_at = 10.0, 10.0 + 95.123456
    k.book.adopt(job, JobState.DOWNLOADING, in_flight=True)
    lost, folder = await run_downloader(k, job, tmp_path, settings=settings)
    return k, job, lost, folder


def kept(folder: OutputDir) -> bool:
    return folder.video_path("j", MODEL).exists()


async def test_every_download_is_bounded_by_the_configured_size_cap_and_time_out(tmp_path):
    api = CheckedApi(downloads=[VIDEO])
    settings = OutputSettings(dir=str(tmp_path / "out"), max_download_bytes=7_000_000, download_timeout_s=42.5)
    _, job, _, folder = await fetch(api, tmp_path, settings=settings)
    assert api.asked == [(7_000_000, 42.5)]
    assert job.state is JobState.COMPLETED and kept(folder)


async def test_a_body_shorter_than_its_declared_length_is_never_kept(tmp_path):
    api = CheckedApi(downloads=[VIDEO] * 6, declared=len(VIDEO) + 100)  # the connection ended early, every time
    _, job, _, folder = await fetch(api, tmp_path)
    assert job.state is not JobState.COMPLETED and not kept(folder)
    assert list(folder.root.rglob("*.mp4")) == []  # no partial file left either


async def test_a_body_of_another_size_than_the_api_reported_is_never_kept(tmp_path):
    api = CheckedApi(downloads=[VIDEO] * 6)
    _, job, _, folder = await fetch(api, tmp_path, size=len(VIDEO) + 5)
    assert job.state is not JobState.COMPLETED and not kept(folder)


async def test_a_job_resumed_without_a_link_is_looked_up_once_when_its_download_then_fails(tmp_path):
    gone = DownloadError("HTTP 404 from the output URL", retryable=False, gone=True)
    api = CheckedApi(downloads=[gone], results=[finished(LINK, size=len(VIDEO))])
    _, job, lost, _ = await fetch(api, tmp_path, url=None)
    assert api.result_calls == 1  # the look-up that gave the link; its failure does not ask again
    assert api.fetched == [LINK] and job.state is not JobState.COMPLETED
    assert len(lost.sent) == 1  # its file is gone and the API's own link was the one tried


async def test_a_history_link_that_fails_is_replaced_by_the_results_own_once_and_not_looked_up_again(tmp_path):
    gone = DownloadError("HTTP 404 from the output URL", retryable=False, gone=True)
    api = CheckedApi(downloads=[gone, gone], results=[finished(LINK, size=len(VIDEO))])
    _, job, lost, _ = await fetch(api, tmp_path, url=ROW_LINK, from_history=True)
    assert api.fetched == [ROW_LINK, LINK]
    assert api.result_calls == 1  # the result's own link was the last word
    assert job.state is not JobState.COMPLETED and len(lost.sent) == 1


async def test_what_the_checks_found_reaches_the_ledger_and_the_sidecar_as_found(tmp_path):
    long_video = template("16:9", 10)  # asked for 5 s, got 10 s: kept, with a warning
    api = CheckedApi(downloads=[long_video])
    k, job, _, folder = await fetch(api, tmp_path, params={"prompt": "a fox", "duration": 5})
    assert job.state is JobState.COMPLETED
    _, event, _, fields = k.ledger.lines[-1]
    sidecar = json.loads(folder.video_path("j", MODEL).with_suffix(".json").read_text())
    assert event == "completed" and fields["warnings"] and fields["warnings"] == sidecar["warnings"]
    assert sidecar["seconds_to_finish"] == 95.123  # to the millisecond, as every time in the sidecar
