"""Audit of ``batchgen/engine/poller.py``: a finished job whose result cannot be had from the API is looked up in
the history after ``retry.max_attempts`` troubles, never polled for ever."""

from __future__ import annotations

from batchgen.api.answers import HistoryRow
from batchgen.engine.pollplan import latency_key
from batchgen.errors import NotFound, RouteTrouble
from tests.engine.doubles import MODEL, PollApi, pending
from tests.engine.doubles import POLL_LINK as LINK
from tests.engine.doubles import poll_stage as stage
from tests.engine.doubles import run_poller as run
from tests.engine.doubles import status_answer as status


async def test_troubles_on_a_finished_jobs_result_add_up_though_its_status_polls_answer_and_its_row_gives_the_video():
    job = pending()
    api = PollApi(statuses=[status("COMPLETED")], results=[RouteTrouble("a redirect away")])
    s = stage(api, [job])
    api.rows = [HistoryRow("r-j", MODEL, "COMPLETED", job.spec.payload(), LINK + "?h", 0.28, None, None)]
    await run(s, lambda: bool(s.downloads.sent), limit_s=120.0)
    assert s.downloads.sent == [job] and job.output_url == LINK + "?h" and job.url_from_history
    assert api.calls == ["status", "result"] * 3  # retry.max_attempts result troubles, then the history's row


async def test_a_job_found_done_in_the_history_once_its_record_died_teaches_no_finish_time_it_may_never_have_taken():
    job = pending()
    api = PollApi(statuses=[status("PROCESSING"), NotFound("HTTP 404")])
    s = stage(api, [job])
    api.rows = [HistoryRow("r-j", MODEL, "COMPLETED", job.spec.payload(), LINK + "?h", 0.28, None, None)]
    await run(s, lambda: bool(s.downloads.sent))
    assert s.downloads.sent == [job] and job.output_url == LINK + "?h" and api.calls == ["status", "status"]
    # seen unfinished, then its record gone: it finished at some time between, which the row does not say
    assert s.poller.latency.fastest(latency_key(job.spec)) is None
