"""The download stage: fetch each finished job's video, verify it, and only then record it completed.

Downloaders take jobs from a bounded stream: finished jobs from the poller
(whose ``result`` line is written), and a resumed run's ``downloading`` jobs.
A download is retried with backoff while its errors are transient; when it
fails for good (or the URL has gone), a fresh output URL is looked for once,
from the result while the record lives, else from the request history.  A
video whose URL came from a history row (a sweep found the job finished) asks
the result at its first failure, and a result that names another file stops
history URLs for the run (``history_links.HistoryLinks``).  A job whose video
cannot be had is sent to the submitter as :class:`messages.Lost`.  ``completed`` is written
to the ledger only after the video has been verified, fsynced and renamed
into ``videos/``, probed (:mod:`batchgen.probe`: a video that is not what was
asked for is kept, with named warnings on its ``completed`` line) and its
sidecar written.
"""

from __future__ import annotations

import logging
from functools import partial
from pathlib import Path

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
from .history_links import same_file
from .messages import Lost
from .recovery import REMAKE, Reconciler

log = logging.getLogger("batchgen")


class Downloader:
    """The download stage of a run: several download loops on one stream of finished jobs."""

    def __init__(
        self,
        *,
        book: JobBook,
        api: ApiClient,
        out: Store,
        reconciler: Reconciler,
        control: RunControl,
        clock: Clock,
        policy: RetryPolicy,
        settings: OutputSettings,
        lost: MemoryObjectSendStream[Lost],
        media: MediaSettings | None = None,
    ) -> None:
        self.book, self.api, self.out, self.reconciler = book, api, out, reconciler
        self.control, self.clock, self.policy, self.settings = control, clock, policy, settings
        self._lost = lost
        self.media = media or MediaSettings()

    async def loop(self, receive: MemoryObjectReceiveStream[TrackedJob]) -> None:
        async with receive:
            async for job in receive:
                await self.control.guard(lambda job=job: self._download(job))  # type: ignore[misc]

    async def _download(self, job: TrackedJob) -> None:
        out = self.out
        dest = out.video_path(job.spec.id, job.spec.model)
        refreshed = False
        own = job.output_url  # the link the job came with
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
                    if (saved := await self._installed(job, dest)) is not None:
                        break
                    await self.lost(job, "no output URL could be recovered for it")
                    return
                job.output_url, job.file_size = found.url, found.size
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
                    if found and exc.image and same_file(found.url, url):  # that link again: nothing else to fetch
                        if found.record_gone:  # and the history's link is not its video: it cannot be had
                            if (saved := await self._installed(job, dest)) is not None:
                                break
                            await self.lost(job, f"{exc}, its record is gone and the request history has no other link")
                            return
                        found = False
                    if found:
                        job.output_url, job.file_size = found.url, found.size
                        refreshed = True
                        attempts.restart()
                        continue
                    if found is None:  # unknown whether the API has another link: not lost
                        await self._failed(job, f"{exc}, and no other link could be looked up; run again later")
                        return
                if exc.gone:  # the API's own link for it is gone too (output files last 7 days)
                    if (saved := await self._installed(job, dest)) is not None:
                        break
                    await self.lost(job, f"its output file is gone ({exc}) and the API has no other link for it")
                    return
                if exc.image and own is not None and not same_file(own, url):  # a link found since gives an image:
                    job.output_url = own  # the job's own link, which failed otherwise, is the one to try again
                await self._failed(job, str(exc))
                return
        assert saved is not None  # the attempts end in a saved video or a return above
        check = partial(
            inspect_video,
            saved.path,
            job.spec.params,
            duration_tolerance_s=self.media.duration_tolerance_s,
            aspect_tolerance=self.media.aspect_tolerance,
            model=job.spec.model,
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
        """One download of ``url`` into ``dest``, verified (DownloadError when it fails; ``image``: the link
        declared an image and gave no MP4, a preview, which that link gives again)."""
        settings = self.settings
        async with self.api.download(
            url, max_bytes=settings.max_download_bytes, timeout_s=settings.download_timeout_s
        ) as dl:
            try:
                return await self.out.save_stream(
                    job.spec.id,
                    dest,
                    dl.chunks,
                    content_length=dl.content_length,
                    file_size=job.file_size,
                    max_bytes=settings.max_download_bytes,
                )
            except DownloadError as exc:
                if not (exc.not_mp4 and (dl.content_type or "").startswith("image/")):
                    raise
                raise DownloadError(
                    f"the link for job {job.spec.id} gives an image ({dl.content_type}), not its video",
                    retryable=False,
                    image=True,
                ) from None

    async def _installed(self, job: TrackedJob, dest: Path) -> SavedVideo | None:
        """The video an earlier run installed for this request before it was stopped (``completed`` not yet
        written), when its link no longer gives it: it was paid for and is on disk, so it is not lost."""
        since = parse_time(job.submitted_wall)
        if since is None or job.damaged:  # (a completed job's file that failed its check is not the video)
            return None
        saved = await self.out.installed(dest, file_size=job.file_size, since=since)
        if saved is not None:
            log.info("job %s: its video was already in place from an earlier run; kept", job.spec.id)
            report = self.control.report
            report.refetched -= 1  # (counted so as the run began) taken up, not fetched
            report.kept_in_place += 1
        return saved

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
                        self.reconciler.links.compare(job.spec.model, tried, result.output_url)
                        job.output_url, job.file_size = result.output_url, result.file_size
                        return True
                    if result.state not in UNFINISHED_STATES:
                        return False
                    self.reconciler.links.distrust("the request history showed a job finished before its result did")
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
        detail = f"the video for job {job.spec.id} cannot be recovered: {why}; {REMAKE}"
        await self._lost.send(Lost(job, detail, event=Event.LOST, http=None))


class _Early(Exception):
    """The result says the job is still unfinished (the history showed it finished early)."""
