"""Audit of ``batchgen/engine/derived_ids.py``: a row whose id the folder already knows keeps it, so its job is
never confused with another made of the same request."""

from __future__ import annotations

from batchgen.engine.derived_ids import keep_made_ids
from batchgen.jobs import derived_id, derived_prefix
from batchgen.store.ledger import Replay
from tests.engine.test_derived_ids import MODEL, _job, _made


def test_a_row_whose_derived_id_the_folder_knows_keeps_it_though_an_older_job_asked_for_the_same():
    old = derived_id(MODEL, {"prompt": "a kite"}, 1)
    new = derived_id(MODEL, {"prompt": "a kite", "mode": "std"}, 1)
    replay = Replay({old: _made(), new: _made(mode="std")}, 2, False)
    jobs = [_job(new, mode="std")]
    assert keep_made_ids(jobs, replay) == jobs


def test_a_row_given_an_id_only_shaped_like_a_derived_one_keeps_it():
    """Only an id of the model's prefix, a dash, exactly twelve hex digits and its own suffixes is derived: a row
    given any other id (a word, a longer or shorter hash of the user's, another name as long as the prefix) is
    the user's own job and is never renamed to the folder's job of the same request."""
    old = derived_id(MODEL, {"prompt": "a kite"}, 1)
    prefix = derived_prefix(MODEL)
    given = [
        f"{prefix}-harborsunset",  # twelve letters, not all hex
        f"{prefix}-0123456789abcdef",  # a longer hash
        f"{prefix}-deadbeef",  # a shorter one
        f"{'n' * len(prefix)}-0123456789ab",  # another name as long as the prefix, then a digest's shape
    ]
    replay = Replay({old: _made()}, 1, False)
    for job_id in given:
        jobs = [_job(job_id)]
        assert keep_made_ids(jobs, replay) == jobs, job_id
    assert [job.id for job in keep_made_ids([_job(f"{prefix}-0123456789ab")], replay)] == [old]  # derived: renamed


def test_a_row_takes_the_id_of_its_request_in_flight_or_ended_not_only_of_one_completed():
    """A request sent and not yet fetched (submitting, submitted, downloading) or ended (failed, expired) was
    paid for or may be: the row takes its id, so a re-run goes on with it (or says why not) instead of sending
    it again under the id it derives now."""
    old = derived_id(MODEL, {"prompt": "a kite"}, 1)
    new = derived_id(MODEL, {"prompt": "a kite", "mode": "std"}, 1)
    for state in ("submitting", "submitted", "downloading", "failed", "expired"):
        replay = Replay({old: {**_made(), "state": state, "request_id": "r-1"}}, 1, False)
        assert [job.id for job in keep_made_ids([_job(new, mode="std")], replay)] == [old], state


def test_rows_of_one_request_take_every_job_the_folder_made_of_it_one_each():
    """The folder made the same request twice under two derived ids (a row took the one job, another row was
    made anew): two rows of that request, spelled a third and a fourth way now, take one job each, so neither
    is made and paid again."""
    made = [derived_id(MODEL, {"prompt": "a kite"}, 1), derived_id(MODEL, {"prompt": "a kite", "duration": 5}, 1)]
    replay = Replay({job_id: _made() for job_id in made}, 2, False)
    jobs = [_job(derived_id(MODEL, {"prompt": "a kite", "mode": "std"}, 1), mode="std"),
            _job(derived_id(MODEL, {"prompt": "a kite", "cfg_scale": 0.5}, 1), cfg_scale=0.5)]  # fmt: skip
    assert sorted(job.id for job in keep_made_ids(jobs, replay)) == sorted(made)


def test_a_row_of_a_tenth_occurrence_or_repeat_takes_its_own_job_as_a_first_one_does():
    """Occurrences and repeats past the ninth (``-12``, ``-r10``, ``-12-r11``) are suffixes like any other: such a
    row takes the job its request was made as, not made and paid again under the id it derives now."""
    old = derived_id(MODEL, {"prompt": "a kite"}, 1)
    new = derived_id(MODEL, {"prompt": "a kite", "mode": "std"}, 1)
    tails = ["-12", "-r10", "-12-r11", "-3-r2"]
    replay = Replay({f"{old}{tail}": _made() for tail in tails}, len(tails), False)
    jobs = [_job(f"{new}{tail}", mode="std") for tail in tails]
    assert [job.id for job in keep_made_ids(jobs, replay)] == [f"{old}{tail}" for tail in tails]
