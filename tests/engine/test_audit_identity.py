"""Audit of ``batchgen/engine/identity.py``: the changed rows' error names a field left out of the row as well
as one added or changed, and tells what to do about every row it cannot replace."""

from __future__ import annotations

import pytest

from batchgen.engine.identity import Change, ChangedInFlight, ChangedJobs, find_changes, refuse_replacing_in_flight
from batchgen.jobs import JobSpec
from batchgen.store.ledger import Replay
from tests.engine.doubles import MODEL


def test_a_parameter_the_row_no_longer_gives_is_named_as_changed():
    sent = {"prompt": "a red apple", "negative_prompt": "blur", "duration": 10}
    replay = Replay({"a": {"state": "completed", "model": MODEL, "params": sent}}, 1, False)
    row = JobSpec("a", MODEL, {"prompt": "a red apple", "duration": 10}, source="m.yaml:3")
    [change] = find_changes([row], replay)
    assert change.fields == ("negative_prompt",)
    assert change.describe() == ("a (m.yaml:3): negative_prompt differs from what this id was sent as (now completed)")


def test_a_submit_of_unknown_outcome_among_other_changed_rows_in_flight_is_told_to_settle_first():
    rows = [
        Change(JobSpec("sent", MODEL, {}, source="m.yaml:3"), "submitted", ("prompt",)),
        Change(JobSpec("posted", MODEL, {}, source="m.yaml:4"), "submitting", ("prompt",)),
    ]
    with pytest.raises(ChangedInFlight) as caught:
        refuse_replacing_in_flight(rows, "out")
    told = str(caught.value)
    assert told.startswith("2 changed jobs in the manifest were sent before and are still in flight in out")
    assert told.endswith(
        "; a submit of unknown outcome (now submitting) is looked up in the request history only while its "
        "row asks for what it sent: let it settle first"
    )


def test_changed_rows_in_flight_past_the_twentieth_are_counted_in_what_replace_changed_cannot_take():
    rows = [Change(JobSpec(f"j{n:02d}", MODEL, {}), "submitted", ("prompt",)) for n in range(23)]
    told = str(ChangedJobs(rows, "out"))
    listed = ", ".join(f"j{n:02d}" for n in range(20))
    assert f"but --replace-changed cannot take {listed} and 3 more yet (still in flight" in told
