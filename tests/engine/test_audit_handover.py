"""The poller's ways out for a job (``Handover``), each on its own: what the history said of a job whose record is
gone, or whose answers cannot be used, decides its line, and only a video no one can have is sent to be made again."""

from __future__ import annotations

from typing import Any, cast

import anyio

from batchgen.clock import FakeClock, iso_utc
from batchgen.engine.book import JobBook
from batchgen.engine.handover import Handover
from batchgen.engine.recovery import Reconciler
from batchgen.engine.verdicts import Failed, Found, Gone, Later
from batchgen.errors import BadResponse
from batchgen.jobs import JobState, TrackedJob
from tests.engine.doubles import MemoryLedger, pending


class LookUp:
    """What the history says of a job, or the error its look-up met."""

    def __init__(self, answer: Found | Failed | Later | Exception):
        self.answer = answer

    async def look_up(self, job: TrackedJob) -> Found | Failed | Later:
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


async def hand_over(found: Found | Failed | Gone | Later | Exception, *, recovered: bool) -> tuple[Any, ...]:
    """The ledger's lines, the jobs sent to the downloaders and the jobs sent back as lost."""
    job = pending()
    job.state, job.request_id = JobState.SUBMITTED, "r-1"
    ledger = MemoryLedger()
    book = JobBook([job], ledger)
    book.take(job)
    downloads_send, downloads = anyio.create_memory_object_stream[TrackedJob](5)
    lost_send, lost = anyio.create_memory_object_stream[Any](5)
    reconciler = cast(Reconciler, LookUp(found if not isinstance(found, Gone) else Later("unused")))
    handover = Handover(book, reconciler, FakeClock(), downloads_send, lost_send)
    with downloads_send, downloads, lost_send, lost:
        if recovered:
            assert not isinstance(found, Exception)
            await handover.recovered(job, found)
        else:
            await handover.look_elsewhere(job, "a proxy's page")
        sent = [downloads.receive_nowait() for _ in range(downloads.statistics().current_buffer_used)]
        gone = [lost.receive_nowait() for _ in range(lost.statistics().current_buffer_used)]
    return [(event, state, fields) for _, event, state, fields in ledger.lines], sent, gone, job


async def test_a_gone_record_the_history_could_not_be_read_for_is_left_for_a_later_run_never_made_again():
    lines, sent, gone, job = await hand_over(Later("the request history could not be read: HTTP 500"), recovered=True)
    assert [(event, state) for event, state, _ in lines] == [("recover_later", "submitted")]
    assert lines[0][2]["error"] == {"detail": "the request history could not be read: HTTP 500"}
    assert sent == [] and gone == [] and job.state is JobState.SUBMITTED and not job.holds_slot


async def test_only_a_gone_record_with_no_output_anywhere_is_sent_back_as_lost():
    lines, sent, gone, _ = await hand_over(Gone("not in the history"), recovered=True)
    assert (
        lines == []
        and sent == []
        and [(news.detail, news.event, news.http) for news in gone] == [("not in the history", "expired", 404)]
    )
    lines, sent, gone, job = await hand_over(Found("https://out/v.mp4", 0.7), recovered=True)
    assert [(event, state) for event, state, _ in lines] == [("result", "downloading")] and gone == []
    assert sent == [job] and job.output_url == "https://out/v.mp4" and job.cost == 0.7


async def test_a_job_whose_answers_cannot_be_used_nor_its_history_read_is_left_submitted_never_failed():
    for trouble in (BadResponse("HTTP 200 with a proxy's page"), Later("the history shows it PROCESSING")):
        lines, sent, gone, job = await hand_over(trouble, recovered=False)
        assert [(event, state) for event, state, _ in lines] == [("unreachable", "submitted")], trouble
        assert "it was not failed and will not be made again" in lines[0][2]["error"]["detail"]
        assert sent == [] and gone == [] and job.state is JobState.SUBMITTED
    lines, sent, _, job = await hand_over(Found("https://h/v.mp4", None), recovered=False)
    assert sent == [job] and job.url_from_history and [e for e, _, _ in lines] == ["result"]


async def _to_downloads(*, finished_at: float | None) -> tuple[dict[str, Any], TrackedJob]:
    """The line written for a job handed to the downloaders 100 s after its submit, and the job."""
    clock = FakeClock()
    job = pending()
    job.state, job.request_id = JobState.SUBMITTED, "r-1"
    job.submitted_wall, job.finished_at = iso_utc(clock.epoch()), finished_at
    ledger = MemoryLedger()
    book = JobBook([job], ledger)
    book.take(job)
    downloads_send, downloads = anyio.create_memory_object_stream[TrackedJob](5)
    lost_send, lost = anyio.create_memory_object_stream[Any](5)
    handover = Handover(book, cast(Reconciler, LookUp(Later("unused"))), clock, downloads_send, lost_send)
    clock.advance(100.0)
    with downloads_send, downloads, lost_send, lost:
        await handover.to_downloads(job, "https://out/v.mp4", 4096, 0.7)
        assert downloads.receive_nowait() is job
    ((_, event, state, fields),) = ledger.lines
    assert (event, state) == ("result", "downloading")
    return fields, job


async def test_a_finished_job_sent_to_the_downloaders_records_its_link_size_and_cost_and_keeps_when_it_finished():
    fields, job = await _to_downloads(finished_at=40.0)
    assert (fields["output_url"], fields["file_size"], fields["cost"]) == ("https://out/v.mp4", 4096, 0.7)
    assert job.finished_at == 40.0 and fields["processing_at"] is None
    _, job = await _to_downloads(finished_at=None)
    assert job.finished_at == 100.0
