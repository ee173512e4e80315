"""A row without an id keeps the id its request was made under (engine/derived_ids.py)."""

from __future__ import annotations

from batchgen.engine.derived_ids import keep_made_ids
from batchgen.jobs import JobSpec, derived_id
from batchgen.store.ledger import Replay

MODEL = "kling-text2video"


def _job(job_id: str, **params) -> JobSpec:
    return JobSpec(id=job_id, model=MODEL, params={"prompt": "a kite", **params})


def _made(**params) -> dict:
    return {"state": "completed", "model": MODEL, "params": {"prompt": "a kite", **params}}


def test_a_row_takes_the_id_its_request_was_made_as_with_its_own_occurrence_and_repeat():
    old = derived_id(MODEL, {"prompt": "a kite"}, 1)
    new = derived_id(MODEL, {"prompt": "a kite", "mode": "std"}, 1)  # the default written out: the same job
    assert old != new
    replay = Replay({old: _made(), f"{old}-2": _made(), f"{old}-r2": _made()}, 3, False)
    jobs = [_job(new, mode="std"), _job(f"{new}-2", mode="std"), _job(f"{new}-r2", mode="std")]
    assert [job.id for job in keep_made_ids(jobs, replay)] == [old, f"{old}-2", f"{old}-r2"]


def test_a_row_keeps_its_id_where_no_job_the_manifest_leaves_free_asked_for_the_same():
    old = derived_id(MODEL, {"prompt": "a kite"}, 1)
    new = derived_id(MODEL, {"prompt": "a kite", "mode": "std"}, 1)
    other = derived_id(MODEL, {"prompt": "a kite", "mode": "pro"}, 1)
    cases = [
        ({old: _made()}, [_job(new, mode="std"), _job(old)]),  # claimed by another row
        ({old: _made(mode="pro")}, [_job(new, mode="std")]),  # another request
        ({old: {"state": "deferred", "model": MODEL}}, [_job(new, mode="std")]),  # never sent: nothing paid
        ({"kite-1": _made()}, [_job(new, mode="std")]),  # an id given, not derived
        ({f"{old}-2": _made()}, [_job(new, mode="std")]),  # another occurrence
        ({old: _made()}, [_job("kite-1", mode="std")]),  # a row of its own id
        ({old: _made()}, [_job(f"{old}-anew")]),  # an id given to make it anew, which begins as the derived one
        ({other: _made(mode="pro")}, [_job(other, mode="pro")]),  # known as it is
    ]
    for jobs_made, jobs in cases:
        assert keep_made_ids(jobs, Replay(jobs_made, len(jobs_made), False)) == jobs, jobs_made
    assert keep_made_ids([_job(new)], None) == [_job(new)]


def test_two_rows_of_one_request_take_the_one_job_the_folder_made_once_the_other_is_made_anew():
    # two rows ask for the same video (a default written out in one, another in the other): the folder made one
    # of them; one row takes it, the other stays a job of its own, not a second row under the same id
    old = derived_id(MODEL, {"prompt": "a kite"}, 1)
    std = derived_id(MODEL, {"prompt": "a kite", "mode": "std"}, 1)
    five = derived_id(MODEL, {"prompt": "a kite", "duration": 5}, 1)
    replay = Replay({old: _made()}, 1, False)
    jobs = [_job(std, mode="std"), _job(five, duration=5)]
    assert [job.id for job in keep_made_ids(jobs, replay)] == [old, five]
