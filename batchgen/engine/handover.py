"""Where a job goes from the poller once polling it is over (:class:`Handover`): to the downloaders with
its video's link, to its last line in the book (failed, or left for a later run), or back to the submitter
as lost.  Every way out writes its line through the book first."""

from __future__ import annotations

from typing import Any

from anyio.streams.memory import MemoryObjectSendStream

from ..clock import Clock, iso_utc, parse_time
from ..errors import ApiError
from ..jobs import Event, JobState, TrackedJob
from .book import JobBook
from .messages import Lost
from .recovery import Reconciler
from .verdicts import Failed, Found, Gone, Later


class Handover:
    """The poller's ways out for a job it no longer tracks (the caller has taken it out of the schedule)."""

    def __init__(
        self,
        book: JobBook,
        reconciler: Reconciler,
        clock: Clock,
        downloads: MemoryObjectSendStream[TrackedJob],
        lost: MemoryObjectSendStream[Lost],
    ) -> None:
        self.book, self.reconciler, self.clock = book, reconciler, clock
        self._downloads, self._lost = downloads, lost

    async def fail(self, job: TrackedJob, error: dict[str, Any]) -> None:
        await self.book.finish(job, Event.FAILED, JobState.FAILED, error=error)

    async def to_downloads(
        self,
        job: TrackedJob,
        url: str,
        size: int | None,
        cost: float | None,
        *,
        queue_s: float | None = None,
        from_history: bool = False,
    ) -> None:
        """The job finished on the server: record where its video is, then send it to the downloaders.

        ``queue_s``, the server's queue time when it reports one, dates the start of processing.
        ``from_history``: the URL is the history row's, not the result's.  ``cost``: the charge the answer
        gave; a finished job's charge of 0 is one not posted yet, not a free job (only failed ones are free),
        so it is taken as none reported: the job holds its estimate against the cap, and is told apart."""
        job.output_url, job.file_size = url, size
        job.url_from_history = from_history
        job.cost = cost if cost else job.cost
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
        await self._downloads.send(job)

    async def look_elsewhere(self, job: TrackedJob, why: str, *, cost: float | None = None) -> None:
        """The API's answers about this job cannot be used (``why``): never fail it for that.  Its
        history row gives its link (or says it FAILED); else it stays ``submitted`` with the event
        ``unreachable``, and a later run polls it again.  ``cost``: the charge an answer that gave no link
        reported, kept where the row reports none (or 0: not posted yet)."""
        try:
            found = await self.reconciler.look_up(job)
        except ApiError as exc:
            found = Later(str(exc))
        if isinstance(found, Found):
            await self.to_downloads(job, found.url, None, found.cost or cost, from_history=True)
        elif isinstance(found, Failed):
            await self.fail(job, found.error)
        else:
            detail = (
                f"its state or link could not be read from the API ({why}), and the request history has no link "
                f"for it ({found.detail}); it was not failed and will not be made again: run again later to "
                "fetch it"
            )
            await self.book.finish(job, Event.UNREACHABLE, JobState.SUBMITTED, error={"detail": detail})

    async def recovered(
        self, job: TrackedJob, found: Found | Failed | Gone | Later, *, outlived: dict[str, int] | None = None
    ) -> None:
        """The record is gone (404): act on what the history says of it (``found``).  ``outlived``: its kind's
        tallies, for its line, where its death shows that jobs of the kind outlive their records."""
        if isinstance(found, Found):
            await self.to_downloads(job, found.url, None, found.cost)
        elif isinstance(found, Failed):
            await self.fail(job, found.error)
        elif isinstance(found, Later):  # unknown: left submitted, for a later run to look up again
            await self.book.finish(job, Event.RECOVER_LATER, JobState.SUBMITTED, error={"detail": found.detail})
        else:  # the submitter makes it again, or ends it
            await self._lost.send(Lost(job, found.detail, outlived=outlived))
