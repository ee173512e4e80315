"""The download stage: fetch each finished job's video, verify it, and only then record it completed.

Downloaders take jobs from a bounded stream.  A download is retried with
backoff while its errors are transient; when it fails for good (or the URL
has gone), a fresh output URL is looked for once, from the result while the
record lives, else from the request history.  A video whose URL came from a
history row (a sweep found the job finished) asks the result at its first
failure, and a result that names another file stops history URLs for the run.
A job whose video cannot be had is reported lost.  ``completed`` is written
to the ledger only after the video has been verified, fsynced and renamed
into ``videos/``, probed (:mod:`batchgen.probe`: a video that is not what was
asked for is kept, with named warnings on its ``completed`` line) and its
sidecar written.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Protocol
from urllib.parse import urlsplit

import anyio
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from ..api.answers import UNFINISHED_STATES
from ..api.client import ApiClient
from ..clock import Clock, iso_utc, parse_time
from ..config import MediaSettings, OutputSettings
from ..errors import DownloadError
from ..jobs import Event, JobState, TrackedJob
from ..retry import RetryPolicy
from ..store.local import SavedVideo
from ..store.media import inspect_video
from ..store.output import Store
from .book import JobBook
from .control import RunControl
from .recovery import Reconciler

log = logging.getLogger("batchgen")


class Expire(Protocol):
    """What a stage calls when a job's video can no longer be had (``Submitter.expire``)."""

    async def __call__(self, job: TrackedJob, detail: str, *, event: Event = ..., http: int | None = ...) -> None: ...


class Downloader:
    """The download stage of a run: one stream of finished jobs, several download loops."""

    def __init__(
        self,
        book: JobBook,
        api: ApiClient,
        out: Store,
        reconciler: Reconciler,
        control: RunControl,
        clock: Clock,
        policy: RetryPolicy,
        settings: OutputSettings,
        *,
        expire: Expire,
        media: MediaSettings | None = None,
    ) -> None:
        self.book, self.api, self.out, self.reconciler = book, api, out, reconciler
        self.control, self.clock, self.policy, self.settings = control, clock, policy, settings
        self.expire = expire
        self.media = media or MediaSettings()
        self._send: MemoryObjectSendStream[TrackedJob] | None = None
        # Per model, the shape of the request history's links (scheme, host, first folder,
        # suffix) seen to name the same file as the job's result; a job a sweep shows finished
        # with a link of that shape needs no result call.
        self._links: dict[str, tuple[str, str, str, str]] = {}
        self._links_off = False  # a history link was found to name another file: never again

    @property
    def history_urls(self) -> bool | None:
        """Whether history links are used: None while none has been compared with a result."""
        return False if self._links_off else (True if self._links else None)

    def trusts(self, model: str, history_url: str) -> bool:
        """Whether a job of ``model`` may be downloaded from this history link without a result call."""
        return not self._links_off and self._links.get(model) == _shape(history_url)

    def compare_history_url(self, model: str, history_url: str, result_url: str) -> None:
        """A job's output link from both its history row and its result: they should be one file."""
        if self._links_off:
            return
        if _same_file(history_url, result_url):
            self._links[model] = _shape(history_url)
            return
        self._distrust("a job's output link in the request history is not the one its result gives")

    def _distrust(self, why: str) -> None:
        if not self._links_off:
            self._links_off = True
            log.info("%s: fetching every result from the API for the rest of the run", why)

    @contextmanager
    def stream(self, buffer: int) -> Iterator[MemoryObjectReceiveStream[TrackedJob]]:
        """Open the stream of jobs to download for the length of a run; yields its receiving end."""
        send, receive = anyio.create_memory_object_stream[TrackedJob](buffer)
        self._send = send
        try:
            with send, receive:
                yield receive
        finally:
            self._send = None

    async def begin(
        self,
        job: TrackedJob,
        url: str,
        size: int | None,
        cost: float | None,
        *,
        queue_s: float | None = None,
        from_history: bool = False,
    ) -> None:
        """The job finished on the server: record where its video is, then queue the download.

        ``queue_s``, the server's queue time when it reports one, dates the start of processing.
        ``from_history``: the URL is the history row's, not the result's."""
        job.output_url, job.file_size = url, size
        job.url_from_history = from_history
        job.cost = cost if cost is not None else job.cost
        job.finished_at = job.finished_at or self.clock.now()
        processing_at = None
        queued = parse_time(job.submitted_wall)
        if queued is not None and isinstance(queue_s, int | float) and queue_s >= 0:
            processing_at = iso_utc(min(self.clock.epoch(), queued + self.clock.real(queue_s)))
        await self.book.record(
            job,
            Event.RESULT,
            JobState.DOWNLOADING,
            output_url=url,
            file_size=size,
            cost=job.cost,
            processing_at=processing_at,
        )
        await self.queue(job)

    async def queue(self, job: TrackedJob) -> None:
        if self._send is None:
            raise RuntimeError("bug: a download was queued outside Downloader.stream()")
        await self._send.send(job)

    async def loop(self, receive: MemoryObjectReceiveStream[TrackedJob]) -> None:
        async with receive:
            async for job in receive:
                await self.control.guard(lambda job=job: self._download(job))  # type: ignore[misc]

    async def _download(self, job: TrackedJob) -> None:
        out = self.out
        dest = out.video_path(job.spec.id, job.spec.model)
        refreshed = False
        saved: SavedVideo | None = None
        # A history row's link is not retried: the result's own link is asked for first.
        attempts = self.policy.attempts(
            self.clock, on=lambda exc: isinstance(exc, DownloadError) and exc.retryable and not job.url_from_history
        )
        async for attempt in attempts:
            if job.output_url is None:
                found = False if refreshed else await self.reconciler.refresh_output(job)
                if found is None:
                    await self._failed(job, "its output URL could not be looked up; run again later")
                    return
                if not found:
                    await self.lost(job, "no output URL could be recovered for it")
                    return
                refreshed = True
            url = job.output_url
            assert url is not None  # refresh_output() set it
            try:
                with attempt:
                    saved = await self._fetch(job, url, dest)
            except DownloadError as exc:  # not to be retried, or retries ran out
                if job.url_from_history:
                    job.url_from_history = False
                    if await self._link_from_result(job, url):  # the API's own link, tried next
                        refreshed = True
                        attempts.restart()
                        continue
                    if attempts.retry(exc, exc.retryable):  # as any other link
                        continue
                if not refreshed:
                    found = await self.reconciler.refresh_output(job)
                    if found:
                        refreshed = True
                        attempts.restart()
                        continue
                    if found is None:  # unknown whether the API has another link: not lost
                        await self._failed(job, f"{exc}, and no other link could be looked up; run again later")
                        return
                if exc.gone:  # the API's own link for it is gone too (output files last 7 days)
                    await self.lost(job, f"its output file is gone ({exc}) and the API has no other link for it")
                    return
                await self._failed(job, str(exc))
                return
        assert saved is not None  # the attempts end in a saved video or a return above
        check = partial(
            inspect_video,
            saved.path,
            job.spec.params,
            duration_tolerance_s=self.media.duration_tolerance_s,
            aspect_tolerance=self.media.aspect_tolerance,
        )
        media, warnings = await anyio.to_thread.run_sync(check)
        submitted = job.submitted_at
        sidecar = {
            "job_id": job.spec.id,
            "model": job.spec.model,
            "parameters": job.spec.params,
            "request_id": job.request_id,
            "sha256": saved.sha256,
            "bytes": saved.size,
            "cost": job.cost,
            "output_url": job.output_url,
            "source": job.spec.source,
            "seconds_to_finish": round(job.finished_at - submitted, 3) if job.finished_at else None,
            "submitted_at": job.submitted_wall,
            "completed_at": iso_utc(self.clock.epoch()),
            "media": media,
            "warnings": warnings,
        }
        await out.write_sidecar(dest, sidecar)
        if job.finished_at is not None:
            self.control.report.job_seconds.append(job.finished_at - submitted)
        await self.book.finish(
            job,
            Event.COMPLETED,
            JobState.COMPLETED,
            file=str(dest.relative_to(out.root)),
            sha256=saved.sha256,
            mtime_ns=saved.mtime_ns,
            bytes=saved.size,
            cost=job.cost,
            output_url=job.output_url,
            media=media,
            warnings=warnings or None,
        )

    async def _fetch(self, job: TrackedJob, url: str, dest: Path) -> SavedVideo:
        """One download of ``url`` into ``dest``, verified (DownloadError when it fails)."""
        settings = self.settings
        async with self.api.download(
            url, max_bytes=settings.max_download_bytes, timeout_s=settings.download_timeout_s
        ) as dl:
            return await self.out.save_stream(
                job.spec.id,
                dest,
                dl.chunks,
                content_length=dl.content_length,
                file_size=job.file_size,
                max_bytes=settings.max_download_bytes,
            )

    async def _link_from_result(self, job: TrackedJob, tried: str) -> bool:
        """The history's link did not give the video: ask the job's result for its own link
        (True when it gave one).  While the result says the job is unfinished, the history was
        early: history links end for the run, and the result is asked again with backoff."""
        try:
            async for attempt in self.policy.attempts(self.clock, on=lambda exc: isinstance(exc, _Early)):
                with attempt:
                    result = await self.reconciler.result_of(job)
                    if result is None:
                        return False
                    if result.state == "COMPLETED" and result.output_url:
                        self.compare_history_url(job.spec.model, tried, result.output_url)
                        job.output_url, job.file_size = result.output_url, result.file_size
                        return True
                    if result.state not in UNFINISHED_STATES:
                        return False
                    self._distrust("the request history showed a job finished before its result did")
                    raise _Early
        except _Early:  # still unfinished when the retries ran out
            pass
        return False

    async def _failed(self, job: TrackedJob, detail: str) -> None:
        """The download failed for now; the job stays ``downloading`` and a later run tries again."""
        await self.book.finish(
            job, Event.DOWNLOAD_FAILED, JobState.DOWNLOADING, error={"detail": detail}, output_url=job.output_url
        )

    async def lost(self, job: TrackedJob, why: str) -> None:
        """No output URL can be had: the job is lost (or made again with --resubmit-lost)."""
        detail = (
            f"the video for job {job.spec.id} cannot be recovered: {why}; run again with "
            "--resubmit-lost to make it again (it will be paid for again)"
        )
        await self.expire(job, detail, event=Event.LOST, http=None)


class _Early(Exception):
    """The result says the job is still unfinished (the history showed it finished early)."""


def _shape(url: str) -> tuple[str, str, str, str]:
    """What links to one kind of file share: scheme, host, first folder and suffix."""
    parts = urlsplit(url)
    path = PurePosixPath(parts.path)
    folder = path.parts[1] if len(path.parts) > 2 else ""
    return parts.scheme.lower(), parts.netloc.lower(), folder, path.suffix.lower()


def _same_file(a: str, b: str) -> bool:
    """Two output URLs name the same file (a query string, such as a signature, may differ)."""
    x, y = urlsplit(a), urlsplit(b)
    return (x.scheme.lower(), x.netloc.lower(), x.path) == (y.scheme.lower(), y.netloc.lower(), y.path)
