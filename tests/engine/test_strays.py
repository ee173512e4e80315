"""Jobs in flight whose rows left the manifest (:func:`strays.in_flight_outside`): each job the API made or is
making, with what fetching it needs, is taken up fetch-only; a job a row still names is that row's alone."""

from __future__ import annotations

from batchgen.engine.strays import in_flight_outside
from batchgen.jobs import JobSpec, JobState
from batchgen.store.ledger import Replay

MODEL = "kling-text2video"


def _rec(state: str, request_id: str | None = "r", **more: object) -> dict:
    return {"state": state, "request_id": request_id, "model": MODEL, "params": {"prompt": "p"}, **more}


def test_only_jobs_in_flight_no_row_names_are_taken_up_and_only_to_be_fetched():
    replay = Replay(
        {
            "kept": _rec("submitted", "r-kept"),  # its row is still in the manifest: the row's job, not a stray
            "gone": _rec("submitted", "r-gone"),
            "fetching": _rec("downloading", "r-fetching"),
            "done": _rec("completed", "r-done"),
            "never": _rec("deferred", None),
        },
        5,
        False,
    )
    rows = [JobSpec("kept", MODEL, {"prompt": "p"})]
    strays = in_flight_outside(rows, replay)
    assert sorted(job.id for job in strays) == ["fetching", "gone"]
    assert all(job.fetch_only and job.source == "ledger" for job in strays)
    assert in_flight_outside(rows, None) == []


def test_a_job_without_what_fetching_it_needs_is_not_taken_up():
    """No request id, no model or no parameters: nothing to poll it by, nor to check its video against."""
    replay = Replay(
        {
            "no-id": _rec("submitted", None),
            "empty-id": _rec("submitted", ""),
            "no-model": {**_rec("submitted", "r-1"), "model": None},
            "no-params": {**_rec("downloading", "r-2"), "params": "p"},
        },
        4,
        False,
    )
    assert in_flight_outside([], replay) == []


def test_a_job_finished_failed_expired_or_never_sent_is_not_taken_up_whatever_its_record_holds():
    """Only a job the API made or is making (submitted, downloading) is a stray to fetch: a failed or expired
    one has nothing more to fetch, a completed one is on disk, and one never sent (or of an unknown submit) is
    no request to poll, even with a request id, a model and parameters in its record."""
    others = [state for state in JobState if state not in (JobState.SUBMITTED, JobState.DOWNLOADING)]
    replay = Replay({f"job-{state}": _rec(state, f"r-{state}") for state in others}, len(others), False)
    assert in_flight_outside([], replay) == []


def test_a_stray_is_fetched_as_its_record_holds_even_once_the_manifest_has_no_row_left():
    """Every row removed (an empty manifest, or a manifest of other jobs): the jobs still in flight are taken up,
    each under its model and the parameters it was sent with, which its video is checked against."""
    params = {"prompt": "a heron", "duration": 10}
    replay = Replay({"gone": {**_rec("downloading", "r-gone"), "params": params}}, 1, False)
    (stray,) = in_flight_outside([], replay)
    assert (stray.id, stray.model, stray.params, stray.fetch_only) == ("gone", MODEL, params, True)
